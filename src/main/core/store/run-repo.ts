/**
 * The run ledger in SQLite: runs, attempts (one row per try), phases, logs and artifacts.
 *
 * Every state change is written before the engine acts on it, so after a crash the database
 * says exactly which attempts finished (never redone) and which were interrupted (queued again).
 */
import type {
  ArtifactInfo,
  AttemptDetail,
  AttemptOutcome,
  AttemptState,
  AttemptSummary,
  GraderLog,
  GradingRecord,
  LeftProcess,
  ManifestTaskLists,
  OutsideRepoChange,
  Phase,
  RunDetail,
  RunManifest,
  RunStatus,
  RunSummary,
  RunView,
  SolverSpec,
  Tally,
} from '../../../shared/runs';
import { AppError } from '../../../shared/result';
import type { AgentStepRecord, StopReason } from '../../../shared/agents';
import { sumUsage, type AgentOwnUsage, type UsageSummary } from '../../../shared/usage';
import type { Statement } from 'better-sqlite3';
import type { Db } from './database';

interface AttemptRow {
  id: string;
  run_id: string;
  question_id: string;
  attempt_index: number;
  try_index: number;
  retried: number;
  state: AttemptState;
  phase: Phase | null;
  image: string;
  price: number;
  earned: number;
  owner_pid: number | null;
  container_id: string | null;
  network_id: string | null;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  usage_json: string | null;
  stop_reason: string | null;
  grading_json: string | null;
  outside_changes_json: string | null;
  processes_left_json: string | null;
  agent_usage_json: string | null;
  first_action_ms: number | null;
  node: string | null;
}

/** An attempt's large outputs (attempt_outputs, migration 0013), kept apart from its row. */
interface OutputsRow {
  patch: string | null;
  decision_json: string | null;
  grader_json: string | null;
}

interface StepRow {
  idx: number;
  at: string;
  kind: AgentStepRecord['kind'];
  message: string | null;
  tool_call_json: string | null;
  observation: string | null;
  observation_bytes: number | null;
  observation_sha256: string | null;
  exit_code: number | null;
  duration_ms: number;
  usage_json: string | null;
  cost_usd: number | null;
  fallback: number;
  note: string | null;
}

interface RunRow {
  id: string;
  status: RunStatus;
  dataset_id: string;
  version_id: number;
  solver_json: string;
  manifest_json: string;
  concurrency: number;
  max_retries: number;
  owner_pid: number | null;
  created_at: string;
  finished_at: string | null;
  waiting: string | null;
}

export interface NewRun {
  id: string;
  datasetId: string;
  versionId: number;
  solver: SolverSpec;
  manifest: RunManifest;
  concurrency: number;
  maxRetries: number;
  tasks: { questionId: string; image: string; price: number }[];
  /** Independent attempts per task (default 1). */
  attemptsPerTask?: number;
}

/** One try of an attempt, as the analytics read it (core/reports). */
export interface ReportLedgerRow {
  questionId: string;
  attemptIndex: number;
  retried: boolean;
  state: AttemptState;
  price: number;
  earned: number;
  startedAt: string | null;
  finishedAt: string | null;
  usage: UsageSummary | null;
  /** Manager attempts: the proposal id the solver chose (null: none, or not a manager attempt). */
  submitted: number | null;
}

export interface LogLine {
  attemptId: string;
  phase: Phase;
  at: string;
  text: string;
}

const LIVE = "('starting', 'setup', 'solving', 'grading')";
const now = (): string => new Date().toISOString();
/** The order queued attempts are claimed in (and the next one's image is foretold in). */
const CLAIM_ORDER = 'queued_at, attempt_index, question_id';

/** Attempt ids name containers too, so they keep to Docker's name alphabet. */
export function attemptIdFor(runId: string, questionId: string, attemptIndex: number, tryIndex: number): string {
  return `${runId}.${questionId.replace(/[^\w.-]/g, '_')}.${attemptIndex}.${tryIndex}`;
}

/** What toSummary reads of an attempt's row. */
type SummaryRow = Omit<AttemptRow, 'owner_pid' | 'network_id'>;

/**
 * Those columns, for the query that reads a whole run's attempts: named rather than `*`, because
 * better-sqlite3 makes a row object of every column selected, and all 26 instead of these 24 cost
 * ~15 ms more for a run of 1,488 attempts (the run view, `lancer results`).
 */
const SUMMARY_COLUMNS = everyColumn([
  'id', 'run_id', 'question_id', 'attempt_index', 'try_index', 'retried', 'state', 'phase', 'image', 'price', 'earned',
  'container_id', 'queued_at', 'started_at', 'finished_at', 'error', 'usage_json', 'stop_reason', 'grading_json',
  'outside_changes_json', 'processes_left_json', 'agent_usage_json', 'first_action_ms', 'node',
]);
const ATTEMPTS_OF_RUN = `SELECT ${SUMMARY_COLUMNS.join(', ')} FROM attempts WHERE run_id = ? ORDER BY question_id, attempt_index, try_index`;

