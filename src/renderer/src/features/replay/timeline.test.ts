import { describe, expect, it } from 'vitest';
import type { ReplayAction, ReplayFrame, RunReplay, TraceReplay } from '../../../../shared/replay';
import {
  clockOriginWallMs,
  currentActionPosition,
  currentFramePosition,
  defaultRunNumber,
  entryTime,
  formatClock,
  formatDurationMs,
  percentOf,
  sampleEvenly,
  stepTarget,
  timedActions,
  timedFrames,
  timelineEnd,
} from './timeline';
import { compareHref, replayHref, replayRouteFromHash } from './links';

const WALL = 1_795_240_906_938;

function action(title: string, startMs: number, endMs: number | null, error: string | null = null): ReplayAction {
  return { callId: title, title, startMs, endMs, wallMs: WALL + startMs, error };
}

function frame(ms: number): ReplayFrame {
  return { entry: `screencast/page-${ms}.jpeg`, ms, wallMs: WALL + ms, width: 1280, height: 800 };
}

function trace(actions: ReplayAction[], frames: ReplayFrame[]): TraceReplay {
  return { name: 'trace-run1.zip', sha256: 'a'.repeat(64), bytes: 1, title: null, wallStartMs: WALL, durationMs: 2000, actions, frames, console: [], network: [] };
}

function run(n: number, over: Partial<RunReplay> = {}): RunReplay {
  return { run: n, video: { sha256: 'b'.repeat(64), bytes: 1, startWallMs: null }, traces: [], log: null, exitCode: 0, failure: null, ...over };
}

describe('clockOriginWallMs', () => {
  const t = trace([], [frame(300), frame(120), frame(500)]);
  it('uses the video start when it is known', () => {
    expect(clockOriginWallMs(run(1, { video: { sha256: 'b', bytes: 1, startWallMs: WALL - 900 } }), t)).toBe(WALL - 900);
  });
  it('aligns the first screencast frame to 0 when the video start is unknown', () => {
    expect(clockOriginWallMs(run(1), t)).toBe(WALL + 120);
  });
  it('runs from the trace start without a video, and from the trace start when a video has no frames to align', () => {
    expect(clockOriginWallMs(run(1, { video: null }), t)).toBe(WALL);
    expect(clockOriginWallMs(run(1), trace([], []))).toBe(WALL);
    expect(clockOriginWallMs(run(1), undefined)).toBeNull();
  });
});

describe('timed actions and frames', () => {
  const t = trace([action('b', 900, 1000), action('a', 700, null, 'boom'), action('c', 900, 950)], [frame(800), frame(700)]);
  const actions = timedActions(t, WALL + 700);
  it('maps wall times to seconds on the video clock, sorted by start, stable on ties', () => {
    expect(actions.map((a) => [a.action.title, a.index, a.start, Math.round(a.end * 1000) / 1000])).toEqual([
      ['a', 1, 0, 0],
      ['b', 0, 0.2, 0.3],
      ['c', 2, 0.2, 0.25],
    ]);
    expect(timedFrames(t, WALL + 700).map((f) => f.time)).toEqual([0, 0.1]);
  });
  it('finds the action playing at a moment', () => {
    expect(currentActionPosition(actions, -0.5)).toBe(-1);
    expect(currentActionPosition(actions, 0)).toBe(0);
    expect(currentActionPosition(actions, 0.1999)).toBe(2);
    expect(currentActionPosition(actions, 0.15)).toBe(0);
    expect(currentActionPosition(actions, 50)).toBe(2);
    expect(currentActionPosition([], 1)).toBe(-1);
  });
  it('finds the frame on screen', () => {
    const frames = timedFrames(t, WALL + 700);
    expect(currentFramePosition(frames, -1)).toBe(-1);
    expect(currentFramePosition(frames, 0.05)).toBe(0);
    expect(currentFramePosition(frames, 3)).toBe(1);
  });
  it('puts console and network entries on the same clock', () => {
    expect(entryTime(t, WALL + 700, 1700)).toBe(1);
  });
  it('stretches the timeline over every action and frame', () => {
    expect(timelineEnd(actions, [], 2.2)).toBe(2.2);
    expect(timelineEnd(actions, [], 0.1)).toBeCloseTo(0.3);
    expect(timelineEnd([], [], null)).toBe(0.1);
    expect(timelineEnd([], [], Number.NaN)).toBe(0.1);
  });
});

