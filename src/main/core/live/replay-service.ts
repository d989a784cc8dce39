/**
 * Builds an attempt's replay from what its grading runs kept (and, for an agent, its transcript
 * and its own runs of the user tool), and serves pieces of artifacts (a screencast frame inside
 * a trace zip) to the UI.
 */
import { readFileSync } from 'node:fs';
import type { ArtifactInfo } from '../../../shared/runs';
import type { AgentStepRecord } from '../../../shared/agents';
import type { AttemptReplay, RunReplay, TraceReplay, UserToolReplay } from '../../../shared/replay';
import type { RunRepo } from '../store/run-repo';
import type { ArtifactStore } from './artifact-store';
import { TraceIndexStore } from './trace-index';
import { failureFromLog } from './trace-replay';

const NAME = /^(video|trace|pytest)-run(\d+)(?:-(\d+))?\.(mp4|zip|log|start)$/;
/** The user tool's artifacts (engine/user-tool.ts): `user-tool-<n>-video.mp4`, `-video.start`, `-trace-<k>.zip`, `-test.log`. */
const USER_TOOL_NAME = /^user-tool-(\d+)-(?:(video)\.(mp4|start)|(trace)-\d+\.zip|(test)\.log)$/;

export class ReplayService {
  /** Traces indexed once per content hash (memory, then a file beside the artifact); their zips' directories. */
  readonly traces: TraceIndexStore;

  constructor(
    private readonly runs: RunRepo,
    private readonly artifacts: ArtifactStore,
  ) {
    this.traces = new TraceIndexStore((sha256) => this.artifacts.pathOf(sha256));
  }

  /** One damaged trace must not take the whole replay down: it comes back empty, saying why. */
  private trace(a: ArtifactInfo): TraceReplay {
    return this.traces.trace(a);
  }

  replay(attemptId: string): AttemptReplay {
    const detail = this.runs.attemptDetail(attemptId);
    const byRun = new Map<number, RunReplay>();
    const get = (run: number): RunReplay => {
      let r = byRun.get(run);
      if (!r) {
        const exitCode = detail.grader?.testRuns?.[run - 1]?.exitCode ?? null;
        r = { run, video: null, traces: [], log: null, exitCode, failure: null };
        byRun.set(run, r);
      }
      return r;
    };
    const starts = new Map<number, number>();
    for (const a of detail.artifacts) {
      const m = NAME.exec(a.name);
      if (!m) continue;
      const run = Number(m[2]);
      const read = (): string => readFileSync(this.artifacts.pathOf(a.sha256), 'utf8');
      if (m[1] === 'video' && m[4] === 'mp4') get(run).video = { sha256: a.sha256, bytes: a.bytes, startWallMs: null };
      else if (m[1] === 'video' && m[4] === 'start') starts.set(run, Number(read()));
      else if (m[1] === 'trace') get(run).traces.push(this.trace(a));
      else if (m[1] === 'pytest') get(run).log = read();
    }
    for (const [run, start] of starts) {
      const video = byRun.get(run)?.video;
      if (video && Number.isFinite(start)) video.startWallMs = start;
    }
    for (const r of byRun.values()) {
      r.traces.sort((a, b) => a.name.localeCompare(b.name));
      const failedAction = r.traces.flatMap((t) => t.actions).find((a) => a.error);
      r.failure = r.exitCode === 0 ? null : (failedAction?.error ?? (r.log ? failureFromLog(r.log) : null));
    }
    const steps = this.runs.steps(attemptId);
    return {
      attemptId,
      questionId: detail.questionId,
      state: detail.state,
      runs: [...byRun.values()].sort((a, b) => a.run - b.run),
      userToolRuns: this.userToolRuns(detail.artifacts, steps),
      steps,
    };
  }

  /**
   * The agent's runs of the user tool. The engine numbers them in the order the agent asked, one
   * per `user_tool` step that reached the container, so run n belongs to the n-th such step. A
   * run whose tests could not even be unzipped kept nothing and has no entry here.
   */
  private userToolRuns(artifacts: readonly ArtifactInfo[], steps: readonly AgentStepRecord[]): UserToolReplay[] {
    const byRun = new Map<number, UserToolReplay>();
    const get = (run: number): UserToolReplay => {
      let r = byRun.get(run);
      if (!r) {
        r = { run, video: null, traces: [], log: null, stepIndex: null, startedWallMs: null, durationMs: null };
        byRun.set(run, r);
      }
      return r;
    };
    const starts = new Map<number, number>();
    for (const a of artifacts) {
      const m = USER_TOOL_NAME.exec(a.name);
      if (!m) continue;
      const run = Number(m[1]);
      const read = (): string => readFileSync(this.artifacts.pathOf(a.sha256), 'utf8');
      if (m[2] === 'video' && m[3] === 'mp4') get(run).video = { sha256: a.sha256, bytes: a.bytes, startWallMs: null };
      else if (m[2] === 'video' && m[3] === 'start') starts.set(run, Number(read()));
      else if (m[4] === 'trace') get(run).traces.push(this.trace(a));
      else if (m[5] === 'test') get(run).log = read();
    }
    for (const [run, start] of starts) {
      const video = byRun.get(run)?.video;
      if (video && Number.isFinite(start)) video.startWallMs = start;
    }
    const toolSteps = steps.filter((s) => s.kind === 'user_tool');
    for (const r of byRun.values()) {
      r.traces.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
      const step = toolSteps[r.run - 1];
      const at = step ? Date.parse(step.at) : Number.NaN;
      if (step && Number.isFinite(at)) {
        r.stepIndex = step.index;
        r.startedWallMs = at;
        r.durationMs = step.durationMs;
      }
    }
    return [...byRun.values()].sort((a, b) => a.run - b.run);
  }

  /** One entry of a stored zip (a screencast JPEG), or null. */
  zipEntry(sha256: string, entryName: string): Buffer | null {
    return this.traces.zip(sha256).read(entryName);
  }
}
