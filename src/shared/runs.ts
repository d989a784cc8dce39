/**
 * Runs, attempts and their ledger: the types the engine, the CLI and the Runs page share.
 */
import { z } from 'zod';
import { clusterNameSchema } from './clusters';
import { builtinSolverInputSchema, type AgentOwnUsage, type AgentStepRecord, type BuiltinSolverSpec, type StopReason, type UsageSummary } from './agents';

/** Where an attempt is. The first five are live; the rest are final and never change again. */
export const attemptStates = [
  'queued',
  'starting',
  'setup',
  'solving',
  'grading',
  'passed',
  'failed',
  'timeout',
  'error',
  'cancelled',
] as const;
export type AttemptState = (typeof attemptStates)[number];

export const finalStates: readonly AttemptState[] = ['passed', 'failed', 'timeout', 'error', 'cancelled'];
export type AttemptOutcome = 'passed' | 'failed' | 'timeout' | 'error' | 'cancelled';

export function isFinal(state: AttemptState): state is AttemptOutcome {
  return finalStates.includes(state);
}

export type RunStatus = 'queued' | 'running' | 'paused' | 'cancelled' | 'finished';

export type Phase = 'starting' | 'setup' | 'solving' | 'grading' | 'cleanup';

/** How an attempt is graded; see the setting gradingMode. */
export const gradingModes = ['clean', 'official', 'both'] as const;
export type GradingMode = (typeof gradingModes)[number];

/** One grading of an attempt: where it ran and what it gave. */
export interface GradingResult {
  outcome: AttemptOutcome;
  earned: number;
  /** IC: each test run's exit code. */
  exitCodes?: number[];
  note?: string;
}

/**
 * Both gradings of an attempt as far as they ran: `official` in the solver's own container,
 * `clean` with its repository diff in a fresh container. `differs` when both ran and their
 * outcomes disagree; the clean one then counts.
 */
export interface GradingRecord {
  mode: GradingMode;
  official: GradingResult | null;
  clean: GradingResult | null;
  differs: boolean;
}

/** A file outside the repository that the solver added, changed or removed. */
export interface OutsideRepoChange {
  path: string;
  /** What it is: the hidden tests, a shell start-up file, a program on PATH. */
  area: 'tests' | 'shell-startup' | 'path';
  change: 'added' | 'modified' | 'removed';
}

/** A process the solver left running when grading began. */
export interface LeftProcess {
  pid: number;
  command: string;
}

/** How a run's patches or decisions are made. The built-in agent and CLI agents come later. */
export type SolverSpec =
  | { kind: 'gold' }
  | { kind: 'null' }
  | { kind: 'predictions'; file: string; sha256: string; count: number }
  /** Results made elsewhere (an official results.csv), imported to compare with runs made here. */
  | { kind: 'imported'; file: string; sha256: string; rows: number; label: string }
  | BuiltinSolverSpec;

/** Everything that decides a run's conditions, recorded with it and exported with it. */
export interface RunManifest {
  appVersion: string;
  createdAt: string;
  dataset: { id: string; versionId: number; version: number; contentHash: string };
  taskIds: string[];
  images: Record<string, { name: string; id: string | null }>;
  profile: Record<string, 'sample' | 'official'>;
  solver: SolverSpec;
  timeoutsSec: { setup: number; solve: number; grade: number };
  testRuns: number;
  /** Attempts per task (repeats); absent in runs made before repeats existed: 1. */
  attemptsPerTask?: number;
  /** Tasks left out because gold failed them in some gold run (`excludeSuspect`), with the runs that showed it. */
  excludedSuspect?: { questionId: string; goldRuns: string[] }[];
  maxRetries: number;
  /** How attempts were graded; absent in runs made before grading modes existed: official. */
  grading?: GradingMode;
  concurrency: number;
  limits: { cpus: number; memoryMb: number; shmMb: number };
  host: { platform: string; arch: string; node: string; docker: string | null };
  /**
   * The Docker Swarm the attempts ran on (`lancer run --cluster`), with its nodes when the run
   * was made; absent for runs on the local daemon.
   */
  cluster?: { name: string; kind: 'swarm'; manager: string; nodes: { hostname: string; cpus: number; memoryBytes: number; docker: string | null }[] };
}

export { solverName } from './solver-name';

export interface AttemptSummary {
  id: string;
  runId: string;
  questionId: string;
  attemptIndex: number;
  tryIndex: number;
  /** True for a try that ended in a system error and was retried in a fresh container. */
  retried: boolean;
  state: AttemptState;
  phase: Phase | null;
  image: string;
  price: number;
  earned: number;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  containerId: string | null;
  /** Agent runs: tokens and dollars of this attempt (the proxy's count); null for other solvers. */
  usage?: UsageSummary | null;
  /** Agent runs: why the agent stopped. */
  stopReason?: StopReason | null;
  /** Both gradings and whether they differ; null for attempts graded once in the solver's container. */
  grading?: GradingRecord | null;
  /** Agent runs: files outside the repository the solver changed (null: not watched). */
  outsideRepoChanges?: OutsideRepoChange[] | null;
  /** Agent runs: processes the solver left running when grading began (null: not watched). */
  processesLeft?: LeftProcess[] | null;
  /** CLI agents: the tokens the agent's own log counted (the proxy's `usage` is authoritative). */
  agentUsage?: AgentOwnUsage | null;
  /** Milliseconds from the attempt's start to the solver's first command in the container (null: it never acted). */
  firstActionMs?: number | null;
  /** The cluster node (hostname) the attempt's container ran on; null on the local daemon. */
  node?: string | null;
}

