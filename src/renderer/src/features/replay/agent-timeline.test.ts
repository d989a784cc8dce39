import { describe, expect, it } from 'vitest';
import type { AgentStepRecord } from '../../../../shared/agents';
import type { RunReplay, TraceReplay, UserToolReplay } from '../../../../shared/replay';
import { buildAgentTimeline, defaultSource, firstFrame, jumpFor, percentAt, sameSource, userToolAsRun } from './agent-timeline';

const T0 = 1_795_000_000_000;

function step(index: number, atSec: number, kind: AgentStepRecord['kind'], durationMs = 500): AgentStepRecord {
  return {
    index,
    at: new Date(T0 + atSec * 1000).toISOString(),
    kind,
    message: null,
    toolCall: kind === 'user_tool' ? { name: 'user_tool', arguments: {} } : null,
    observation: null,
    observationBytes: null,
    observationSha256: null,
    exitCode: null,
    durationMs,
    usage: null,
    costUsd: null,
    fallback: false,
    note: null,
  };
}

function trace(startSec: number, durationSec: number): TraceReplay {
  return { name: 't', sha256: 'a'.repeat(64), bytes: 1, title: null, wallStartMs: T0 + startSec * 1000, durationMs: durationSec * 1000, actions: [], frames: [], console: [], network: [] };
}

const video = (startSec: number | null) => ({ sha256: 'b'.repeat(64), bytes: 1, startWallMs: startSec === null ? null : T0 + startSec * 1000 });

describe('the agent timeline', () => {
  // bash 0–1 s, model 2 s, user tool 10–40 s (recording 14–36 s), grading 60–90 s.
  const steps = [step(0, 0, 'model'), step(1, 0.5, 'tool', 500), step(2, 2, 'model'), step(3, 10, 'user_tool', 30_000), step(4, 45, 'model')];
  const userTool: UserToolReplay = { run: 1, video: video(14), traces: [trace(15, 20)], log: 'ok', stepIndex: 3, startedWallMs: T0 + 10_000, durationMs: 30_000 };
  const grading: RunReplay = { run: 1, video: video(60), traces: [trace(61, 29)], log: null, exitCode: 0, failure: null };
  const timeline = buildAgentTimeline({ runs: [grading], userToolRuns: [userTool] }, steps);

  it('puts steps, user-tool runs and grading runs on one wall clock', () => {
    expect(timeline.startMs).toBe(T0);
    expect(timeline.endMs).toBe(T0 + 90_000);
    expect(timeline.steps.map((s) => s.step.index)).toEqual([0, 1, 2, 3, 4]);
    expect(timeline.userTools).toEqual([expect.objectContaining({ startMs: T0 + 10_000, endMs: T0 + 40_000, originMs: T0 + 14_000, stepIndex: 3 })]);
    expect(timeline.grading).toEqual([expect.objectContaining({ startMs: T0 + 60_000, endMs: T0 + 90_000, originMs: T0 + 60_000, exitCode: 0 })]);
    expect(percentAt(timeline, T0 + 45_000)).toBe(50);
    expect(percentAt(timeline, T0 - 5)).toBe(0);
  });

  it('sends a user_tool step to the start of the recording it made, and other steps to the transcript', () => {
    expect(jumpFor(timeline, steps[3]!)).toEqual({ source: { kind: 'user-tool', run: 1 }, seconds: 0 });
    expect(jumpFor(timeline, steps[1]!)).toBeNull();
    expect(jumpFor(timeline, steps[4]!)).toBeNull();
  });

  it('sends a step inside a recording to its moment there', () => {
    const late = step(9, 75, 'note', 0);
    const withLate = buildAgentTimeline({ runs: [grading], userToolRuns: [userTool] }, [...steps, late]);
    expect(jumpFor(withLate, late)).toEqual({ source: { kind: 'grading', run: 1 }, seconds: 15 });
  });

  it('lines up a user-tool video with no recorded start by its trace, or by its step', () => {
    const byTrace = buildAgentTimeline({ runs: [], userToolRuns: [{ ...userTool, video: video(null), traces: [{ ...trace(15, 20), frames: [{ entry: 'f', ms: 0, wallMs: T0 + 16_000, width: 1, height: 1 }] }] }] }, steps);
    expect(byTrace.userTools[0]?.originMs).toBe(T0 + 16_000);
    const byStep = buildAgentTimeline({ runs: [], userToolRuns: [{ ...userTool, video: video(null), traces: [] }] }, steps);
    expect(byStep.userTools[0]?.originMs).toBe(T0 + 10_000);
  });

  it('opens a grading run first, else the first user-tool run', () => {
    expect(defaultSource({ runs: [grading], userToolRuns: [userTool] }, 1)).toEqual({ kind: 'grading', run: 1 });
    expect(defaultSource({ runs: [], userToolRuns: [userTool] }, null)).toEqual({ kind: 'user-tool', run: 1 });
    expect(defaultSource({ runs: [], userToolRuns: [] }, null)).toBeNull();
    expect(sameSource({ kind: 'grading', run: 1 }, { kind: 'grading', run: 1 })).toBe(true);
    expect(sameSource({ kind: 'grading', run: 1 }, { kind: 'user-tool', run: 1 })).toBe(false);
    expect(userToolAsRun(userTool)).toMatchObject({ run: 1, exitCode: null, failure: null, log: 'ok' });
  });

  it('is empty but well-formed for an attempt with nothing recorded', () => {
    const empty = buildAgentTimeline({ runs: [], userToolRuns: [] }, []);
    expect(empty.endMs).toBeGreaterThan(empty.startMs);
    expect(empty.steps).toEqual([]);
  });
});

