/**
 * The replay of an agent's attempt from what the ledger and the artifact store hold: the
 * transcript, and each run of the user tool with its video (lined up by the recorder's start),
 * traces and test log, matched to the `user_tool` step that ran it.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentStepRecord } from '../../../shared/agents';
import { makeZip } from '../../../../tests/helpers/make-zip';
import { makeTempDir } from '../../../../tests/helpers/temp-dir';
import { openDatabase, type Db } from '../store/database';
import { RunRepo } from '../store/run-repo';
import { ArtifactStore } from './artifact-store';
import { ReplayService } from './replay-service';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');

function step(index: number, kind: AgentStepRecord['kind'], atMs: number, durationMs: number): AgentStepRecord {
  return {
    index,
    at: new Date(atMs).toISOString(),
    kind,
    message: null,
    toolCall: kind === 'model' ? null : { name: kind === 'user_tool' ? 'user_tool' : 'bash', arguments: {} },
    observation: kind === 'user_tool' ? 'User tool output is in /app/sample/user_tool' : null,
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

/** A trace zip with one event stream the parser accepts. */
function traceZip(wallTime: number): Buffer {
  const events = [{ type: 'context-options', wallTime, monotonicTime: 0 }, { type: 'before', callId: 'c1', startTime: 10, class: 'Page', method: 'goto', params: { url: 'http://127.0.0.1:3000' } }, { type: 'after', callId: 'c1', endTime: 40 }];
  return makeZip([{ name: 'trace.trace', data: Buffer.from(events.map((e) => JSON.stringify(e)).join('\n')) }]);
}

describe('ReplayService for an agent attempt', () => {
  let db: Db;
  let store: ArtifactStore;
  let runs: RunRepo;
  let replays: ReplayService;
  let cleanup: () => void;
  const attemptId = 'r1.q.0.0';

  beforeEach(() => {
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    db = openDatabase(path.join(tmp.dir, 'lancer.db'));
    store = new ArtifactStore(tmp.dir, db);
    runs = new RunRepo(db);
    replays = new ReplayService(runs, store);
    db.prepare("INSERT INTO datasets (id, name, created_at) VALUES ('d', 'd', 'x')").run();
    db.prepare(`INSERT INTO dataset_versions (id, dataset_id, version, content_hash, csv_hash, schema, source_path, columns_json, extra_columns_json, skipped_json, imported_at)
      VALUES (1, 'd', 1, 'h', 'h', 'current', 'p', '[]', '[]', '[]', 'x')`).run();
    runs.createRun({ id: 'r1', datasetId: 'd', versionId: 1, solver: { kind: 'null' }, concurrency: 1, maxRetries: 0, manifest: {} as never, tasks: [{ questionId: 'q', image: 'i', price: 1 }] });
  });
  afterEach(() => {
    db.close();
    cleanup();
  });

  const keep = (kind: 'video' | 'trace' | 'log', name: string, data: Buffer): void => runs.addArtifact(attemptId, { kind, name, ...store.put(data) });

  it('matches each user-tool run to the step that ran it, with its video start, traces and log', () => {
    const steps = [step(0, 'model', T0, 800), step(1, 'tool', T0 + 1000, 200), step(2, 'user_tool', T0 + 5000, 20_000), step(3, 'model', T0 + 26_000, 500), step(4, 'user_tool', T0 + 30_000, 15_000)];
    for (const s of steps) runs.addStep(attemptId, s);
    keep('video', 'user-tool-1-video.mp4', Buffer.from('video one'));
    keep('log', 'user-tool-1-video.start', Buffer.from(String(T0 + 7000)));
    keep('trace', 'user-tool-1-trace-2.zip', traceZip(T0 + 8000));
    keep('trace', 'user-tool-1-trace-10.zip', traceZip(T0 + 9000));
    keep('log', 'user-tool-1-test.log', Buffer.from('1 passed'));
    // The second run kept a video but its recorder's log had no start.
    keep('video', 'user-tool-2-video.mp4', Buffer.from('video two'));
    // A grading run beside them is unchanged.
    keep('log', 'pytest-run1.log', Buffer.from('grading log'));
    keep('log', 'step-7-observation.txt', Buffer.from('a long output'));

    const replay = replays.replay(attemptId);
    expect(replay.steps.map((s) => s.index)).toEqual([0, 1, 2, 3, 4]);
    expect(replay.runs).toEqual([expect.objectContaining({ run: 1, log: 'grading log', video: null })]);
    expect(replay.userToolRuns).toHaveLength(2);
    const [one, two] = replay.userToolRuns;
    expect(one).toMatchObject({ run: 1, stepIndex: 2, startedWallMs: T0 + 5000, durationMs: 20_000, log: '1 passed' });
    expect(one?.video).toMatchObject({ bytes: 9, startWallMs: T0 + 7000 });
    // Traces in numeric order (2 before 10), parsed on the wall clock.
    expect(one?.traces.map((t) => t.name)).toEqual(['user-tool-1-trace-2.zip', 'user-tool-1-trace-10.zip']);
    expect(one?.traces[0]?.wallStartMs).toBe(T0 + 8000);
    expect(one?.traces[0]?.actions.map((a) => a.title)).toEqual(['page.goto http://127.0.0.1:3000']);
    expect(two).toMatchObject({ run: 2, stepIndex: 4, startedWallMs: T0 + 30_000, traces: [], log: null });
    expect(two?.video?.startWallMs).toBeNull();
  });

  it('opens the rest of a replay when one trace is damaged, and says which and why', () => {
    keep('trace', 'trace-run1-0.zip', Buffer.from('PK\u0003\u0004 not really a zip'));
    keep('trace', 'trace-run1-1.zip', traceZip(T0));
    keep('log', 'pytest-run1.log', Buffer.from('1 passed'));
    const replay = replays.replay(attemptId);
    const [damaged, fine] = replay.runs[0]!.traces;
    expect(damaged).toMatchObject({ name: 'trace-run1-0.zip', actions: [], frames: [] });
    expect(damaged!.error).toMatch(/^trace-run1-0\.zip could not be read: /);
    expect(fine!.error ?? null).toBeNull();
    expect(fine!.actions).toHaveLength(1);
    expect(replay.runs[0]!.log).toBe('1 passed');
  });

  it('gives other solvers empty agent parts', () => {
    keep('log', 'pytest-run1.log', Buffer.from('grading log'));
    const replay = replays.replay(attemptId);
    expect(replay.steps).toEqual([]);
    expect(replay.userToolRuns).toEqual([]);
  });
});
