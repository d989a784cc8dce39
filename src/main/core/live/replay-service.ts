/**
 * Builds an attempt's replay from what its grading runs kept, and serves pieces of artifacts
 * (a screencast frame inside a trace zip) to the UI.
 */
import { readFileSync } from 'node:fs';
import type { ArtifactInfo } from '../../../shared/runs';
import type { AttemptReplay, RunReplay, TraceReplay } from '../../../shared/replay';
import type { RunRepo } from '../store/run-repo';
import type { ArtifactStore } from './artifact-store';
import { failureFromLog, parseTrace } from './trace-replay';
import { ZipFileReader } from './zip-reader';

const NAME = /^(video|trace|pytest)-run(\d+)(?:-(\d+))?\.(mp4|zip|log|start)$/;

export class ReplayService {
  /** Parsed traces by hash; a trace never changes, so this never goes stale. */
  private readonly traces = new Map<string, TraceReplay>();

  constructor(
    private readonly runs: RunRepo,
    private readonly artifacts: ArtifactStore,
  ) {}

  private trace(a: ArtifactInfo): TraceReplay {
    let parsed = this.traces.get(a.sha256);
    if (!parsed) {
      parsed = parseTrace(readFileSync(this.artifacts.pathOf(a.sha256)), { name: a.name, sha256: a.sha256 });
      if (this.traces.size > 50) this.traces.delete(this.traces.keys().next().value as string);
      this.traces.set(a.sha256, parsed);
    }
    return parsed;
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
    return {
      attemptId,
      questionId: detail.questionId,
      state: detail.state,
      runs: [...byRun.values()].sort((a, b) => a.run - b.run),
    };
  }

  private readonly zips = new Map<string, ZipFileReader>();

  /** One entry of a stored zip (a screencast JPEG), or null. */
  zipEntry(sha256: string, entryName: string): Buffer | null {
    let zip = this.zips.get(sha256);
    if (!zip) {
      zip = new ZipFileReader(this.artifacts.pathOf(sha256));
      if (this.zips.size > 50) this.zips.delete(this.zips.keys().next().value as string);
      this.zips.set(sha256, zip);
    }
    return zip.read(entryName);
  }
}