describe('the frame a replay view shows first', () => {
  const frame = (entry: string, sec: number) => ({ entry, ms: 0, wallMs: T0 + sec * 1000, width: 1280, height: 720 });
  const withFrames = (frames: ReturnType<typeof frame>[]): TraceReplay => ({ ...trace(10, 20), frames });
  const a = 'a'.repeat(64);

  it("is the earliest frame of the first trace of the run the view opens (a failed attempt's first failing run)", () => {
    const frames = [frame('resources/b.jpeg', 12), frame('resources/a.jpeg', 11), frame('resources/c.jpeg', 14)];
    const passing: RunReplay = { run: 1, video: null, traces: [withFrames([frame('resources/p.jpeg', 10)])], log: null, exitCode: 0, failure: null };
    const failing: RunReplay = { run: 2, video: video(0), traces: [withFrames(frames), withFrames([frame('resources/z.jpeg', 10)])], log: null, exitCode: 1, failure: 'boom' };
    expect(firstFrame({ state: 'failed', runs: [passing, failing], userToolRuns: [] })).toEqual({ sha256: a, entry: 'resources/a.jpeg' });
    expect(firstFrame({ state: 'passed', runs: [passing], userToolRuns: [] })).toEqual({ sha256: a, entry: 'resources/p.jpeg' });
  });

  it("is the first user-tool run's for an agent attempt without grading runs; none without frames or recordings", () => {
    const userTool: UserToolReplay = { run: 1, video: null, traces: [withFrames([frame('resources/u.jpeg', 16)])], log: null, stepIndex: 0, startedWallMs: T0, durationMs: 1 };
    expect(firstFrame({ state: 'passed', runs: [], userToolRuns: [userTool] })).toEqual({ sha256: a, entry: 'resources/u.jpeg' });
    expect(firstFrame({ state: 'passed', runs: [{ run: 1, video: null, traces: [trace(0, 1)], log: null, exitCode: 0, failure: null }], userToolRuns: [] })).toBeNull();
    expect(firstFrame({ state: 'passed', runs: [{ run: 1, video: video(0), traces: [], log: null, exitCode: 0, failure: null }], userToolRuns: [] })).toBeNull();
    expect(firstFrame({ state: 'passed', runs: [], userToolRuns: [] })).toBeNull();
  });
});
