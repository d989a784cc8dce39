/**
 * The seam between the engine and whatever makes a task's patch or decision. Today: the gold
 * patch, nothing at all, and imported predictions. The built-in agent (any OpenAI-compatible
 * endpoint) and external CLI agents plug in here later with the same context.
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
  solve(ctx: SolveContext): Promise<SolveResult>;
}
