/**
 * One timeline for an agent's attempt, in wall-clock time: the agent's steps, its runs of the
 * user tool and the grading runs. A step maps to a moment of a recording when a recording
 * covers its time (a `user_tool` step is covered by the run it started), so clicking it can
 * open that recording there; other steps have only the transcript to show.
 *
 * Pure functions, unit-tested beside this file.
 */
import type { AgentStepRecord } from '../../../../shared/agents';
import type { AttemptReplay, RunReplay, TraceReplay, UserToolReplay } from '../../../../shared/replay';
import { clockOriginWallMs, defaultRunNumber, timedFrames } from './timeline';

/** A recording to replay: one grading run, or one run of the user tool. */
export interface SourceKey {
  kind: 'grading' | 'user-tool';
  run: number;
}

export function sourceId(key: SourceKey): string {
  return `${key.kind === 'grading' ? 'g' : 'u'}${key.run}`;
}

export function sameSource(a: SourceKey | null, b: SourceKey | null): boolean {
  return a !== null && b !== null && a.kind === b.kind && a.run === b.run;
}

/** A user-tool run in the shape the player takes (it has no verdict: the agent was not told one). */
export function userToolAsRun(u: UserToolReplay): RunReplay {
  return { run: u.run, video: u.video, traces: u.traces, log: u.log, exitCode: null, failure: null };
}

/** A recording on the attempt's wall clock. */
export interface Span {
  key: SourceKey;
  /** Epoch ms: when it began and ended (as well as the artifacts tell). */
  startMs: number;
  endMs: number;
  /** Epoch ms shown at its player's time 0; null when nothing lines it up with the wall clock. */
  originMs: number | null;
  hasVideo: boolean;
  /** Grading runs: the test's exit code. */
  exitCode: number | null;
  /** User-tool runs: the step that started it. */
  stepIndex: number | null;
}

export interface TimedStep {
  step: AgentStepRecord;
  startMs: number;
  endMs: number;
}

export interface AgentTimeline {
  startMs: number;
  endMs: number;
  steps: TimedStep[];
  userTools: Span[];
  grading: Span[];
}

function traceWindow(traces: readonly TraceReplay[]): { start: number; end: number } | null {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const t of traces) {
    start = Math.min(start, t.wallStartMs);
    end = Math.max(end, t.wallStartMs + t.durationMs);
    for (const f of t.frames) end = Math.max(end, f.wallMs);
  }
  return Number.isFinite(start) && Number.isFinite(end) ? { start, end } : null;
}

/** The shortest a span is drawn and counted (a recording with no length known still gets a mark). */
const MIN_SPAN_MS = 1000;

function gradingSpan(run: RunReplay): Span | null {
  const origin = clockOriginWallMs(run, run.traces[0]);
  const window = traceWindow(run.traces);
  const start = origin ?? window?.start;
  if (start === undefined) return null;
  const end = Math.max(start + MIN_SPAN_MS, window?.end ?? start);
  return { key: { kind: 'grading', run: run.run }, startMs: start, endMs: end, originMs: origin, hasVideo: run.video !== null, exitCode: run.exitCode, stepIndex: null };
}

function userToolSpan(u: UserToolReplay): Span | null {
  const asRun = userToolAsRun(u);
  const window = traceWindow(u.traces);
  // With neither a recorder's start nor a trace, the step's start is the best guess of the video's.
  const origin = clockOriginWallMs(asRun, u.traces[0]) ?? u.startedWallMs;
  let start: number | null | undefined;
  let end: number | null | undefined;
  if (u.startedWallMs !== null && u.durationMs !== null) {
    // The step spans the whole run: tests unzipped, app started, recorded, tests hidden again.
    start = u.startedWallMs;
    end = u.startedWallMs + u.durationMs;
  } else {
    start = origin ?? window?.start;
    end = window?.end;
  }
  if (start === null || start === undefined) return null;
  return {
    key: { kind: 'user-tool', run: u.run },
    startMs: start,
    endMs: Math.max(start + MIN_SPAN_MS, end ?? start),
    originMs: origin,
    hasVideo: u.video !== null,
    exitCode: null,
    stepIndex: u.stepIndex,
  };
}

