/**
 * `lancer run`, `lancer export`: runs in Docker and their official results file (`lancer results` is
 * in results.ts, apart, so printing a run loads none of this).
 */
import { writeFileSync } from 'node:fs';
import { gradingModes, isFinal, type AttemptSummary, type GradingMode, type RunEvent, type RunStartInput, type Tally } from '../../shared/runs';
import { agentNames, type AgentName } from '../../shared/agents';
import { cliAgentNames } from '../../shared/cli-agents';
import { progressLine, StatusLine } from '../progress';
import { runsToResultsCsv } from '../../main/core/reports/results-csv';
import { CliError, type CliContext } from '../context';
import { attemptLabel, formatDollarsCli as dollars } from '../format';
import { waitingReporter } from '../run-waiting';
import { fetchWithProgress } from './agents';

export const runHelp = `lancer run --dataset D [--tasks ID,…|--set NAME] --solver gold|null|<predictions.jsonl>
           [--concurrency N] [--attempts N] [--exclude-suspect] [--image-prefix P] [--image-tag T] [--monolith]
           [--cluster NAME] [--json]
lancer run --dataset D [--tasks ID,…] --agent builtin|codex|opencode|claude-code|qwen-code|custom [--agent-command '…']
           (--endpoint NAME | --base-url URL --model M [--api-key-env VAR])
           [--protocol official|tools] [--max-turns N] [--attempt-budget-usd X] [--budget-usd Y]
           [--price-input X --price-cached Y --price-output Z] [--grading clean|official|both] [--json]
lancer run --resume RUN [--json]
  Runs the tasks in Docker and grades them as the official harness does. Progress lines go to
  stderr; with --json the summary (runId, tasks, passed, failed, timeout, error, earned and
  available dollars) is printed on stdout. A run survives a crash: --resume carries it on.
  While the Docker daemon is away the run waits (a stderr line says so) and carries on by
  itself; no try is spent. Exit code 3 when any attempt ended in a system error.
  --attempts N makes N independent attempts at every task (fresh container, fresh conversation;
  retries of system errors are counted apart); a gold run with repeats finds flaky tasks, and
  --exclude-suspect leaves out tasks gold failed in any gold run (the manifest records which).
  --agent builtin runs the built-in agent on the host; codex, opencode, claude-code and qwen-code
  run that CLI agent inside the task container from its cache (fetched from npm first when
  missing, as \`lancer agents fetch\`), reaching only the metering proxy; custom runs
  --agent-command with bash in the repository, with OPENAI_BASE_URL, OPENAI_API_KEY,
  ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY (the proxy and the run's own key), LANCER_MODEL and
  LANCER_PROMPT_FILE set (for agents installed in your own image: --image-prefix).
  --grading: official grades in the solver's container (as the official harness), clean grades
  the solver's repository diff in a fresh container, both does both and flags an attempt whose
  results differ ("grading differs"; the clean result counts). Default: the setting gradingMode
  (both) for agents, official for gold, null and predictions.
  --cluster NAME runs the attempts on that Docker Swarm (lancer cluster add) instead of the local
  daemon; the ledger stays here and each attempt records its node. The images must be on the
  nodes first (lancer images distribute). Agents that run inside the container stay local.`;

/** The agent flags of `lancer run`, as parsed (strings; the contract's schema checks them). */
export interface AgentFlags {
  agent?: string;
  agentCommand?: string;
  endpoint?: string;
  baseUrl?: string;
  model?: string;
  apiKeyEnv?: string;
  protocol?: string;
  maxTurns?: string;
  attemptBudgetUsd?: string;
  budgetUsd?: string;
  priceInput?: string;
  priceCached?: string;
  priceOutput?: string;
}

/** A number flag, or undefined; a flag that is not a number is a usage error naming it. */
function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new CliError(`--${name} must be a number, got "${value}"`, 2);
  return n;
}

