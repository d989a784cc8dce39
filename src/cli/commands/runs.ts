/**
 * `lancer run`, `lancer results`, `lancer export`: runs in Docker and their ledger.
 */
import { writeFileSync } from 'node:fs';
import type { AttemptSummary, RunEvent, RunStartInput, Tally } from '../../shared/runs';
import { runsToResultsCsv } from '../../main/core/reports/results-csv';
import { CliError, type CliContext } from '../context';

export const runHelp = `lancer run --dataset D [--tasks ID,…|--set NAME] --solver gold|null|<predictions.jsonl>
           [--concurrency N] [--image-prefix P] [--image-tag T] [--monolith] [--json]
lancer run --resume RUN [--json]
  Runs the tasks in Docker and grades them as the official harness does. Progress lines go to
  stderr; with --json the summary (runId, tasks, passed, failed, timeout, error, earned and
  available dollars) is printed on stdout. A run survives a crash: --resume carries it on.`;

const dollars = (n: number): string => `$${n.toLocaleString('en-US', { maximumFractionDigits: 2 })}`;

function summaryOf(runId: string, t: Tally): Record<string, unknown> {
  return { runId, tasks: t.tasks, passed: t.passed, failed: t.failed, timeout: t.timeout, error: t.error, cancelled: t.cancelled, earned: t.earned, available: t.available };
}

export async function runCommand(
  ctx: CliContext,
  opts: { dataset?: string; tasks?: string; set?: string; solver?: string; concurrency?: string; imagePrefix?: string; imageTag?: string; monolith: boolean; resume?: string },
): Promise<void> {
  const wb = ctx.openWorkbench();
  const { requeued, reaped } = await wb.engine.recover();
  if (requeued || reaped.containers) ctx.progress(`recovery: ${requeued} interrupted attempts queued again, ${reaped.containers} orphaned containers removed`);
  let runId: string;
  if (opts.resume) {
    runId = opts.resume;
    wb.runs.getRun(runId);
  } else {
    if (!opts.dataset) throw new CliError(`--dataset is required\n\n${runHelp}`, 2);
    if (!opts.solver) throw new CliError(`--solver is required\n\n${runHelp}`, 2);
    if (opts.tasks && opts.set) throw new CliError('give --tasks or --set, not both', 2);
    const concurrency = opts.concurrency === undefined ? undefined : Number(opts.concurrency);
    if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
      throw new CliError(`--concurrency must be a positive integer, got "${opts.concurrency}"`, 2);
    }
    const solver: RunStartInput['solver'] =
      opts.solver === 'gold' || opts.solver === 'null' ? { kind: opts.solver } : { kind: 'predictions', file: opts.solver };
    runId = await wb.engine.createRun({
      datasetId: opts.dataset,
      taskIds: opts.tasks?.split(',').map((s) => s.trim()).filter(Boolean),
      taskSet: opts.set,
      solver,
      concurrency,
      imagePrefix: opts.imagePrefix,
      imageTag: opts.imageTag,
      monolith: opts.monolith || undefined,
    });
  }
  ctx.progress(`run ${runId}`);
  const off = wb.events.subscribe((name, payload) => {
    if (name !== 'run.event') return;
    const event = payload as RunEvent;
    if (event.runId !== runId || event.type !== 'attempt') return;
    const a: AttemptSummary = event.attempt;
    const label = `${a.questionId}${a.tryIndex ? ` (try ${a.tryIndex + 1})` : ''}`;
    ctx.progress(`  ${label.padEnd(24)} ${a.state}${a.phase && a.state !== a.phase ? ` (${a.phase})` : ''}${a.error ? `: ${a.error.split('\n')[0]}` : ''}`);
  });
  let stopping = false;
  const onSignal = (): void => {
    if (stopping) return;
    stopping = true;
    ctx.progress('stopping: the run can be resumed with --resume');
    void wb.close().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await (opts.resume ? wb.engine.resume(runId) : wb.engine.start(runId));
  off();
  const run = wb.runs.getRun(runId);
  ctx.result(summaryOf(runId, run.tally), () => {
    const t = run.tally;
    return `${runId}: ${t.passed} passed, ${t.failed} failed, ${t.timeout} timeout, ${t.error} error of ${t.tasks}; earned ${dollars(t.earned)} of ${dollars(t.available)}`;
  });
}

export const resultsHelp = `lancer results RUN [--json]
  Lists a run's attempts (every try) with their outcome, earned dollars and artifacts.`;

export function resultsCommand(ctx: CliContext, positionals: string[]): void {
  const [runId] = positionals;
  if (!runId) throw new CliError(`expected a run id\n\n${resultsHelp}`, 2);
  const wb = ctx.openWorkbench();
  const run = wb.runs.getRun(runId);
  const attempts = run.attempts.map((a) => {
    const d = wb.runs.attemptDetail(a.id);
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
      error: a.error,
      grader: d.grader,
      artifacts: d.artifacts,
    };
  });
  ctx.result({ run: { id: run.id, status: run.status, tally: run.tally, manifest: run.manifest }, attempts }, () =>
    [
      `${run.id} (${run.status}): earned ${dollars(run.tally.earned)} of ${dollars(run.tally.available)}`,
      ...attempts.map((a) => `${a.questionId.padEnd(24)} try ${a.try} ${a.outcome.padEnd(9)} ${dollars(a.earned).padStart(9)}${a.retried ? '  (retried)' : ''}${a.error ? `  ${a.error.split('\n')[0]}` : ''}`),
    ].join('\n'),
  );
}

export const exportHelp = `lancer export RUN --format results.csv [--out FILE]
  Writes the official results.csv columns (question_id, attempt_id, correct, input_tokens,
  output_tokens, reasoning_tokens, earned), one row per task and attempt (the final try).`;

export function exportCommand(ctx: CliContext, positionals: string[], opts: { format?: string; out?: string }): void {
  const [runId] = positionals;
  if (!runId) throw new CliError(`expected a run id\n\n${exportHelp}`, 2);
  if (opts.format !== 'results.csv') throw new CliError(`--format must be results.csv, got "${opts.format ?? ''}"`, 2);
  const wb = ctx.openWorkbench();
  const csv = runsToResultsCsv(wb.runs.getRun(runId).attempts);
  if (opts.out) {
    writeFileSync(opts.out, csv);
    ctx.info(`wrote ${opts.out}`);
  } else {
    process.stdout.write(csv);
  }
}