/** The attempt's steps (the live copy when given), user-tool runs and grading runs on one wall clock. */
export function buildAgentTimeline(replay: Pick<AttemptReplay, 'runs' | 'userToolRuns'>, steps: readonly AgentStepRecord[]): AgentTimeline {
  const timed: TimedStep[] = [];
  for (const step of steps) {
    const start = Date.parse(step.at);
    if (!Number.isFinite(start)) continue;
    timed.push({ step, startMs: start, endMs: start + Math.max(0, step.durationMs) });
  }
  const userTools = replay.userToolRuns.map(userToolSpan).filter((s): s is Span => s !== null);
  const grading = replay.runs.map(gradingSpan).filter((s): s is Span => s !== null);
  let startMs = Number.POSITIVE_INFINITY;
  let endMs = Number.NEGATIVE_INFINITY;
  for (const t of timed) {
    startMs = Math.min(startMs, t.startMs);
    endMs = Math.max(endMs, t.endMs);
  }
  for (const s of [...userTools, ...grading]) {
    startMs = Math.min(startMs, s.startMs);
    endMs = Math.max(endMs, s.endMs);
  }
  if (!Number.isFinite(startMs)) return { startMs: 0, endMs: 1, steps: timed, userTools, grading };
  return { startMs, endMs: Math.max(endMs, startMs + 1), steps: timed, userTools, grading };
}

/** Where on the timeline (0–100 %) a wall-clock time falls, clamped. */
export function percentAt(timeline: Pick<AgentTimeline, 'startMs' | 'endMs'>, wallMs: number): number {
  const span = timeline.endMs - timeline.startMs;
  if (!(span > 0)) return 0;
  return Math.min(100, Math.max(0, ((wallMs - timeline.startMs) / span) * 100));
}

/**
 * The recording that shows a step, and where in it: the user-tool run a `user_tool` step
 * started, else any recording whose span overlaps the step's. Null when none does (or none can
 * be lined up with the wall clock): the transcript is then the only place to see the step.
 */
export function jumpFor(timeline: AgentTimeline, step: AgentStepRecord): { source: SourceKey; seconds: number } | null {
  const timed = timeline.steps.find((t) => t.step.index === step.index);
  if (!timed) return null;
  const spans = [...timeline.userTools, ...timeline.grading].filter((s) => s.originMs !== null);
  const own = spans.find((s) => s.stepIndex === step.index);
  const covering = own ?? spans.find((s) => timed.startMs <= s.endMs && timed.endMs >= s.startMs);
  if (!covering || covering.originMs === null) return null;
  return { source: covering.key, seconds: Math.max(0, (timed.startMs - covering.originMs) / 1000) };
}

/** The recording to open first: a grading run (the failing one of a failed attempt), else the first user-tool run. */
export function defaultSource(replay: Pick<AttemptReplay, 'runs' | 'userToolRuns'>, gradingRun: number | null): SourceKey | null {
  if (gradingRun !== null) return { kind: 'grading', run: gradingRun };
  const first = replay.userToolRuns[0];
  return first ? { kind: 'user-tool', run: first.run } : null;
}

/**
 * The screencast frame a replay view shows first, so it can be asked for before the view renders:
 * the earliest frame of the default recording's first trace. It heads the filmstrip, and without
 * a video it is also the stage's frame at time 0 (the clock then starts at or before it).
 */
export function firstFrame(replay: Pick<AttemptReplay, 'state' | 'runs' | 'userToolRuns'>): { sha256: string; entry: string } | null {
  const source = defaultSource(replay, defaultRunNumber(replay));
  if (!source) return null;
  const userTool = source.kind === 'user-tool' ? replay.userToolRuns.find((u) => u.run === source.run) : undefined;
  const run = source.kind === 'grading' ? replay.runs.find((r) => r.run === source.run) : userTool ? userToolAsRun(userTool) : undefined;
  const trace = run?.traces[0];
  const origin = run && trace ? clockOriginWallMs(run, trace) : null;
  if (!trace || origin === null) return null;
  const first = timedFrames(trace, origin)[0];
  return first ? { sha256: trace.sha256, entry: first.frame.entry } : null;
}