function agentSolverFrom(f: AgentFlags): RunStartInput['solver'] {
  if (!(agentNames as readonly string[]).includes(f.agent ?? '')) throw new CliError(`--agent must be one of ${agentNames.join(', ')}, got "${f.agent ?? ''}"`, 2);
  if ((f.agent === 'custom') !== (f.agentCommand !== undefined)) throw new CliError('--agent custom needs --agent-command, and only it takes one', 2);
  const priced = f.priceInput !== undefined || f.priceCached !== undefined || f.priceOutput !== undefined;
  return {
    kind: 'builtin',
    agent: f.agent as AgentName,
    agentCommand: f.agentCommand,
    endpoint: f.endpoint,
    baseUrl: f.baseUrl,
    model: f.model,
    apiKeyEnv: f.apiKeyEnv,
    protocol: f.protocol as 'official' | 'tools' | undefined,
    maxTurns: numberFlag('max-turns', f.maxTurns),
    attemptBudgetUsd: numberFlag('attempt-budget-usd', f.attemptBudgetUsd),
    budgetUsd: numberFlag('budget-usd', f.budgetUsd),
    prices: priced
      ? {
          inputPerM: numberFlag('price-input', f.priceInput) ?? 0,
          cachedInputPerM: numberFlag('price-cached', f.priceCached) ?? numberFlag('price-input', f.priceInput) ?? 0,
          outputPerM: numberFlag('price-output', f.priceOutput) ?? 0,
        }
      : undefined,
  };
}

function summaryOf(runId: string, t: Tally): Record<string, unknown> {
  return { runId, tasks: t.tasks, attempts: t.attempts, passed: t.passed, failed: t.failed, timeout: t.timeout, error: t.error, cancelled: t.cancelled, earned: t.earned, available: t.available };
}

