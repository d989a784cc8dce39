/**
 * The seam between the engine and whatever makes a task's patch or decision: the gold patch,
 * nothing at all, imported predictions, the built-in agent (any OpenAI-compatible endpoint) and
 * CLI agents run in the container.
 */
import type { TaskDetail } from '../../../shared/tasks';
import type { TaskContainer } from '../engine/container-runtime';

export interface SolveContext {
  task: TaskDetail;
  container: TaskContainer;
  /** The repo inside the container (the CSV's cwd). */
  cwd: string;
  signal: AbortSignal;
  timeoutMs: number;
  /** Appends to the attempt log; raw output chunks (the engine joins lines). */
  log(text: string): void;
}

export interface SolveResult {
  /** Manager tasks: what was written to manager_decisions.json. */
  decision?: unknown;
  /** Why nothing was done, or what went wrong on the model's side (never a system error). */
  note?: string;
}

export interface Solver {
  readonly name: string;
  /** Host folders the solver needs in the container, mounted read-only (a CLI agent's binaries). */
  readonly mounts?: { hostPath: string; containerPath: string }[];
  /**
   * The network the container joins while this solver works (the metering proxy's, which routes
   * nowhere else); none: the container solves with no network at all, as the official harness.
   */
  solvingNetwork?(): Promise<string>;
  solve(ctx: SolveContext): Promise<SolveResult>;
}