/** The list as given, when it names every column toSummary reads: one left out fails to compile. */
function everyColumn<const C extends readonly (keyof SummaryRow)[]>(columns: C & ([Exclude<keyof SummaryRow, C[number]>] extends [never] ? unknown : never)): C {
  return columns;
}

function toSummary(r: SummaryRow): AttemptSummary {
  return {
    id: r.id,
    runId: r.run_id,
    questionId: r.question_id,
    attemptIndex: r.attempt_index,
    tryIndex: r.try_index,
    retried: r.retried === 1,
    state: r.state,
    phase: r.phase,
    image: r.image,
    price: r.price,
    earned: r.earned,
    queuedAt: r.queued_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: r.error,
    containerId: r.container_id,
    usage: parseOrNull<UsageSummary>(r.usage_json),
    stopReason: r.stop_reason as StopReason | null,
    grading: parseOrNull<GradingRecord>(r.grading_json),
    outsideRepoChanges: parseOrNull<OutsideRepoChange[]>(r.outside_changes_json),
    processesLeft: parseOrNull<LeftProcess[]>(r.processes_left_json),
    agentUsage: parseOrNull<AgentOwnUsage>(r.agent_usage_json),
    firstActionMs: r.first_action_ms ?? null,
    node: r.node ?? null,
  };
}

function parseOrNull<T>(json: string | null): T | null {
  return json === null ? null : (JSON.parse(json) as T);
}

function stepOf(r: StepRow): AgentStepRecord {
  return {
    index: r.idx,
    at: r.at,
    kind: r.kind,
    message: r.message,
    toolCall: parseOrNull<AgentStepRecord['toolCall']>(r.tool_call_json),
    observation: r.observation,
    observationBytes: r.observation_bytes,
    observationSha256: r.observation_sha256,
    exitCode: r.exit_code,
    durationMs: r.duration_ms,
    usage: parseOrNull<AgentStepRecord['usage']>(r.usage_json),
    costUsd: r.cost_usd,
    fallback: r.fallback === 1,
    note: r.note,
  };
}

/** A run's maintained counts (table run_tallies, kept by triggers on attempts; migration 0010): the tally, then its usage. */
interface TallyRow extends Tally {
  usage_tries: number;
  requests: number;
  input_tokens: number;
  cached_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  estimated_tries: number;
}

const TALLY_COLUMNS = `t.tasks, t.attempts, t.passed, t.failed, t.timeout, t.error, t.cancelled, t.pending, t.earned, t.available,
  t.usage_tries, t.requests, t.input_tokens, t.cached_tokens, t.output_tokens, t.reasoning_tokens, t.cost_usd, t.estimated_tries`;

function tallyOf(t: TallyRow): Tally {
  return { tasks: t.tasks, attempts: t.attempts, passed: t.passed, failed: t.failed, timeout: t.timeout, error: t.error, cancelled: t.cancelled, pending: t.pending, earned: t.earned, available: t.available };
}

function usageOfTally(t: TallyRow): UsageSummary | null {
  if (t.usage_tries === 0) return null;
  return {
    requests: t.requests,
    inputTokens: t.input_tokens,
    cachedTokens: t.cached_tokens,
    outputTokens: t.output_tokens,
    reasoningTokens: t.reasoning_tokens,
    costUsd: t.cost_usd,
    estimated: t.estimated_tries > 0,
  };
}

/** The run columns a summary shows (all of them in the covering index runs_listing but `id`). */
const LISTING_COLUMNS = 'r.id, r.status, r.created_at, r.finished_at, r.dataset_id, r.solver_json, r.concurrency, r.waiting';

type ListingRow = Pick<RunRow, 'id' | 'status' | 'created_at' | 'finished_at' | 'dataset_id' | 'solver_json' | 'concurrency' | 'waiting'> & TallyRow;

/** What `lancer results --json` adds to each attempt of a run, read in one query per kind. */
export interface AttemptExtras {
  grader: GraderLog | null;
  artifacts: ArtifactInfo[];
  /** Only when asked for (agent runs). */
  steps?: AgentStepRecord[];
}

export class RunRepo {
  /** Statements prepared once per SQL text: preparing costs more than running most of these. */
  private readonly statements = new Map<string, Statement>();
  constructor(private readonly db: Db) {}

