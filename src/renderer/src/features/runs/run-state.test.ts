/**
 * The Runs page's catch-up rules without a browser: snapshot + newer events, gaps, retried tries,
 * and a streamed log that never shows a line twice.
 */
import { describe, expect, it } from 'vitest';
import type { AttemptSummary, RunEvent, Tally } from '../../../../shared/runs';
import { LiveLog, LOG_PAGE, type StoredLogLine } from './live-log';
import { applyRunEvent, retriedTryIds, type RunSnapshot } from './run-state';

const tally: Tally = { tasks: 2, attempts: 2, passed: 0, failed: 0, timeout: 0, error: 0, cancelled: 0, pending: 2, earned: 0, available: 750 };

function attempt(questionId: string, tryIndex = 0, patch: Partial<AttemptSummary> = {}): AttemptSummary {
  return {
    id: `run-1.${questionId}.0.${tryIndex}`,
    runId: 'run-1',
    questionId,
    attemptIndex: 0,
    tryIndex,
    retried: false,
    state: 'queued',
    phase: null,
    image: `lancer-sample_${questionId}:latest`,
    price: 250,
    earned: 0,
    queuedAt: '2026-01-01T00:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    error: null,
    containerId: null,
    ...patch,
  };
}

function snapshot(seq: number): RunSnapshot {
  return {
    id: 'run-1',
    status: 'running',
    createdAt: '2026-01-01T00:00:00.000Z',
    finishedAt: null,
    datasetId: 'sample',
    solver: { kind: 'gold' },
    concurrency: 1,
    tally,
    manifest: {} as RunSnapshot['manifest'],
    attempts: [attempt('9001'), attempt('9002')],
    seq,
  };
}

describe('applyRunEvent', () => {
  it('ignores events the snapshot already holds and events of other runs', () => {
    const s = snapshot(5);
    const old: RunEvent = { type: 'attempt', runId: 'run-1', seq: 5, attempt: attempt('9001', 0, { state: 'setup' }) };
    expect(applyRunEvent(s, old).kind).toBe('stale');
    expect(applyRunEvent(s, { ...old, runId: 'run-2', seq: 6 }).kind).toBe('stale');
  });

  it('applies the next event and asks for a snapshot after a jump', () => {
    const s = snapshot(5);
    const next = applyRunEvent(s, { type: 'attempt', runId: 'run-1', seq: 6, attempt: attempt('9001', 0, { state: 'setup', phase: 'setup' }) });
    expect(next.kind).toBe('applied');
    if (next.kind !== 'applied') return;
    expect(next.snapshot.seq).toBe(6);
    expect(next.snapshot.attempts[0]?.state).toBe('setup');
    expect(applyRunEvent(next.snapshot, { type: 'log', runId: 'run-1', seq: 9, attemptId: 'x', phase: 'setup', lines: ['a'] }).kind).toBe('gap');
  });

  it('adds a new try in ledger order and re-reads on a status change', () => {
    const s = snapshot(1);
    const retry = applyRunEvent(s, { type: 'attempt', runId: 'run-1', seq: 2, attempt: attempt('9001', 1) });
    if (retry.kind !== 'applied') throw new Error(retry.kind);
    expect(retry.snapshot.attempts.map((a) => a.id)).toEqual(['run-1.9001.0.0', 'run-1.9001.0.1', 'run-1.9002.0.0']);
    expect([...retriedTryIds(retry.snapshot.attempts)]).toEqual(['run-1.9001.0.0']);
    const cancelled = applyRunEvent(retry.snapshot, { type: 'run', runId: 'run-1', seq: 3, status: 'cancelled', tally });
    expect(cancelled.kind === 'applied' && cancelled.resync).toBe(true);
    const same = applyRunEvent(retry.snapshot, { type: 'run', runId: 'run-1', seq: 3, status: 'running', tally });
    expect(same.kind === 'applied' && same.resync).toBe(false);
  });

  it("counts an agent's step events, so the next attempt event is not taken for a gap", () => {
    const step = { type: 'step', runId: 'run-1', seq: 6, attemptId: 'run-1.9001.0.0', step: {} as never } satisfies RunEvent;
    const applied = applyRunEvent(snapshot(5), step);
    if (applied.kind !== 'applied') throw new Error(applied.kind);
    expect(applied.snapshot.seq).toBe(6);
    expect(applied.resync).toBe(false);
    expect(applied.snapshot.attempts).toEqual(snapshot(5).attempts);
    const after = applyRunEvent(applied.snapshot, { type: 'attempt', runId: 'run-1', seq: 7, attempt: attempt('9001', 0, { state: 'solving' }) });
    expect(after.kind).toBe('applied');
  });

  it('shows why a run waits for the Docker daemon, and clears it when the run carries on', () => {
    const waits = applyRunEvent(snapshot(1), { type: 'run', runId: 'run-1', seq: 2, status: 'running', tally, waiting: 'waiting for the Docker daemon (gone)' });
    if (waits.kind !== 'applied') throw new Error(waits.kind);
    expect(waits.snapshot.waiting).toBe('waiting for the Docker daemon (gone)');
    // An event without the field (an older writer) leaves it as it was.
    const silent = applyRunEvent(waits.snapshot, { type: 'run', runId: 'run-1', seq: 3, status: 'running', tally });
    if (silent.kind !== 'applied') throw new Error(silent.kind);
    expect(silent.snapshot.waiting).toBe('waiting for the Docker daemon (gone)');
    const back = applyRunEvent(silent.snapshot, { type: 'run', runId: 'run-1', seq: 4, status: 'running', tally, waiting: null });
    expect(back.kind === 'applied' && back.snapshot.waiting).toBeNull();
  });
});

