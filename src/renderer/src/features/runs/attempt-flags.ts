/**
 * What an attempt's ledger row says deserves a second look: its two gradings disagree, the
 * solver changed files outside the repository or left processes running, or a CLI agent's own
 * token count disagrees with the metering proxy's. As pure functions for the attempt's detail,
 * its row in the run's table and the count in the run's header.
 */
import { tokensDisagree } from '../../../../shared/usage';
import type { AttemptSummary, GradingRecord, OutsideRepoChange } from '../../../../shared/runs';
import { assertNever } from '../../../../shared/result';
import { plural } from '../../format';

export const attemptFlagKinds = ['grading-differs', 'outside-changes', 'processes-left', 'tokens-disagree'] as const;
export type AttemptFlag = (typeof attemptFlagKinds)[number];

/** The fields of an attempt its flags are read from. */
export type FlaggedFields = Pick<AttemptSummary, 'grading' | 'outsideRepoChanges' | 'processesLeft' | 'usage' | 'agentUsage'>;

/** The attempt's flags, in the order of {@link attemptFlagKinds}. */
export function attemptFlags(attempt: FlaggedFields): AttemptFlag[] {
  const flags: AttemptFlag[] = [];
  if (attempt.grading?.differs) flags.push('grading-differs');
  if ((attempt.outsideRepoChanges?.length ?? 0) > 0) flags.push('outside-changes');
  if ((attempt.processesLeft?.length ?? 0) > 0) flags.push('processes-left');
  if (attempt.usage && attempt.agentUsage && tokensDisagree(attempt.usage, attempt.agentUsage)) flags.push('tokens-disagree');
  return flags;
}

/** A flag's badge text. */
export function flagLabel(flag: AttemptFlag): string {
  switch (flag) {
    case 'grading-differs':
      return 'grading differs';
    case 'outside-changes':
      return 'changed outside the repository';
    case 'processes-left':
      return 'left processes running';
    case 'tokens-disagree':
      return 'tokens disagree';
    default:
      return assertNever(flag, 'attempt flag');
  }
}

/** A flag's badge text on a table row, where room is short (the full label goes in its title). */
export function flagShortLabel(flag: AttemptFlag): string {
  switch (flag) {
    case 'grading-differs':
      return 'grading differs';
    case 'outside-changes':
      return 'outside repo';
    case 'processes-left':
      return 'processes left';
    case 'tokens-disagree':
      return 'tokens disagree';
    default:
      return assertNever(flag, 'attempt flag');
  }
}

/** What a flag means, for its badge's title. */
export function flagHelp(flag: AttemptFlag): string {
  switch (flag) {
    case 'grading-differs':
      return "Graded in the solver's own container and in a clean one, with different outcomes; the clean result counts.";
    case 'outside-changes':
      return 'The solver added, changed or removed files outside the repository (the hidden tests, shell start-up files, programs on PATH).';
    case 'processes-left':
      return 'The solver left processes running when grading began.';
    case 'tokens-disagree':
      return "The agent's own token count is more than 2% away from the metering proxy's (the proxy's count is the one used).";
    default:
      return assertNever(flag, 'attempt flag');
  }
}

/** How many of the attempts carry each flag; flags no attempt carries are left out. */
export function flagCounts(attempts: readonly FlaggedFields[]): { flag: AttemptFlag; count: number }[] {
  const counts = new Map<AttemptFlag, number>();
  for (const a of attempts) for (const flag of attemptFlags(a)) counts.set(flag, (counts.get(flag) ?? 0) + 1);
  return attemptFlagKinds.filter((flag) => counts.has(flag)).map((flag) => ({ flag, count: counts.get(flag) ?? 0 }));
}

/** `2 attempts: grading differs`: one flag's count as the run's header says it. */
export function flagCountText({ flag, count }: { flag: AttemptFlag; count: number }): string {
  return `${plural(count, 'attempt')}: ${flagLabel(flag)}`;
}

/**
 * Which grading gave the attempt's outcome: the clean one whenever it ran (it is the one a
 * solver cannot tamper with, and the one that counts when the two differ), else the official one.
 */
export function countedGrading(record: GradingRecord): 'official' | 'clean' | null {
  if (record.clean) return 'clean';
  if (record.official) return 'official';
  return null;
}

/** What each grading mode means, in a few words. */
export function gradingModeText(mode: GradingRecord['mode']): string {
  switch (mode) {
    case 'official':
      return "official: in the solver's container, as the official harness";
    case 'clean':
      return "clean: the solver's repository diff in a fresh container";
    case 'both':
      return 'both: official and clean; the clean result counts when they differ';
    default:
      return assertNever(mode, 'grading mode');
  }
}

/** Where a file outside the repository is, in words. */
export function outsideAreaText(area: OutsideRepoChange['area']): string {
  switch (area) {
    case 'tests':
      return 'hidden tests';
    case 'shell-startup':
      return 'shell start-up file';
    case 'path':
      return 'program on PATH';
    default:
      return assertNever(area, 'outside-the-repository area');
  }
}
