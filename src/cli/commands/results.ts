/**
 * `lancer results`: a run's attempts from the ledger. It reads the store alone (`openLedger`), so
 * printing a run loads neither Docker's client nor the engine nor the contract's schemas.
 */
import { tokensDisagree } from '../../shared/usage';
import { CliError, type CliContext } from '../context';
import { attemptLabel, formatDollarsCli as dollars } from '../format';
import type { RunRepo } from '../../main/core/store/run-repo';
import type { AttemptSummary } from '../../shared/runs';

export const resultsHelp = `lancer results RUN [--json]
  Lists a run's attempts (every try) with their outcome, earned dollars and artifacts.`;

export async function resultsCommand(ctx: CliContext, positionals: string[]): Promise<void> {
  const [runId] = positionals;
  if (!runId) throw new CliError(`expected a run id\n\n${resultsHelp}`, 2);
  const { runs } = await ctx.openLedger();
  if (ctx.json) {
    printJson(ctx, runs, runId);
    return;
  }
  // Printed as the attempts are read, a few hundred lines at a time: holding a whole run of
  // 1,488 attempts (and their lines) cost more in garbage collection than reading them did.
  const run = runs.runSummary(runId);
  const usage = run.usage ?? null;
  ctx.info(
    `${run.id} (${run.status}): earned ${dollars(run.tally.earned)} of ${dollars(run.tally.available)}` +
      (usage ? `; spent ${dollars(usage.costUsd)} on ${usage.inputTokens + usage.outputTokens} tokens (${usage.requests} requests${usage.estimated ? ', partly estimated' : ''})` : ''),
  );
  let lines: string[] = [];
  for (const attempt of runs.eachAttempt(runId)) {
    lines.push(attemptLine(attempt));
    if (lines.length === 256) {
      ctx.info(lines.join('\n'));
      lines = [];
    }
  }
  if (lines.length > 0) ctx.info(lines.join('\n'));
}

function attemptLine(a: AttemptSummary): string {
  return (
    `${attemptLabel(a).padEnd(28)} ${a.state.padEnd(9)} ${dollars(a.earned).padStart(9)}${a.stopReason ? `  stopped: ${a.stopReason}` : ''}` +
    `${a.usage ? `  ${a.usage.inputTokens + a.usage.outputTokens} tokens ${dollars(a.usage.costUsd)}` : ''}${a.retried ? '  (retried)' : ''}` +
    `${a.grading?.differs ? `  GRADING DIFFERS (official ${a.grading.official?.outcome}, clean ${a.grading.clean?.outcome})` : ''}` +
    `${a.outsideRepoChanges?.length ? `  ${a.outsideRepoChanges.length} change(s) outside the repo` : ''}` +
    `${a.processesLeft?.length ? `  ${a.processesLeft.length} process(es) left running` : ''}` +
    `${a.agentUsage && a.usage && tokensDisagree(a.usage, a.agentUsage) ? '  agent/proxy tokens disagree' : ''}${a.error ? `  ${a.error.split('\n')[0]}` : ''}`
  );
}

/** The whole run as one JSON document, with what only the JSON carries: the manifest, grader logs, artifacts, transcripts. */
function printJson(ctx: CliContext, runs: RunRepo, runId: string): void {
  const run = runs.getRun(runId);
  // Read for the whole run at once (a full run's transcripts are tens of MB).
  const extras = runs.attemptExtras(runId, { steps: run.solver.kind === 'builtin' });
  const attempts = run.attempts.map((a) => {
    const d = extras.get(a.id);
    return {
      attemptId: a.id,
      questionId: a.questionId,
      attemptIndex: a.attemptIndex,
      try: a.tryIndex,
      retried: a.retried,
      outcome: a.state,
      earned: a.earned,
      price: a.price,
      image: a.image,
      startedAt: a.startedAt,
      finishedAt: a.finishedAt,
      // Milliseconds from the attempt's start to the solver's first command in the container.
      firstActionMs: a.firstActionMs ?? null,
      // The Swarm node (hostname) the attempt ran on; null on the local daemon.
      node: a.node ?? null,
      error: a.error,
      grader: d?.grader ?? null,
      artifacts: d?.artifacts ?? [],
      // Agent runs: the proxy's count of tokens and dollars, why the agent stopped, its transcript.
      usage: a.usage ?? null,
      stopReason: a.stopReason ?? null,
      steps: d?.steps,
      // Both gradings ({mode, official, clean, differs}); null when graded once in the solver's container.
      grading: a.grading ?? null,
      // Agent runs: what the solver changed outside the repository, what it left running.
      outsideRepoChanges: a.outsideRepoChanges ?? null,
      processesLeft: a.processesLeft ?? null,
      // CLI agents: the agent's own token count, and whether it disagrees with the proxy's.
      agentUsage: a.agentUsage ?? null,
      tokensDisagree: a.agentUsage && a.usage ? tokensDisagree(a.usage, a.agentUsage) : false,
    };
  });
  // Only ever called with --json, where ctx.result prints the value and no human rendering.
  ctx.result({ run: { id: run.id, status: run.status, tally: run.tally, usage: run.usage ?? null, manifest: run.manifest }, attempts }, () => '');
}
