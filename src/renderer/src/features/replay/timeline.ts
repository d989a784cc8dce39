/**
 * Time on a replay: the trace's wall-clock times mapped onto the video's clock, and the lookups
 * the player needs (the action at a moment, the next or previous action, the nearest frame).
 *
 * All times here are seconds on the video clock (0 = the video's first frame), which is what
 * `video.currentTime` speaks. Pure functions, unit-tested beside this file.
 */
import type { AttemptReplay, ReplayAction, ReplayFrame, RunReplay, TraceReplay } from '../../../../shared/replay';

export interface TimedAction {
  /** Position in the trace's action list. */
  index: number;
  action: ReplayAction;
  /** Seconds on the video clock; may be negative when the action ran before the recording began. */
  start: number;
  /** Never before `start`; equal to it when the action never finished. */
  end: number;
}

export interface TimedFrame {
  frame: ReplayFrame;
  time: number;
}

/**
 * The wall-clock instant (epoch ms) shown at video time 0.
 *
 * With a video whose start is known, that start. With a video whose start is unknown, the trace's
 * first screencast frame is taken to be the video's first frame. Without a video, the trace's
 * start, so the clock runs over the trace alone.
 */
export function clockOriginWallMs(run: Pick<RunReplay, 'video'>, trace: TraceReplay | undefined): number | null {
  if (run.video && run.video.startWallMs !== null) return run.video.startWallMs;
  if (!trace) return null;
  const firstFrame = trace.frames.reduce((min, f) => Math.min(min, f.wallMs), Number.POSITIVE_INFINITY);
  if (run.video && Number.isFinite(firstFrame)) return firstFrame;
  return Number.isFinite(firstFrame) ? Math.min(trace.wallStartMs, firstFrame) : trace.wallStartMs;
}

/** Seconds on the video clock of a wall-clock instant. */
export function clockTime(originWallMs: number, wallMs: number): number {
  return (wallMs - originWallMs) / 1000;
}

/** Seconds on the video clock of a console or network entry (their `ms` counts from the trace's start). */
export function entryTime(trace: Pick<TraceReplay, 'wallStartMs'>, originWallMs: number, ms: number): number {
  return clockTime(originWallMs, trace.wallStartMs + ms);
}

/** The trace's actions on the video clock, in order of start (ties keep the trace's order). */
export function timedActions(trace: Pick<TraceReplay, 'actions'>, originWallMs: number): TimedAction[] {
  return trace.actions
    .map((action, index) => {
      const start = clockTime(originWallMs, action.wallMs);
      const duration = action.endMs === null ? 0 : Math.max(0, action.endMs - action.startMs) / 1000;
      return { index, action, start, end: start + duration };
    })
    .sort((a, b) => a.start - b.start || a.index - b.index);
}

/** The trace's screencast frames on the video clock, in order. */
export function timedFrames(trace: Pick<TraceReplay, 'frames'>, originWallMs: number): TimedFrame[] {
  return trace.frames.map((frame) => ({ frame, time: clockTime(originWallMs, frame.wallMs) })).sort((a, b) => a.time - b.time);
}

/** Tolerance for "at" a time: a seek lands within a millisecond of where it was asked. */
const EPSILON = 0.005;

/** The last item whose time is at or before `t`, as a position in `items`; -1 when none is. */
export function lastAtOrBefore<T>(items: readonly T[], t: number, timeOf: (item: T) => number): number {
  let lo = 0;
  let hi = items.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const item = items[mid] as T;
    if (timeOf(item) <= t + EPSILON) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** The action playing at `t`: the last one started by then (position in `actions`, or -1). */
export function currentActionPosition(actions: readonly TimedAction[], t: number): number {
  return lastAtOrBefore(actions, t, (a) => a.start);
}

/** The screencast frame on screen at `t` (position in `frames`, or -1 before the first). */
export function currentFramePosition(frames: readonly TimedFrame[], t: number): number {
  return lastAtOrBefore(frames, t, (f) => f.time);
}

/**
 * Where stepping from `t` lands: the next action's start, or the previous one's; null at the ends.
 * `starts` must be sorted; the compare view passes both sides' starts merged.
 */
export function stepTarget(starts: readonly number[], t: number, direction: 1 | -1): number | null {
  if (direction === 1) {
    for (const s of starts) if (s > t + EPSILON) return Math.max(0, s);
    return null;
  }
  for (let i = starts.length - 1; i >= 0; i--) {
    const target = Math.max(0, starts[i] as number);
    if (target < t - EPSILON) return target;
  }
  return t > EPSILON ? 0 : null;
}

/** How long the timeline is: the media's length, stretched to cover every action and frame. */
export function timelineEnd(actions: readonly TimedAction[], frames: readonly TimedFrame[], mediaDuration: number | null): number {
  let end = mediaDuration !== null && Number.isFinite(mediaDuration) ? mediaDuration : 0;
  for (const a of actions) end = Math.max(end, a.end);
  for (const f of frames) end = Math.max(end, f.time);
  return Math.max(end, 0.1);
}

/** A time as a percentage of the timeline, clamped to it. */
export function percentOf(t: number, end: number): number {
  if (!(end > 0)) return 0;
  return Math.min(100, Math.max(0, (t / end) * 100));
}

/** `0:07.4`, `12:03.0`: a position on the clock, to a tenth of a second. */
export function formatClock(seconds: number): string {
  const safe = Math.max(0, Number.isFinite(seconds) ? seconds : 0);
  const tenths = Math.floor(safe * 10 + 1e-6);
  const minutes = Math.floor(tenths / 600);
  const rest = tenths - minutes * 600;
  return `${minutes}:${String(Math.floor(rest / 10)).padStart(2, '0')}.${rest % 10}`;
}

/** `8 ms`, `1.25 s`, `42 s`: an action's duration. */
export function formatDurationMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const safe = Math.max(0, ms);
  if (safe < 1000) return `${Math.round(safe)} ms`;
  if (safe < 10_000) return `${(safe / 1000).toFixed(2)} s`;
  return `${(safe / 1000).toFixed(1)} s`;
}

/** At most `max` items, evenly spread, always keeping the first and the last. */
export function sampleEvenly<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  if (max <= 1) return items.slice(0, Math.max(0, max));
  const out: T[] = [];
  const step = (items.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(items[Math.round(i * step)] as T);
  return out;
}

/**
 * The grading run to open first: for a failed attempt, the first run that failed (it shows why);
 * otherwise the first run with a video, else the first run. Null when there is none.
 */
export function defaultRunNumber(replay: Pick<AttemptReplay, 'state' | 'runs'>): number | null {
  const runs = replay.runs;
  if (runs.length === 0) return null;
  if (replay.state !== 'passed') {
    const failing = runs.find((r) => r.failure !== null || (r.exitCode !== null && r.exitCode !== 0));
    if (failing) return failing.run;
  }
  return (runs.find((r) => r.video !== null) ?? runs[0])?.run ?? null;
}
