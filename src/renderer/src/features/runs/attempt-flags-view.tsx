/**
 * The flags of attempts on the Runs page: badges on an attempt's row and its detail, the count
 * per flag in a run's header, and the detail behind each flag (both gradings, the files changed
 * outside the repository, the processes left running).
 */
import type { ReactElement } from 'react';
import type { GradingRecord, GradingResult, LeftProcess, OutsideRepoChange } from '../../../../shared/runs';
import { attemptFlags, countedGrading, type FlaggedFields, flagCounts, flagCountText, flagHelp, flagLabel, flagShortLabel, gradingModeText, outsideAreaText } from './attempt-flags';
import { formatDollars } from './format';
import { StateBadge } from './widgets';
import './attempt-flags.css';

/** One badge per flag of the attempt; `small` for a table row (short words, the full ones in the title). */
export function AttemptFlagBadges({ attempt, small = false }: { attempt: FlaggedFields; small?: boolean }): ReactElement | null {
  const flags = attemptFlags(attempt);
  if (flags.length === 0) return null;
  return (
    <span className="attempt-flags">
      {flags.map((flag) => (
        <span
          key={flag}
          className={`${small ? 'tag' : 'badge'} attempt-flag flag-${flag}`}
          data-testid="attempt-flag"
          data-flag={flag}
          title={small ? `${flagLabel(flag)}: ${flagHelp(flag)}` : flagHelp(flag)}
        >
          {small ? flagShortLabel(flag) : flagLabel(flag)}
        </span>
      ))}
    </span>
  );
}

/** `2 attempts: grading differs · 1 attempt: tokens disagree`, for a run's header; nothing when no attempt is flagged. */
export function RunFlagCounts({ attempts }: { attempts: readonly FlaggedFields[] }): ReactElement | null {
  const counts = flagCounts(attempts);
  if (counts.length === 0) return null;
  return (
    <p className="run-flags" aria-label="Flagged attempts" data-testid="run-flags">
      {counts.map((c) => (
        <span key={c.flag} className={`badge attempt-flag flag-${c.flag}`} data-flag={c.flag} title={flagHelp(c.flag)}>
          {flagCountText(c)}
        </span>
      ))}
    </p>
  );
}

function GradingRow({
  label,
  where,
  result,
  counted,
  withNote,
}: {
  label: string;
  where: string;
  result: GradingResult | null;
  counted: boolean;
  withNote: boolean;
}): ReactElement {
  return (
    <tr data-grading={label.toLowerCase()} className={counted ? 'counted' : undefined}>
      <th scope="row">
        {label} <span className="muted">· {where}</span>
      </th>
      <td>{result ? <StateBadge state={result.outcome} /> : <span className="muted">not run</span>}</td>
      <td className="num">{result ? formatDollars(result.earned) : '—'}</td>
      <td className="mono">{result?.exitCodes && result.exitCodes.length > 0 ? result.exitCodes.join(', ') : '—'}</td>
      <td>{counted ? <strong>counted</strong> : <span className="muted">—</span>}</td>
      {withNote && <td className="muted">{result?.note ?? ''}</td>}
    </tr>
  );
}

/** Both gradings of an attempt side by side, which one counted, and whether they differ. */
export function GradingView({ grading }: { grading: GradingRecord }): ReactElement {
  const counted = countedGrading(grading);
  const withNote = Boolean(grading.official?.note || grading.clean?.note);
  return (
    <div className="grading-view" data-testid="grading">
      {grading.differs && grading.official && grading.clean && (
        <p className="grading-differs" role="note">
          <span className="badge attempt-flag flag-grading-differs">grading differs</span> {grading.official.outcome} in the solver&apos;s container,{' '}
          {grading.clean.outcome} in a clean one: the clean result counts.
        </p>
      )}
      <table className="plain-table grading-table">
        <thead>
          <tr>
            <th>Grading</th>
            <th>Outcome</th>
            <th className="num">Earned</th>
            <th>Test exit codes</th>
            <th>Counted</th>
            {withNote && <th>Note</th>}
          </tr>
        </thead>
        <tbody>
          <GradingRow label="Official" where="in the solver's container" result={grading.official} counted={counted === 'official'} withNote={withNote} />
          <GradingRow label="Clean" where="the repository diff in a fresh container" result={grading.clean} counted={counted === 'clean'} withNote={withNote} />
        </tbody>
      </table>
      <p className="muted grading-mode">Mode {gradingModeText(grading.mode)}.</p>
    </div>
  );
}

/** Files the solver added, changed or removed outside the repository. */
export function OutsideChangesView({ changes }: { changes: readonly OutsideRepoChange[] }): ReactElement {
  if (changes.length === 0) return <p className="muted">None: the solver changed nothing outside the repository that is watched.</p>;
  return (
    <table className="plain-table outside-changes" data-testid="outside-changes">
      <thead>
        <tr>
          <th>Path</th>
          <th>What it is</th>
          <th>Change</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((c) => (
          <tr key={`${c.path}|${c.change}`} data-area={c.area} data-change={c.change}>
            <td className="mono">{c.path}</td>
            <td>{outsideAreaText(c.area)}</td>
            <td className={`change-${c.change}`}>{c.change}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Processes the solver left running when grading began. */
export function ProcessesLeftView({ processes }: { processes: readonly LeftProcess[] }): ReactElement {
  if (processes.length === 0) return <p className="muted">None: nothing the solver started was still running when grading began.</p>;
  return (
    <table className="plain-table processes-left" data-testid="processes-left">
      <thead>
        <tr>
          <th className="num">PID</th>
          <th>Command</th>
        </tr>
      </thead>
      <tbody>
        {processes.map((p) => (
          <tr key={p.pid}>
            <td className="num mono">{p.pid}</td>
            <td className="mono">{p.command}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