/** A fake ledger: lines are stored before their event goes out, as the engine does. */
function ledger(): { lines: StoredLogLine[]; add(texts: string[]): void; fetch(afterId: number): Promise<StoredLogLine[]> } {
  const lines: StoredLogLine[] = [];
  return {
    lines,
    add(texts) {
      for (const text of texts) lines.push({ id: lines.length + 1, phase: 'setup', at: '', text });
    },
    fetch: (afterId) => Promise.resolve(lines.filter((l) => l.id > afterId).slice(0, LOG_PAGE)),
  };
}

describe('LiveLog', () => {
  it('loads the stored lines, then appends event lines', async () => {
    const db = ledger();
    db.add(['one', 'two']);
    const log = new LiveLog(db.fetch);
    await log.refresh();
    db.add(['three']);
    log.append('setup', ['three']);
    expect(log.getSnapshot().lines.map((l) => l.text)).toEqual(['one', 'two', 'three']);
  });

  it('never doubles lines whose event arrives while a fetch is under way', async () => {
    const db = ledger();
    db.add(['one']);
    const log = new LiveLog(db.fetch);
    const first = log.refresh();
    // Stored before the fetch reads, its event lands while the fetch is in flight.
    db.add(['two']);
    log.append('setup', ['two']);
    await first;
    expect(log.getSnapshot().lines.map((l) => l.text)).toEqual(['one', 'two']);
  });

  it('replaces the streamed tail with the stored lines after a re-fetch', async () => {
    const db = ledger();
    const log = new LiveLog(db.fetch);
    await log.refresh();
    db.add(['a', 'b']);
    log.append('setup', ['a', 'b']);
    // A missed event (the socket dropped): only the re-fetch knows about 'c'.
    db.add(['c']);
    await log.refresh();
    expect(log.getSnapshot().lines.map((l) => l.text)).toEqual(['a', 'b', 'c']);
    expect(log.getSnapshot().lines.every((l) => l.key.startsWith('s'))).toBe(true);
  });

  it('pages through more lines than one answer holds', async () => {
    const db = ledger();
    db.add(Array.from({ length: LOG_PAGE + 3 }, (_, i) => `line ${i}`));
    const log = new LiveLog(db.fetch);
    await log.refresh();
    expect(log.getSnapshot().lines).toHaveLength(LOG_PAGE + 3);
  });
});