export async function runCommand(
  ctx: CliContext,
  opts: {
    dataset?: string;
    tasks?: string;
    set?: string;
    solver?: string;
    concurrency?: string;
    attempts?: string;
    excludeSuspect?: boolean;
    imagePrefix?: string;
    imageTag?: string;
    monolith: boolean;
    resume?: string;
    grading?: string;
    cluster?: string;
    agent?: AgentFlags;
  },
): Promise<void> {
  const wb = ctx.openWorkbench();
  const { requeued, reaped } = await wb.engine.recover();
  if (requeued || reaped.containers) ctx.progress(`recovery: ${requeued} interrupted attempts queued again, ${reaped.containers} orphaned containers removed`);
  let runId: string;
  if (opts.resume) {
    runId = opts.resume;
    wb.runs.getRun(runId);
    // Refused before anything is printed. The drive below is `start`, as for a new run: this
    // process has no drive of it yet, and `start` marks it running.
    await wb.engine.checkResume(runId);
  } else {
    if (!opts.dataset) throw new CliError(`--dataset is required\n\n${runHelp}`, 2);
    if (!opts.solver && !opts.agent?.agent) throw new CliError(`--solver or --agent is required\n\n${runHelp}`, 2);
    if (opts.solver && opts.agent?.agent) throw new CliError('give --solver or --agent, not both', 2);
    if (opts.tasks && opts.set) throw new CliError('give --tasks or --set, not both', 2);
    const concurrency = opts.concurrency === undefined ? undefined : Number(opts.concurrency);
    if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
      throw new CliError(`--concurrency must be a positive integer, got "${opts.concurrency}"`, 2);
    }
    const attempts = opts.attempts === undefined ? undefined : Number(opts.attempts);
    if (attempts !== undefined && (!Number.isInteger(attempts) || attempts < 1 || attempts > 100)) {
      throw new CliError(`--attempts must be an integer from 1 to 100, got "${opts.attempts}"`, 2);
    }
    if (opts.grading !== undefined && !(gradingModes as readonly string[]).includes(opts.grading)) {
      throw new CliError(`--grading must be clean, official or both, got "${opts.grading}"`, 2);
    }
    // A CLI agent's binaries are fetched on first use, with progress, before the run is made.
    const cliAgent = (cliAgentNames as readonly string[]).includes(opts.agent?.agent ?? '') ? opts.agent!.agent! : null;
    if (cliAgent && (await wb.agentCache.status(cliAgent)).state !== 'ready') {
      ctx.progress(`fetching the ${cliAgent} binaries from the npm registry (first use)…`);
      await fetchWithProgress(ctx, cliAgent);
    }
    const solver: RunStartInput['solver'] = opts.agent?.agent
      ? agentSolverFrom(opts.agent)
      : opts.solver === 'gold' || opts.solver === 'null'
        ? { kind: opts.solver }
        : { kind: 'predictions', file: opts.solver! };
    runId = await wb.engine.createRun({
      datasetId: opts.dataset,
      taskIds: opts.tasks?.split(',').map((s) => s.trim()).filter(Boolean),
      taskSet: opts.set,
      solver,
      concurrency,
      attempts,
      excludeSuspect: opts.excludeSuspect || undefined,
      imagePrefix: opts.imagePrefix,
      imageTag: opts.imageTag,
      monolith: opts.monolith || undefined,
      grading: opts.grading as GradingMode | undefined,
      ...(opts.cluster !== undefined ? { cluster: opts.cluster } : {}),
    });
  }
  ctx.progress(`run ${runId}`);
  const onCluster = wb.runs.runSettings(runId).manifest.cluster;
  if (onCluster) {
    // Where the attempts can land, before any starts: each node's images of this run.
    const images = [...new Set(wb.runs.getRun(runId).attempts.map((a) => a.image))];
    const nodes = (await wb.clusters.status(onCluster.name, images)).nodes;
    for (const n of nodes) {
      ctx.progress(
        `  node ${n.hostname}: ${n.unreachable ? `left out (${n.unreachable})` : `${n.images.present.length}/${images.length} images${n.images.missing.length ? ` (lacks ${n.images.missing.slice(0, 3).join(', ')}${n.images.missing.length > 3 ? ', …' : ''})` : ''}`}`,
      );
    }
  }
  // On a terminal: one live status line, with finished attempts printed above it. Pipes and
  // --json: a plain line per attempt state change, as before.
  const status = process.stderr.isTTY && !ctx.json ? new StatusLine(process.stderr) : null;
  const startedAt = Date.now();
  const running = new Set<string>();
  let finishedHere = 0;
  const redraw = (): void =>
    status?.update(progressLine({ tally: wb.runs.tally(runId), running: running.size, elapsedMs: Date.now() - startedAt, finishedHere }));
  const off = wb.events.subscribe((name, payload) => {
    if (name !== 'run.event') return;
    const event = payload as RunEvent;
    if (event.runId !== runId || event.type !== 'attempt') return;
    const a: AttemptSummary = event.attempt;
    const line = `  ${attemptLabel(a).padEnd(28)} ${a.state}${a.phase && a.state !== a.phase ? ` (${a.phase})` : ''}${a.error ? `: ${a.error.split('\n')[0]}` : ''}`;
    const final = isFinal(a.state);
    if (final && running.delete(a.id)) finishedHere += 1;
    else if (!final && a.state !== 'queued') running.add(a.id);
    if (!status) ctx.progress(line);
    else if (final) status.print(line);
    if (status) redraw();
  });
  const ticker = status ? setInterval(redraw, 1000) : undefined;
  ticker?.unref();
  let stopping = false;
  const onSignal = (): void => {
    if (stopping) return;
    stopping = true;
    ctx.progress('stopping: the run can be resumed with --resume');
    void wb.close().then(() => process.exit(130));
  };
  // Above the live status line on a terminal, so the reason stays in view while it waits.
  const offWaiting = wb.events.subscribe(waitingReporter(runId, (line) => (status ? status.print(line) : ctx.progress(line))));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await wb.engine.start(runId);
  off();
  clearInterval(ticker);
  redraw();
  status?.end();
  offWaiting();
  const run = wb.runs.getRun(runId);
  ctx.result(summaryOf(runId, run.tally), () => {
    const t = run.tally;
    return `${runId}: ${t.passed} passed, ${t.failed} failed, ${t.timeout} timeout, ${t.error} error of ${t.attempts === t.tasks ? t.tasks : `${t.attempts} attempts (${t.tasks} tasks)`}; earned ${dollars(t.earned)} of ${dollars(t.available)}`;
  });
  // System errors mean the run did not measure what it was asked to: scripts must notice.
  if (run.tally.error > 0) {
    throw new CliError(`${run.tally.error} of ${run.tally.attempts} attempts ended in a system error (outcome error); see \`lancer results ${runId}\``, 3);
  }
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