export interface AttemptDetail extends AttemptSummary {
  phases: { phase: Phase; startedAt: string; endedAt: string | null; status: string | null }[];
  patch: string | null;
  decision: unknown;
  grader: GraderLog | null;
  artifacts: ArtifactInfo[];
}

export interface ArtifactInfo {
  kind: 'video' | 'trace' | 'log' | 'patch';
  name: string;
  sha256: string;
  bytes: number;
}

/** What the grader saw, as the official grader_log plus our run-by-run detail. */
export interface GraderLog {
  variant: 'ic_swe' | 'swe_manager';
  earned: number;
  available: number;
  /** IC: each test run's exit code (-1: no exit-code file). */
  testRuns?: { exitCode: number; log: string }[];
  pytestExit?: number;
  submitted?: number | null;
  correct?: number;
  notes: string;
}

export interface Tally {
  /** Distinct tasks. */
  tasks: number;
  /** Attempts that count (tasks × repeats; retried tries of system errors not counted): the outcome counts below add up to this. */
  attempts: number;
  passed: number;
  failed: number;
  timeout: number;
  error: number;
  cancelled: number;
  pending: number;
  earned: number;
  available: number;
}

export interface RunSummary {
  id: string;
  status: RunStatus;
  createdAt: string;
  finishedAt: string | null;
  datasetId: string;
  solver: SolverSpec;
  concurrency: number;
  tally: Tally;
  /**
   * Set while a running run waits for something outside the tasks (the Docker daemon stopped
   * answering, or an agent run's model server): why it waits, `waiting for <what> (<reason>)…`.
   * Nothing is started meanwhile; the run carries on by itself. Null (or absent, from older
   * writers) when it does not wait.
   */
  waiting?: string | null;
  /** Agent runs: tokens and dollars spent, every try included; null for other solvers. */
  usage?: UsageSummary | null;
}

export interface RunDetail extends RunSummary {
  manifest: RunManifest;
  attempts: AttemptSummary[];
}

/** A manifest's per-task lists: a full run's come to ~300 kB, so the run view (`runs.get`) leaves them out and `runs.manifest` gives them. */
export type ManifestTaskLists = 'taskIds' | 'images' | 'profile';

/** A manifest without its per-task lists, and how many tasks they list. */
export type ManifestHead = Omit<RunManifest, ManifestTaskLists> & { taskCount: number };

/** A run as the run view gets it (`runs.get`): every attempt, and the manifest's head. */
export interface RunView extends RunSummary {
  manifest: ManifestHead;
  attempts: AttemptSummary[];
}

/** Progress of a run, pushed to every UI; `seq` grows per run so a reload can catch up. */
export type RunEvent =
  | { type: 'step'; runId: string; seq: number; attemptId: string; step: AgentStepRecord }
  | { type: 'run'; runId: string; seq: number; status: RunStatus; tally: Tally; waiting?: string | null }
  | { type: 'attempt'; runId: string; seq: number; attempt: AttemptSummary }
  | { type: 'log'; runId: string; seq: number; attemptId: string; phase: Phase; lines: string[] };

export const runStartSchema = z
  .object({
    datasetId: z.string().min(1),
    /** Question ids; or a task set's name; neither: every task of the dataset. */
    taskIds: z.array(z.string().min(1)).max(100_000).optional(),
    taskSet: z.string().min(1).optional(),
    solver: z.union([
      z.object({ kind: z.literal('gold') }).strict(),
      z.object({ kind: z.literal('null') }).strict(),
      z.object({ kind: z.literal('predictions'), file: z.string().min(1) }).strict(),
      builtinSolverInputSchema,
    ]),
    concurrency: z.number().int().min(1).max(64).optional(),
    /** Independent attempts per task (fresh container, fresh conversation); default 1. */
    attempts: z.number().int().min(1).max(100).optional(),
    /** Leave out the tasks gold failed in any repeat of any gold run of this dataset (recorded in the manifest). */
    excludeSuspect: z.boolean().optional(),
    imagePrefix: z.string().regex(/^[a-z0-9][a-z0-9._/-]*$/).optional(),
    imageTag: z.string().regex(/^[\w][\w.-]{0,127}$/).optional(),
    /** Use `<prefix>_monolith` for IC tasks too (manager tasks always use it). */
    monolith: z.boolean().optional(),
    /** How attempts are graded; default: the setting gradingMode for agents, official for gold, null and predictions. */
    grading: z.enum(gradingModes).optional(),
    /** Runs the attempts on this Docker Swarm (`lancer cluster add`) instead of the local daemon. */
    cluster: clusterNameSchema.optional(),
  })
  .strict();

export type RunStartInput = z.infer<typeof runStartSchema>;

/** A container kept after a failed attempt (setting keepFailedContainers), stopped, for inspection. */
export interface KeptContainer {
  id: string;
  name: string;
  runId: string;
  attemptId: string;
  image: string;
  createdAt: string;
}
