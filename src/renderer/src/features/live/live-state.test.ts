import { describe, expect, it } from 'vitest';
import type { AttemptState, AttemptSummary, RunEvent } from '../../../../shared/runs';
import { applyEvent, applySnapshot, elapsedSince, emptyLiveState, formatElapsed, isRunningState, dropRuns, runningList } from './live-state';

function attempt(id: string, state: AttemptState, runId = 'run-1', startedAt: string | null = '2026-01-01T00:00:00.000Z'): AttemptSummary {
  return {
    id,
    runId,
    questionId: id.split('.')[1] ?? id,
    attemptIndex: 0,
    tryIndex: 0,
    retried: false,
    state,
    phase: state === 'queued' ? null : 'setup',
    image: 'lancer-sample_9001:latest',
    price: 250,
    earned: 0,
    queuedAt: '2026-01-01T00:00:00.000Z',
    startedAt,
    finishedAt: null,
    error: null,
    containerId: null,
  };
}

const event = (seq: number, a: AttemptSummary): RunEvent => ({ type: 'attempt', runId: a.runId, seq, attempt: a });

describe('live state', () => {
  it('knows the running states', () => {
    expect((['starting', 'setup', 'solving', 'grading'] as const).every(isRunningState)).toBe(true);
    expect((['queued', 'passed', 'failed', 'timeout', 'error', 'cancelled'] as const).some(isRunningState)).toBe(false);
  });

  it('takes the running attempts of a snapshot', () => {
    const s = applySnapshot(emptyLiveState, 'run-1', 5, [attempt('run-1.9001', 'grading'), attempt('run-1.9002', 'queued'), attempt('run-1.9003', 'passed')]);
    expect(runningList(s).map((a) => a.id)).toEqual(['run-1.9001']);
  });

  it('adds, updates and removes attempts from events', () => {
    let s = applyEvent(emptyLiveState, event(1, attempt('run-1.9001', 'starting')));
    s = applyEvent(s, event(2, attempt('run-1.9001', 'grading')));
    expect(runningList(s)[0]?.state).toBe('grading');
    s = applyEvent(s, event(3, attempt('run-1.9001', 'failed')));
    expect(runningList(s)).toEqual([]);
  });

  it('ignores events older than what it knows, in either order with a snapshot', () => {
    // Event first, then an older snapshot: the event wins.
    let s = applyEvent(emptyLiveState, event(9, attempt('run-1.9001', 'passed')));
    s = applySnapshot(s, 'run-1', 7, [attempt('run-1.9001', 'grading')]);
    expect(runningList(s)).toEqual([]);
    // Snapshot first, then a stale event: the snapshot wins.
    let t = applySnapshot(emptyLiveState, 'run-1', 7, [attempt('run-1.9001', 'grading')]);
    t = applyEvent(t, event(6, attempt('run-1.9001', 'setup')));
    expect(runningList(t)[0]?.state).toBe('grading');
    // Log and run events change nothing.
    expect(applyEvent(t, { type: 'log', runId: 'run-1', seq: 99, attemptId: 'run-1.9001', phase: 'grading', lines: ['x'] })).toBe(t);
  });

  it('drops attempts a newer snapshot no longer lists as running', () => {
    let s = applySnapshot(emptyLiveState, 'run-1', 3, [attempt('run-1.9001', 'solving')]);
    s = applySnapshot(s, 'run-1', 8, []);
    expect(runningList(s)).toEqual([]);
  });

  it('trusts a snapshot whose seq went backwards (the server restarted)', () => {
    let s = applyEvent(emptyLiveState, event(40, attempt('run-1.9001', 'grading')));
    s = applySnapshot(s, 'run-1', 50, [attempt('run-1.9001', 'grading')]);
    s = applySnapshot(s, 'run-1', 2, [attempt('run-1.9001', 'cancelled')]);
    expect(runningList(s)).toEqual([]);
  });

  it('forgets attempts of runs that ended', () => {
    let s = applyEvent(emptyLiveState, event(1, attempt('run-1.9001', 'grading', 'run-1')));
    s = applyEvent(s, event(1, attempt('run-2.9001', 'grading', 'run-2')));
    expect(dropRuns(s, new Set(['run-3']))).toBe(s);
    expect(runningList(dropRuns(s, new Set(['run-1']))).map((a) => a.id)).toEqual(['run-2.9001']);
  });

  it('lists the oldest start first', () => {
    let s = applyEvent(emptyLiveState, event(1, attempt('run-1.b', 'grading', 'run-1', '2026-01-01T00:00:05.000Z')));
    s = applyEvent(s, event(2, attempt('run-1.a', 'grading', 'run-1', '2026-01-01T00:00:09.000Z')));
    s = applyEvent(s, event(3, attempt('run-1.c', 'setup', 'run-1', '2026-01-01T00:00:01.000Z')));
    expect(runningList(s).map((a) => a.id)).toEqual(['run-1.c', 'run-1.b', 'run-1.a']);
  });
});

describe('elapsed time', () => {
  it('formats seconds, minutes and hours', () => {
    expect(formatElapsed(12_400)).toBe('12 s');
    expect(formatElapsed(185_000)).toBe('3:05');
    expect(formatElapsed(3_727_000)).toBe('1:02:07');
    expect(formatElapsed(null)).toBe('—');
  });
  it('measures from an ISO time', () => {
    expect(elapsedSince('2026-01-01T00:00:00.000Z', Date.parse('2026-01-01T00:00:30.000Z'))).toBe(30_000);
    expect(elapsedSince(null, 0)).toBeNull();
    expect(elapsedSince('nonsense', 0)).toBeNull();
  });
});