describe('stepTarget', () => {
  const starts = [-0.4, 0.5, 1, 1, 2.5];
  it('steps forward to the next start', () => {
    expect(stepTarget(starts, 0, 1)).toBe(0.5);
    expect(stepTarget(starts, 0.5, 1)).toBe(1);
    expect(stepTarget(starts, 1, 1)).toBe(2.5);
    expect(stepTarget(starts, 2.5, 1)).toBeNull();
  });
  it('steps back to the previous start, clamped to 0', () => {
    expect(stepTarget(starts, 2.5, -1)).toBe(1);
    expect(stepTarget(starts, 1, -1)).toBe(0.5);
    expect(stepTarget(starts, 0.5, -1)).toBe(0);
    expect(stepTarget(starts, 0, -1)).toBeNull();
    expect(stepTarget([], 0.3, -1)).toBe(0);
  });
});

describe('formatting and sampling', () => {
  it('formats clock positions', () => {
    expect(formatClock(0)).toBe('0:00.0');
    expect(formatClock(7.46)).toBe('0:07.4');
    expect(formatClock(723)).toBe('12:03.0');
    expect(formatClock(-3)).toBe('0:00.0');
    expect(formatClock(Number.NaN)).toBe('0:00.0');
  });
  it('formats durations', () => {
    expect(formatDurationMs(8.4)).toBe('8 ms');
    expect(formatDurationMs(1250)).toBe('1.25 s');
    expect(formatDurationMs(42_000)).toBe('42.0 s');
    expect(formatDurationMs(null)).toBe('—');
  });
  it('percentages clamp to the timeline', () => {
    expect(percentOf(1, 4)).toBe(25);
    expect(percentOf(-1, 4)).toBe(0);
    expect(percentOf(9, 4)).toBe(100);
    expect(percentOf(1, 0)).toBe(0);
  });
  it('samples evenly, keeping both ends', () => {
    const items = Array.from({ length: 101 }, (_, i) => i);
    const s = sampleEvenly(items, 11);
    expect(s).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(sampleEvenly([1, 2], 5)).toEqual([1, 2]);
  });
});

describe('defaultRunNumber', () => {
  it('opens the first failing run of a failed attempt', () => {
    expect(defaultRunNumber({ state: 'failed', runs: [run(1), run(2, { exitCode: 1 }), run(3, { failure: 'x' })] })).toBe(2);
  });
  it('opens the first run with a video otherwise', () => {
    expect(defaultRunNumber({ state: 'passed', runs: [run(1, { video: null }), run(2)] })).toBe(2);
    expect(defaultRunNumber({ state: 'passed', runs: [run(1, { video: null })] })).toBe(1);
    expect(defaultRunNumber({ state: 'error', runs: [] })).toBeNull();
  });
});

describe('links', () => {
  it('round-trips replay and compare routes, with ids that need escaping', () => {
    const id = 'run-20261121-060138-35e98c.9001.0.0';
    expect(replayRouteFromHash(replayHref(id))).toEqual({ kind: 'replay', attemptId: id });
    expect(replayRouteFromHash(compareHref(id, 'a/b c'))).toEqual({ kind: 'compare', a: id, b: 'a/b c' });
  });
  it('ignores other pages and malformed routes', () => {
    expect(replayRouteFromHash('#/runs/x')).toBeNull();
    expect(replayRouteFromHash('#/replay/')).toBeNull();
    expect(replayRouteFromHash('#/compare/a')).toBeNull();
    expect(replayRouteFromHash('#/replay/%E0%A4%A')).toBeNull();
  });
});
