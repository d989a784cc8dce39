/**
 * How a run's snapshot follows its events, as pure functions (the store and the tests use them).
 *
 * SQLite is the truth: `runs.get` gives a snapshot and the last event number `seq`; only events
 * with a larger `seq` are applied on top. A jump in `seq` means events were missed (the socket
 * dropped), and some changes arrive without an attempt event (queued attempts of a cancelled
 * run), so both ask for a fresh snapshot instead of guessing.
 */
import type { AttemptSummary, RunEvent, RunSummary, RunView } from '../../../../shared/runs';

export type RunSnapshot = RunView & { seq: number };

export type ApplyResult =
  | { kind: 'stale' }
  | { kind: 'gap' }
  | { kind: 'applied'; snapshot: RunSnapshot; resync: boolean };

function compareAttempts(a: AttemptSummary, b: AttemptSummary): number {
  if (a.questionId !== b.questionId) return a.questionId < b.questionId ? -1 : 1;
  if (a.attemptIndex !== b.attemptIndex) return a.attemptIndex - b.attemptIndex;
  return a.tryIndex - b.tryIndex;
}

/** Attempts in ledger order: question, attempt, try (the server's order too). */
export function sortAttempts(attempts: readonly AttemptSummary[]): AttemptSummary[] {
  return [...attempts].sort(compareAttempts);
}

export function upsertAttempt(attempts: readonly AttemptSummary[], attempt: AttemptSummary): AttemptSummary[] {
  const index = attempts.findIndex((a) => a.id === attempt.id);
  if (index === -1) return sortAttempts([...attempts, attempt]);
  const next = [...attempts];
  next[index] = attempt;
  return next;
}

/** Applies one event to a run's snapshot. */
export function applyRunEvent(snapshot: RunSnapshot, event: RunEvent): ApplyResult {
  if (event.runId !== snapshot.id || event.seq <= snapshot.seq) return { kind: 'stale' };
  if (event.seq > snapshot.seq + 1) return { kind: 'gap' };
  switch (event.type) {
    case 'run':
      return {
        kind: 'applied',
        snapshot: {
          ...snapshot,
          seq: event.seq,
          status: event.status,
          tally: event.tally,
          // Older writers send no `waiting`: keep what the snapshot said.
          ...(event.waiting !== undefined ? { waiting: event.waiting } : {}),
        },
        // A status change may touch attempts without attempt events (cancel) and sets finishedAt.
        resync: event.status !== snapshot.status,
      };
    case 'attempt':
      return {
        kind: 'applied',
        snapshot: { ...snapshot, seq: event.seq, attempts: upsertAttempt(snapshot.attempts, event.attempt) },
        resync: false,
      };
    case 'log':
    case 'step':
      // Lines and steps are not part of the snapshot: their views take them from the events.
      return { kind: 'applied', snapshot: { ...snapshot, seq: event.seq }, resync: false };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

/**
 * Ids of tries that were retried. The ledger marks a try `retried` only after its outcome event
 * went out, so a later try of the same task and attempt also counts as the mark.
 */
export function retriedTryIds(attempts: readonly AttemptSummary[]): Set<string> {
  const latest = new Map<string, number>();
  for (const a of attempts) {
    const key = `${a.questionId}\u0000${a.attemptIndex}`;
    latest.set(key, Math.max(latest.get(key) ?? -1, a.tryIndex));
  }
  const ids = new Set<string>();
  for (const a of attempts) {
    if (a.retried || a.tryIndex < (latest.get(`${a.questionId}\u0000${a.attemptIndex}`) ?? a.tryIndex)) ids.add(a.id);
  }
  return ids;
}

/** The summary a list shows, taken from a fresher snapshot. */
export function summaryOf(snapshot: RunSnapshot): RunSummary {
  const { id, status, createdAt, finishedAt, datasetId, solver, concurrency, tally, waiting, usage } = snapshot;
  return { id, status, createdAt, finishedAt, datasetId, solver, concurrency, tally, waiting, usage };
}
