/**
 * Which attempts are running now, from run snapshots (`runs.get`) and `run.event` attempt events.
 *
 * Events and snapshots race: an event may arrive before or after the snapshot that already
 * contains it. Each attempt remembers the `seq` of what it was last set from, and anything older
 * is ignored. Pure, unit-tested in live-state.test.ts.
 */
import type { AttemptState, AttemptSummary, RunEvent } from '../../../../shared/runs';

/** States in which an attempt's container is busy, so there is a screen to watch. */
const runningStates: readonly AttemptState[] = ['starting', 'setup', 'solving', 'grading'];

export function isRunningState(state: AttemptState): boolean {
  return runningStates.includes(state);
}

export interface LiveState {
  /** Running attempts by id. */
  running: Record<string, AttemptSummary>;
  /** The seq each known attempt was last set from (running or not), so stale news is dropped. */
  seqOf: Record<string, number>;
  /** The seq of each run's latest snapshot. */
  runSeq: Record<string, number>;
}

export const emptyLiveState: LiveState = { running: {}, seqOf: {}, runSeq: {} };

/** Applies a run's snapshot: its attempts as of `seq`, keeping anything newer already known. */
export function applySnapshot(state: LiveState, runId: string, seq: number, attempts: readonly AttemptSummary[]): LiveState {
  // A snapshot older than the previous one means the server restarted and its counter with it:
  // the snapshot is then the truth for this run.
  const restarted = seq < (state.runSeq[runId] ?? 0);
  const running = { ...state.running };
  const seqOf = { ...state.seqOf };
  const inSnapshot = new Set<string>();
  for (const attempt of attempts) {
    inSnapshot.add(attempt.id);
    if (!restarted && (seqOf[attempt.id] ?? -1) > seq) continue;
    seqOf[attempt.id] = seq;
    if (isRunningState(attempt.state)) running[attempt.id] = attempt;
    else delete running[attempt.id];
  }
  for (const [id, attempt] of Object.entries(state.running)) {
    if (attempt.runId === runId && !inSnapshot.has(id) && (restarted || (seqOf[id] ?? -1) <= seq)) delete running[id];
  }
  return { running, seqOf, runSeq: { ...state.runSeq, [runId]: seq } };
}

/** Applies one run event; only attempt events change which attempts run. */
export function applyEvent(state: LiveState, event: RunEvent): LiveState {
  if (event.type !== 'attempt') return state;
  const { attempt, seq } = event;
  if ((state.seqOf[attempt.id] ?? -1) >= seq) return state;
  const running = { ...state.running };
  if (isRunningState(attempt.state)) running[attempt.id] = attempt;
  else delete running[attempt.id];
  return { ...state, running, seqOf: { ...state.seqOf, [attempt.id]: seq } };
}

/** Forgets the attempts of runs that ended or were deleted, in case their last events were missed. */
export function dropRuns(state: LiveState, runIds: ReadonlySet<string>): LiveState {
  if (runIds.size === 0) return state;
  const running: Record<string, AttemptSummary> = {};
  let changed = false;
  for (const [id, attempt] of Object.entries(state.running)) {
    if (runIds.has(attempt.runId)) changed = true;
    else running[id] = attempt;
  }
  return changed ? { ...state, running } : state;
}

/** The running attempts in a steady order: oldest start first, then by id. */
export function runningList(state: LiveState): AttemptSummary[] {
  return Object.values(state.running).sort(
    (a, b) => (a.startedAt ?? a.queuedAt).localeCompare(b.startedAt ?? b.queuedAt) || a.id.localeCompare(b.id),
  );
}

/** "12 s", "3:05", "1:02:07": how long an attempt has been running. */
export function formatElapsed(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  if (m > 0) return `${m}:${String(s).padStart(2, '0')}`;
  return `${s} s`;
}

/** Milliseconds since an ISO time, or null when it is missing or malformed. */
export function elapsedSince(iso: string | null, now: number): number | null {
  if (!iso) return null;
  const start = Date.parse(iso);
  return Number.isNaN(start) ? null : Math.max(0, now - start);
}