  private sql(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Writes a run and its queued attempts: `attemptsPerTask` independent attempts of every task. */
  createRun(run: NewRun): void {
    const insertAttempt = this.sql(
      `INSERT INTO attempts (id, run_id, question_id, attempt_index, try_index, state, image, price, queued_at)
       VALUES (?, ?, ?, ?, 0, 'queued', ?, ?, ?)`,
    );
    const repeats = run.attemptsPerTask ?? 1;
    this.db.transaction(() => {
      const at = now();
      this.sql(`INSERT INTO runs (id, status, dataset_id, version_id, solver_json, manifest_json, concurrency, max_retries, created_at)
          VALUES (?, 'queued', ?, ?, ?, ?, ?, ?, ?)`)
        .run(run.id, run.datasetId, run.versionId, JSON.stringify(run.solver), JSON.stringify(run.manifest), run.concurrency, run.maxRetries, at);
      // Attempt-major order: every task's first attempt is queued before any second one, so a
      // run stopped halfway has one attempt at most tasks rather than all attempts at a few.
      for (let index = 0; index < repeats; index++) {
        for (const t of run.tasks) insertAttempt.run(attemptIdFor(run.id, t.questionId, index, 0), run.id, t.questionId, index, t.image, t.price, at);
      }
    })();
  }

  private runRow(id: string): RunRow {
    const row = this.sql('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    if (!row) throw new AppError('not_found', `no run ${id}`);
    return row;
  }

  /**
   * Counts over the attempts that count: the newest try of each (task, attempt). Read from the
   * counts the store keeps as attempts change (run_tallies), not recounted over the attempts.
   */
  tally(runId: string): Tally {
    return tallyOf(this.tallyRow(runId));
  }

  private tallyRow(runId: string): TallyRow {
    const row = this.sql(`SELECT ${TALLY_COLUMNS} FROM run_tallies t WHERE t.run_id = ?`).get(runId) as TallyRow | undefined;
    return row ?? this.recountTally(runId);
  }

  /**
   * A run's counts recounted over its attempts, as the triggers of migration 0010 keep them. For
   * checks (tests) and a run with no counts row (none can be made without one: the row comes
   * with the run); nothing is written.
   */
  recountTally(runId: string): TallyRow {
    return this.sql(
      `SELECT
        (SELECT count(DISTINCT question_id) FROM attempts WHERE run_id = $run AND retried = 0) AS tasks,
        coalesce(sum(retried = 0), 0) AS attempts,
        coalesce(sum(retried = 0 AND state = 'passed'), 0) AS passed,
        coalesce(sum(retried = 0 AND state = 'failed'), 0) AS failed,
        coalesce(sum(retried = 0 AND state = 'timeout'), 0) AS timeout,
        coalesce(sum(retried = 0 AND state = 'error'), 0) AS error,
        coalesce(sum(retried = 0 AND state = 'cancelled'), 0) AS cancelled,
        coalesce(sum(retried = 0 AND state NOT IN ('passed', 'failed', 'timeout', 'error', 'cancelled')), 0) AS pending,
        coalesce(total(iif(retried = 0, earned, 0)), 0) AS earned,
        coalesce(total(iif(retried = 0, price, 0)), 0) AS available,
        coalesce(sum(json_valid(usage_json) IS 1), 0) AS usage_tries,
        total(iif(json_valid(usage_json), coalesce(json_extract(usage_json, '$.requests'), 0), 0)) AS requests,
        total(iif(json_valid(usage_json), coalesce(json_extract(usage_json, '$.inputTokens'), 0), 0)) AS input_tokens,
        total(iif(json_valid(usage_json), coalesce(json_extract(usage_json, '$.cachedTokens'), 0), 0)) AS cached_tokens,
        total(iif(json_valid(usage_json), coalesce(json_extract(usage_json, '$.outputTokens'), 0), 0)) AS output_tokens,
        total(iif(json_valid(usage_json), coalesce(json_extract(usage_json, '$.reasoningTokens'), 0), 0)) AS reasoning_tokens,
        total(iif(json_valid(usage_json), coalesce(json_extract(usage_json, '$.costUsd'), 0), 0)) AS cost_usd,
        coalesce(sum(iif(json_valid(usage_json), coalesce(json_extract(usage_json, '$.estimated'), 0) IS 1, 0)), 0) AS estimated_tries
      FROM attempts WHERE run_id = $run`,
    ).get({ run: runId }) as TallyRow;
  }

  /**
   * Every graded gold attempt of a dataset's runs, per task: how often gold passed (its
   * flakiness, across repeats and runs) and the gold runs in which it failed. System errors say
   * nothing about the task and are left out.
   */
  goldRecord(datasetId: string): Map<string, { graded: number; passed: number; failedIn: string[] }> {
    const rows = this.sql(
      `SELECT a.question_id, a.state, a.run_id FROM attempts a JOIN runs r ON r.id = a.run_id
       WHERE r.dataset_id = ? AND json_extract(r.solver_json, '$.kind') = 'gold'
         AND a.retried = 0 AND a.state IN ('passed', 'failed', 'timeout')`,
    ).all(datasetId) as { question_id: string; state: 'passed' | 'failed' | 'timeout'; run_id: string }[];
    const record = new Map<string, { graded: number; passed: number; failedIn: string[] }>();
    for (const r of rows) {
      const entry = record.get(r.question_id) ?? { graded: 0, passed: 0, failedIn: [] };
      entry.graded += 1;
      if (r.state === 'passed') entry.passed += 1;
      else if (!entry.failedIn.includes(r.run_id)) entry.failedIn.push(r.run_id);
      record.set(r.question_id, entry);
    }
    return record;
  }

  /**
   * A run's attempts as the analytics need them, every try included (lean: no patches, logs or
   * grader text; a manager attempt's chosen proposal comes out of its grader log).
   */
  reportRows(runId: string): ReportLedgerRow[] {
    const rows = this.sql(
      `SELECT question_id, attempt_index, retried, state, price, earned, started_at, finished_at, usage_json,
              json_extract(o.grader_json, '$.submitted') AS submitted
       FROM attempts a LEFT JOIN attempt_outputs o ON o.attempt_id = a.id WHERE a.run_id = ?`,
    ).all(runId) as {
      question_id: string; attempt_index: number; retried: number; state: AttemptState; price: number; earned: number;
      started_at: string | null; finished_at: string | null; usage_json: string | null; submitted: number | null;
    }[];
    return rows.map((r) => ({
      questionId: r.question_id,
      attemptIndex: r.attempt_index,
      retried: r.retried === 1,
      state: r.state,
      price: r.price,
      earned: r.earned,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      usage: parseOrNull<UsageSummary>(r.usage_json),
      submitted: typeof r.submitted === 'number' ? r.submitted : null,
    }));
  }

  /** Tasks gold failed in any repeat of any gold run of the dataset, with those runs: suspect tasks. */
  suspectTasks(datasetId: string): Map<string, string[]> {
    const suspect = new Map<string, string[]>();
    for (const [questionId, g] of this.goldRecord(datasetId)) if (g.failedIn.length > 0) suspect.set(questionId, g.failedIn.sort());
    return suspect;
  }

  private summary(row: ListingRow): RunSummary {
    return {
      id: row.id,
      status: row.status,
      createdAt: row.created_at,
      finishedAt: row.finished_at,
      datasetId: row.dataset_id,
      solver: JSON.parse(row.solver_json) as SolverSpec,
      concurrency: row.concurrency,
      tally: tallyOf(row),
      waiting: row.waiting,
      usage: usageOfTally(row),
    };
  }

  /**
   * Every run, newest first, with its tally and usage: one query over the covering index
   * runs_listing and the kept counts, whatever the number of attempts.
   */
  listRuns(): RunSummary[] {
    const rows = this.sql(
      `SELECT ${LISTING_COLUMNS}, ${TALLY_COLUMNS} FROM runs r LEFT JOIN run_tallies t ON t.run_id = r.id ORDER BY r.created_at DESC`,
    ).all() as ListingRow[];
    return rows.map((r) => this.summaryOrRecount(r));
  }

  /** One run's summary, as `listRuns` has it. */
  runSummary(id: string): RunSummary {
    const row = this.sql(`SELECT ${LISTING_COLUMNS}, ${TALLY_COLUMNS} FROM runs r LEFT JOIN run_tallies t ON t.run_id = r.id WHERE r.id = ?`).get(id) as ListingRow | undefined;
    if (!row) throw new AppError('not_found', `no run ${id}`);
    return this.summaryOrRecount(row);
  }

  private summaryOrRecount(row: ListingRow): RunSummary {
    // A LEFT JOIN: a run without a counts row (none should exist) is listed all the same.
    return this.summary((row.attempts as number | null) === null ? { ...row, ...this.recountTally(row.id) } : row);
  }

  getRun(id: string): RunDetail {
    const row = this.runRow(id);
    return {
      ...this.summary({ ...row, ...this.tallyRow(id) }),
      manifest: JSON.parse(row.manifest_json) as RunManifest,
      attempts: this.attempts(id),
    };
  }

  /**
   * A run as the run view gets it: the manifest without its per-task lists (a full run's come to
   * ~300 kB), left out by SQLite before the text reaches JavaScript, and how many tasks they list.
   */
  getRunView(id: string): RunView {
    const summary = this.runSummary(id);
    const row = this.sql(`SELECT json_remove(manifest_json, '$.taskIds', '$.images', '$.profile') AS head, json_array_length(manifest_json, '$.taskIds') AS taskCount FROM runs WHERE id = ?`).get(id) as { head: string; taskCount: number };
    const head = JSON.parse(row.head) as Omit<RunManifest, ManifestTaskLists>;
    return { ...summary, manifest: { ...head, taskCount: row.taskCount }, attempts: this.attempts(id) };
  }

  runSettings(id: string): { status: RunStatus; concurrency: number; maxRetries: number; versionId: number; solver: SolverSpec; manifest: RunManifest; ownerPid: number | null; waiting: string | null } {
    const row = this.runRow(id);
    return {
      status: row.status,
      waiting: row.waiting,
      concurrency: row.concurrency,
      maxRetries: row.max_retries,
      versionId: row.version_id,
      solver: JSON.parse(row.solver_json) as SolverSpec,
      manifest: JSON.parse(row.manifest_json) as RunManifest,
      ownerPid: row.owner_pid,
    };
  }

  attempts(runId: string): AttemptSummary[] {
    return (this.sql(ATTEMPTS_OF_RUN).all(runId) as SummaryRow[]).map(toSummary);
  }

  /**
   * The same attempts one at a time, as SQLite reads them, for a caller that need not hold them
   * all (`lancer results` prints each as it comes). The connection is busy until the loop ends.
   */
  *eachAttempt(runId: string): Generator<AttemptSummary> {
    for (const row of this.sql(ATTEMPTS_OF_RUN).iterate(runId) as IterableIterator<SummaryRow>) yield toSummary(row);
  }

  /**
   * The grader log and artifacts of every attempt of a run (and its steps, when asked), keyed by
   * attempt id: one query each, where asking `attemptDetail` per attempt made three per attempt.
   */
  attemptExtras(runId: string, opts: { steps?: boolean } = {}): Map<string, AttemptExtras> {
    const extras = new Map<string, AttemptExtras>();
    const graders = this.sql('SELECT a.id, o.grader_json FROM attempts a LEFT JOIN attempt_outputs o ON o.attempt_id = a.id WHERE a.run_id = ?').all(runId) as { id: string; grader_json: string | null }[];
    for (const g of graders) extras.set(g.id, { grader: parseOrNull<GraderLog>(g.grader_json), artifacts: [], ...(opts.steps ? { steps: [] } : {}) });
    const artifacts = this.sql(
      // In the attempts' order (the unique index on run_id, question_id, ...): no sort.
      `SELECT aa.attempt_id, aa.kind, aa.name, aa.sha256, a.bytes FROM attempts t
         JOIN attempt_artifacts aa ON aa.attempt_id = t.id JOIN artifacts a ON a.sha256 = aa.sha256
       WHERE t.run_id = ? ORDER BY t.question_id, t.attempt_index, t.try_index, aa.name`,
    ).all(runId) as (ArtifactInfo & { attempt_id: string })[];
    for (const { attempt_id, ...artifact } of artifacts) extras.get(attempt_id)?.artifacts.push(artifact);
    if (opts.steps) {
      const steps = this.sql('SELECT s.* FROM attempts t JOIN agent_steps s ON s.attempt_id = t.id WHERE t.run_id = ? ORDER BY t.question_id, t.attempt_index, t.try_index, s.idx').all(runId) as (StepRow & { attempt_id: string })[];
      for (const step of steps) extras.get(step.attempt_id)?.steps?.push(stepOf(step));
    }
    return extras;
  }

  attempt(id: string): AttemptSummary {
    const row = this.sql('SELECT * FROM attempts WHERE id = ?').get(id) as AttemptRow | undefined;
    if (!row) throw new AppError('not_found', `no attempt ${id}`);
    return toSummary(row);
  }

  attemptDetail(id: string): AttemptDetail {
    const row = this.sql('SELECT a.*, o.patch, o.decision_json, o.grader_json FROM attempts a LEFT JOIN attempt_outputs o ON o.attempt_id = a.id WHERE a.id = ?')
      .get(id) as (AttemptRow & OutputsRow) | undefined;
    if (!row) throw new AppError('not_found', `no attempt ${id}`);
    const phases = (this.sql('SELECT phase, started_at, ended_at, status FROM attempt_phases WHERE attempt_id = ? ORDER BY started_at').all(id) as {
      phase: Phase; started_at: string; ended_at: string | null; status: string | null;
    }[]).map((p) => ({ phase: p.phase, startedAt: p.started_at, endedAt: p.ended_at, status: p.status }));
    return {
      ...toSummary(row),
      phases,
      patch: row.patch,
      decision: parseOrNull<unknown>(row.decision_json),
      grader: parseOrNull<GraderLog>(row.grader_json),
      artifacts: this.artifactsOf(id),
    };
  }

  /** A page of an attempt's log: up to `limit` lines after the line `afterId`, in order. */
  logs(attemptId: string, afterId = 0, limit = 5000): { id: number; phase: Phase; at: string; text: string }[] {
    return this.sql(
      'SELECT id, phase, at, text FROM log_lines WHERE log = (SELECT id FROM log_attempts WHERE attempt_id = ?) AND id > ? ORDER BY id LIMIT ?',
    ).all(attemptId, afterId, limit) as { id: number; phase: Phase; at: string; text: string }[];
  }

  /**
   * The key of an attempt's log lines (log_attempts, migration 0010): a small integer stored
   * on each line instead of the attempt's id. Made with the attempt's first line.
   */
  private logKey(attemptId: string): number {
    const found = this.sql('SELECT id FROM log_attempts WHERE attempt_id = ?').get(attemptId) as { id: number } | undefined;
    if (found) return found.id;
    return (this.sql('INSERT INTO log_attempts (attempt_id) VALUES (?) RETURNING id').get(attemptId) as { id: number }).id;
  }

  private insertLogLine(attemptId: string, phase: Phase, at: string, text: string): void {
    this.sql('INSERT INTO log_lines (log, phase, at, text) VALUES (?, ?, ?, ?)').run(this.logKey(attemptId), phase, at, text);
  }

  setRunStatus(id: string, status: RunStatus, ownerPid?: number | null): void {
    this.sql(`UPDATE runs SET status = ?, owner_pid = coalesce(?, owner_pid),
        finished_at = CASE WHEN ? IN ('finished', 'cancelled') THEN ? ELSE NULL END WHERE id = ?`)
      .run(status, ownerPid ?? null, status, now(), id);
  }

  /** Records why a running run waits (the Docker daemon is away), or null when it no longer does. */
  setWaiting(id: string, reason: string | null): void {
    this.sql('UPDATE runs SET waiting = ? WHERE id = ?').run(reason, id);
  }

  /**
   * An attempt interrupted by something that was not its fault (a Docker daemon outage) goes
   * back to the queue in place, as after a crash: no try is spent, the next start is the same
   * try again. Its log keeps what it did and `note` says why it stopped; its phases and the
   * artifacts of the interrupted pass are dropped so they never mix with the redo's. Returns
   * false when the attempt had already reached a final state (nothing is changed then).
   */
  requeueInterrupted(attemptId: string, note: string): boolean {
    const at = now();
    return this.db.transaction(() => {
      const row = this.sql(`SELECT phase FROM attempts WHERE id = ? AND state IN ${LIVE}`).get(attemptId) as { phase: Phase | null } | undefined;
      if (!row) return false;
      this.sql('DELETE FROM attempt_phases WHERE attempt_id = ?').run(attemptId);
      this.sql('DELETE FROM attempt_artifacts WHERE attempt_id = ?').run(attemptId);
      // An agent's interrupted transcript goes with the pass; what it spent stays (usage_json
      // accumulates across redos: those tokens were paid for).
      this.sql('DELETE FROM agent_steps WHERE attempt_id = ?').run(attemptId);
      this.sql("UPDATE attempts SET state = 'queued', phase = NULL, owner_pid = NULL, container_id = NULL, network_id = NULL, node = NULL, started_at = NULL, stop_reason = NULL WHERE id = ?")
        .run(attemptId);
      this.insertLogLine(attemptId, row.phase ?? 'starting', at, note);
      return true;
    })();
  }

  /** Atomically moves up to `count` queued attempts to 'starting' for this process. */
  claim(runId: string, count: number, pid: number): AttemptSummary[] {
    if (count <= 0) return [];
    return this.db.transaction(() => {
      const rows = this.sql(`SELECT * FROM attempts WHERE run_id = ? AND state = 'queued' ORDER BY ${CLAIM_ORDER} LIMIT ?`)
        .all(runId, count) as AttemptRow[];
      const update = this.sql("UPDATE attempts SET state = 'starting', phase = 'starting', owner_pid = ?, started_at = ? WHERE id = ?");
      const at = now();
      for (const r of rows) update.run(pid, at, r.id);
      return rows.map((r) => ({ ...toSummary(r), state: 'starting' as const, phase: 'starting' as const, startedAt: at }));
    })();
  }

  /** The image of the attempt `claim` would take next in the run; null when none is queued. */
  nextQueuedImage(runId: string): string | null {
    const row = this.sql(`SELECT image FROM attempts WHERE run_id = ? AND state = 'queued' ORDER BY ${CLAIM_ORDER} LIMIT 1`).get(runId) as { image: string } | undefined;
    return row?.image ?? null;
  }

  setPhase(attemptId: string, phase: Phase, state: AttemptState): void {
    const at = now();
    this.db.transaction(() => {
      this.sql('UPDATE attempt_phases SET ended_at = ?, status = coalesce(status, ?) WHERE attempt_id = ? AND ended_at IS NULL').run(at, 'ok', attemptId);
      this.sql('INSERT OR REPLACE INTO attempt_phases (attempt_id, phase, started_at) VALUES (?, ?, ?)').run(attemptId, phase, at);
      this.sql('UPDATE attempts SET phase = ?, state = ? WHERE id = ?').run(phase, state, attemptId);
    })();
  }

  setContainer(attemptId: string, ids: { containerId?: string | null; networkId?: string | null; node?: string | null }): void {
    this.sql('UPDATE attempts SET container_id = coalesce(?, container_id), network_id = coalesce(?, network_id), node = coalesce(?, node) WHERE id = ?')
      .run(ids.containerId ?? null, ids.networkId ?? null, ids.node ?? null, attemptId);
  }

  /** Records the final outcome; a final attempt is never touched again. */
  finish(
    attemptId: string,
    outcome: AttemptOutcome,
    fields: {
      earned?: number;
      patch?: string | null;
      decision?: unknown;
      grader?: GraderLog | null;
      error?: string | null;
      grading?: GradingRecord | null;
      outsideRepoChanges?: OutsideRepoChange[] | null;
      processesLeft?: LeftProcess[] | null;
      firstActionMs?: number | null;
    },
  ): void {
    const at = now();
    this.db.transaction(() => {
      this.sql('UPDATE attempt_phases SET ended_at = ?, status = coalesce(status, ?) WHERE attempt_id = ? AND ended_at IS NULL').run(at, outcome, attemptId);
      const finished = this.sql(`UPDATE attempts SET state = ?, phase = NULL, finished_at = ?, earned = ?, error = ?,
          grading_json = ?, outside_changes_json = ?, processes_left_json = ?, first_action_ms = ?
          WHERE id = ? AND state NOT IN ('passed','failed','timeout','error','cancelled')`)
        .run(
          outcome, at, fields.earned ?? 0, fields.error ?? null,
          fields.grading ? JSON.stringify(fields.grading) : null,
          fields.outsideRepoChanges ? JSON.stringify(fields.outsideRepoChanges) : null,
          fields.processesLeft ? JSON.stringify(fields.processesLeft) : null,
          fields.firstActionMs ?? null,
          attemptId,
        );
      const outputs = [fields.patch ?? null, fields.decision === undefined ? null : JSON.stringify(fields.decision), fields.grader ? JSON.stringify(fields.grader) : null];
      // Only an attempt this call finished gets its outputs; one given no output keeps what it has.
      if (finished.changes > 0 && outputs.some((v) => v !== null)) {
        this.sql(`INSERT INTO attempt_outputs (attempt_id, patch, decision_json, grader_json) VALUES (?, ?, ?, ?)
            ON CONFLICT (attempt_id) DO UPDATE SET patch = coalesce(excluded.patch, patch),
              decision_json = coalesce(excluded.decision_json, decision_json), grader_json = coalesce(excluded.grader_json, grader_json)`)
          .run(attemptId, ...outputs);
      }
    })();
  }

  /** Marks a failed try as retried and queues the next try of the same task; returns its id. */
  retry(attempt: AttemptSummary): string {
    const id = attemptIdFor(attempt.runId, attempt.questionId, attempt.attemptIndex, attempt.tryIndex + 1);
    this.db.transaction(() => {
      this.sql('UPDATE attempts SET retried = 1 WHERE id = ?').run(attempt.id);
      this.sql(`INSERT INTO attempts (id, run_id, question_id, attempt_index, try_index, state, image, price, queued_at)
          VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?)`)
        .run(id, attempt.runId, attempt.questionId, attempt.attemptIndex, attempt.tryIndex + 1, attempt.image, attempt.price, now());
    })();
    return id;
  }

  /**
   * Queued attempts of a cancelled run become cancelled without ever starting; `reason` (a spent
   * budget, say) is recorded as their error.
   */
  cancelQueued(runId: string, reason: string | null = null): number {
    return this.sql("UPDATE attempts SET state = 'cancelled', finished_at = ?, error = coalesce(?, error) WHERE run_id = ? AND state = 'queued'")
      .run(now(), reason, runId).changes;
  }

  pendingCount(runId: string): number {
    return (this.sql("SELECT count(*) AS n FROM attempts WHERE run_id = ? AND state NOT IN ('passed','failed','timeout','error','cancelled')")
      .get(runId) as { n: number }).n;
  }

  /**
   * Live attempts whose owning process is gone (a crash): queued again in place. Their finished
   * siblings are untouched, so nothing finished is ever redone.
   */
  requeueOrphans(isAlive: (pid: number) => boolean): { attemptId: string; containerId: string | null; networkId: string | null }[] {
    const rows = this.sql(`SELECT * FROM attempts WHERE state IN ${LIVE}`).all() as AttemptRow[];
    const orphans = rows.filter((r) => r.owner_pid === null || !isAlive(r.owner_pid));
    const at = now();
    this.db.transaction(() => {
      for (const r of orphans) {
        this.sql("UPDATE attempt_phases SET ended_at = ?, status = 'interrupted' WHERE attempt_id = ? AND ended_at IS NULL").run(at, r.id);
        this.sql("DELETE FROM attempt_phases WHERE attempt_id = ?").run(r.id);
        this.sql("UPDATE attempts SET state = 'queued', phase = NULL, owner_pid = NULL, container_id = NULL, network_id = NULL, node = NULL, started_at = NULL WHERE id = ?")
          .run(r.id);
        this.insertLogLine(r.id, r.phase ?? 'starting', at, `interrupted (process ${r.owner_pid ?? '?'} is gone); queued again`);
      }
    })();
    return orphans.map((r) => ({ attemptId: r.id, containerId: r.container_id, networkId: r.network_id }));
  }

  /** Runs that were running in a process that is gone: they can be resumed. */
  orphanedRuns(isAlive: (pid: number) => boolean): string[] {
    return (this.sql("SELECT id, owner_pid FROM runs WHERE status IN ('running', 'queued')").all() as { id: string; owner_pid: number | null }[])
      .filter((r) => r.owner_pid === null || !isAlive(r.owner_pid))
      .map((r) => r.id);
  }

  /** Attempt ids currently live in a running process, for the reaper. */
  liveAttemptIds(isAlive: (pid: number) => boolean): Set<string> {
    const rows = this.sql(`SELECT id, owner_pid FROM attempts WHERE state IN ${LIVE}`).all() as { id: string; owner_pid: number | null }[];
    return new Set(rows.filter((r) => r.owner_pid !== null && isAlive(r.owner_pid)).map((r) => r.id));
  }

  appendLogs(lines: LogLine[]): void {
    if (lines.length === 0) return;
    const insert = this.sql('INSERT INTO log_lines (log, phase, at, text) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      // A batch holds a few attempts' lines: each attempt's key is looked up once.
      const keys = new Map<string, number>();
      for (const l of lines) {
        let key = keys.get(l.attemptId);
        if (key === undefined) keys.set(l.attemptId, (key = this.logKey(l.attemptId)));
        insert.run(key, l.phase, l.at, l.text);
      }
    })();
  }

  /** Deletes a run with its attempts, phases, logs and artifact links (not the artifact files). */
  /**
   * What a run's agent spent, all tries included (a retried try's tokens were paid for too);
   * null when no attempt recorded usage (gold, null and predictions runs).
   */
  runUsage(runId: string): UsageSummary | null {
    return usageOfTally(this.tallyRow(runId));
  }

  /**
   * Records what an attempt's agent spent and why it stopped. Usage adds to what the row holds:
   * an attempt redone after a Docker outage keeps the tokens its interrupted pass spent.
   */
  setAgentResult(attemptId: string, usage: UsageSummary, stopReason: StopReason | null, agentUsage: AgentOwnUsage | null = null): void {
    this.db.transaction(() => {
      const row = this.sql('SELECT usage_json FROM attempts WHERE id = ?').get(attemptId) as { usage_json: string | null } | undefined;
      const total = row?.usage_json ? sumUsage(JSON.parse(row.usage_json) as UsageSummary, usage) : usage;
      this.sql('UPDATE attempts SET usage_json = ?, stop_reason = ?, agent_usage_json = coalesce(?, agent_usage_json) WHERE id = ?')
        .run(JSON.stringify(total), stopReason, agentUsage ? JSON.stringify(agentUsage) : null, attemptId);
    })();
  }

  /** Appends one step of an attempt's transcript (an index already stored is replaced). */
  addStep(attemptId: string, step: AgentStepRecord): void {
    this.sql(
      `INSERT OR REPLACE INTO agent_steps (attempt_id, idx, at, kind, message, tool_call_json, observation, observation_bytes, observation_sha256,
         exit_code, duration_ms, usage_json, cost_usd, fallback, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      attemptId,
      step.index,
      step.at,
      step.kind,
      step.message,
      step.toolCall === null ? null : JSON.stringify(step.toolCall),
      step.observation,
      step.observationBytes,
      step.observationSha256,
      step.exitCode,
      Math.round(step.durationMs),
      step.usage === null ? null : JSON.stringify(step.usage),
      step.costUsd,
      step.fallback ? 1 : 0,
      step.note,
    );
  }

  /** An attempt's transcript, in order; only steps after `afterIndex` when given. */
  steps(attemptId: string, afterIndex = -1): AgentStepRecord[] {
    const rows = this.sql('SELECT * FROM agent_steps WHERE attempt_id = ? AND idx > ? ORDER BY idx').all(attemptId, afterIndex) as StepRow[];
    return rows.map(stepOf);
  }

  deleteRun(runId: string): void {
    this.runRow(runId);
    this.sql('DELETE FROM runs WHERE id = ?').run(runId);
  }

  addArtifact(attemptId: string, a: ArtifactInfo): void {
    this.db.transaction(() => {
      this.sql('INSERT OR IGNORE INTO artifacts (sha256, bytes, created_at) VALUES (?, ?, ?)').run(a.sha256, a.bytes, now());
      this.sql('INSERT OR REPLACE INTO attempt_artifacts (attempt_id, kind, name, sha256) VALUES (?, ?, ?, ?)').run(attemptId, a.kind, a.name, a.sha256);
    })();
  }

  artifactsOf(attemptId: string): ArtifactInfo[] {
    return this.sql('SELECT aa.kind, aa.name, aa.sha256, a.bytes FROM attempt_artifacts aa JOIN artifacts a ON a.sha256 = aa.sha256 WHERE aa.attempt_id = ? ORDER BY aa.name')
      .all(attemptId) as ArtifactInfo[];
  }

  /**
   * Writes a run that finished elsewhere (an imported results.csv): the run row, finished, and
   * its attempts in their final states, in one transaction. Each attempt is one try (try 0,
   * never retried) queued and finished at `at` (its start is not known); nothing will ever run it.
   */
  insertFinishedRun(
    run: { id: string; datasetId: string; versionId: number; solver: SolverSpec; manifest: RunManifest; at: string },
    attempts: { questionId: string; attemptIndex: number; state: AttemptOutcome; image: string; price: number; earned: number; usage: UsageSummary | null }[],
  ): void {
    const insertAttempt = this.sql(
      `INSERT INTO attempts (id, run_id, question_id, attempt_index, try_index, state, image, price, earned, queued_at, started_at, finished_at, usage_json)
       VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, NULL, ?, ?)`,
    );
    this.db.transaction(() => {
      this.sql(`INSERT INTO runs (id, status, dataset_id, version_id, solver_json, manifest_json, concurrency, max_retries, owner_pid, created_at, finished_at)
          VALUES (?, 'finished', ?, ?, ?, ?, 1, 0, NULL, ?, ?)`)
        .run(run.id, run.datasetId, run.versionId, JSON.stringify(run.solver), JSON.stringify(run.manifest), run.at, run.at);
      for (const a of attempts) {
        insertAttempt.run(
          attemptIdFor(run.id, a.questionId, a.attemptIndex, 0), run.id, a.questionId, a.attemptIndex, a.state, a.image, a.price, a.earned,
          // When it started is not known (results files carry no times): no wall time is made up.
          run.at, run.at, a.usage === null ? null : JSON.stringify(a.usage),
        );
      }
    })();
  }
}
