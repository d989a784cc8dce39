/**
 * Labels, colours and number formats shared by the Runs, Results and Images pages.
 *
 * The state lists are kept here rather than imported from shared/runs.ts, whose zod schema would
 * otherwise pull zod into the renderer bundle; the `satisfies` checks keep the lists in step.
 */
import type { AttemptState, RunStatus, SolverSpec, Tally } from '../../../../shared/runs';
import { assertNever } from '../../../../shared/result';
import { agentSolverLabel, agentSolverShort } from '../agent/usage-format';
export { formatBytes, formatCount, formatDollars, plural } from '../../format';

export const outcomeKeys = ['passed', 'failed', 'timeout', 'error', 'cancelled', 'pending'] as const satisfies readonly (keyof Tally)[];
export type OutcomeKey = (typeof outcomeKeys)[number];

export const outcomeLabels: Record<OutcomeKey, string> = {
  passed: 'Passed',
  failed: 'Failed',
  timeout: 'Timeout',
  error: 'Error',
  cancelled: 'Cancelled',
  pending: 'Pending',
};

/** Chart fills; the badges in styles.css use the same hues. */
export const outcomeColours: Record<OutcomeKey, string> = {
  passed: '#1f9d55',
  failed: '#d64545',
  timeout: '#c98a00',
  error: '#7b4fc9',
  cancelled: '#8e97a8',
  pending: '#d5dae3',
};

const finalStateList = ['passed', 'failed', 'timeout', 'error', 'cancelled'] as const satisfies readonly AttemptState[];

export function isFinalState(state: AttemptState): boolean {
  return (finalStateList as readonly AttemptState[]).includes(state);
}

/** States in which a container is (or is about to be) busy: their elapsed time ticks. */
export function isActiveState(state: AttemptState): boolean {
  return state === 'starting' || state === 'setup' || state === 'solving' || state === 'grading';
}

/** A run that may still change: events are expected, and the poll keeps it honest. */
export function isLiveStatus(status: RunStatus): boolean {
  return status === 'queued' || status === 'running' || status === 'paused';
}

export function runStatusLabel(status: RunStatus): string {
  switch (status) {
    case 'queued':
      return 'Queued';
    case 'running':
      return 'Running';
    case 'paused':
      return 'Paused';
    case 'cancelled':
      return 'Cancelled';
    case 'finished':
      return 'Finished';
    default:
      return assertNever(status, 'run status');
  }
}

export function solverLabel(solver: SolverSpec): string {
  switch (solver.kind) {
    case 'gold':
      return 'Gold patches';
    case 'null':
      return 'Null (no change)';
    case 'predictions':
      return `Predictions: ${baseName(solver.file)}`;
    case 'imported':
      return `Imported: ${solver.label}`;
    case 'builtin':
      return agentSolverLabel(solver);
    default:
      return assertNever(solver, 'solver');
  }
}

/** The short form for tables. */
export function solverShort(solver: SolverSpec): string {
  switch (solver.kind) {
    case 'gold':
      return 'gold';
    case 'null':
      return 'null';
    case 'predictions':
      return baseName(solver.file);
    case 'imported':
      return solver.label;
    case 'builtin':
      return agentSolverShort(solver);
    default:
      return assertNever(solver, 'solver');
  }
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });




export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '—';
  const value = (100 * part) / whole;
  return `${value.toFixed(value === 100 || value === 0 ? 0 : 1)}%`;
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTimeFormat.format(date);
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : timeFormat.format(date);
}

/** `4.2 s`, `3 min 05 s`, `1 h 02 min`. */
export function formatDuration(ms: number): string {
  const safe = Math.max(0, ms);
  if (safe < 60_000) return `${(safe / 1000).toFixed(safe < 10_000 ? 1 : 0)} s`;
  const seconds = Math.floor(safe / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(seconds / 3600)} h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')} min`;
}

/** Milliseconds between two ISO times, or from `start` until `now` when it has not ended. */
export function elapsedMs(start: string | null, end: string | null, now: number): number | null {
  if (!start) return null;
  const from = Date.parse(start);
  const to = end ? Date.parse(end) : now;
  if (Number.isNaN(from) || Number.isNaN(to)) return null;
  return Math.max(0, to - from);
}


/** The run id without its `run-` prefix is still unique; the full id stays in titles. */
export function shortRunId(id: string): string {
  return id.replace(/^run-/, '');
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
