/**
 * Trace indexes: computed once per content hash and reused (from memory, then from the file kept
 * beside the artifact after a restart), the same as parsing the zip in memory, recomputed when
 * that file is damaged or from another version, and removed with the artifact. The first frame
 * the index names is the one served.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeZip } from '../../../../tests/helpers/make-zip';
import { makeTempDir } from '../../../../tests/helpers/temp-dir';
import { openDatabase, type Db } from '../store/database';
import { RunRepo } from '../store/run-repo';
import { ArtifactStore } from './artifact-store';
import { indexFileOf, TRACE_INDEX_VERSION, TraceIndexStore } from './trace-index';
import { parseTrace } from './trace-replay';

const jpeg = (n: number): Buffer => Buffer.from([0xff, 0xd8, n, n, n, 0xff, 0xd9]);

/** A trace whose screencast events are written out of order: the first frame in time is the second entry. */
function traceZip(): Buffer {
  const events = [
    { type: 'context-options', wallTime: 1_700_000_000_000, monotonicTime: 100, title: 'checkout test' },
    { type: 'before', callId: 'c1', startTime: 110, class: 'Page', method: 'goto', params: { url: 'http://127.0.0.1:3000' } },
    { type: 'screencast-frame', file: 'resources/late.jpeg', timestamp: 150, width: 1280, height: 720 },
    { type: 'screencast-frame', file: 'resources/early.jpeg', timestamp: 120, width: 1280, height: 720 },
    { type: 'after', callId: 'c1', endTime: 160 },
    { type: 'console', messageType: 'error', text: 'boom', time: 130 },
  ];
  const network = [{ type: 'resource-snapshot', snapshot: { startedDateTime: new Date(1_700_000_000_020).toISOString(), time: 5, request: { method: 'GET', url: 'http://127.0.0.1:3000/' }, response: { status: 200 } } }];
  return makeZip([
    { name: 'trace.trace', data: Buffer.from(events.map((e) => JSON.stringify(e)).join('\n')) },
    { name: 'trace.network', data: Buffer.from(network.map((e) => JSON.stringify(e)).join('\n')) },
    { name: 'resources/late.jpeg', data: jpeg(2), method: 0 },
    { name: 'resources/early.jpeg', data: jpeg(1), method: 0 },
  ]);
}

describe('TraceIndexStore', () => {
  let db: Db;
  let store: ArtifactStore;
  let cleanup: () => void;

  beforeEach(() => {
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    db = openDatabase(path.join(tmp.dir, 'lancer.db'));
    store = new ArtifactStore(tmp.dir, db);
  });
  afterEach(() => {
    db.close();
    cleanup();
  });

  const indexes = (): TraceIndexStore => new TraceIndexStore((sha) => store.pathOf(sha));

  it('indexes a trace once per content hash, whatever its name, and a restarted store reads the kept index', () => {
    const zip = traceZip();
    const { sha256, bytes } = store.put(zip);
    const first = indexes();
    const a = first.trace({ name: 'trace-run1.zip', sha256, bytes });
    const b = first.trace({ name: 'trace-run2.zip', sha256, bytes });
    expect(first.stats).toEqual({ built: 1, fromFile: 0, fromMemory: 1 });
    expect(a.name).toBe('trace-run1.zip');
    expect(b.name).toBe('trace-run2.zip');
    // From disk by position, the same timeline as parsing the whole zip in memory.
    expect(a).toEqual(parseTrace(zip, { name: 'trace-run1.zip', sha256 }));
    expect(existsSync(indexFileOf(store.pathOf(sha256)))).toBe(true);

    const restarted = indexes();
    expect(restarted.trace({ name: 'trace-run1.zip', sha256, bytes })).toEqual(a);
    expect(restarted.stats).toEqual({ built: 0, fromFile: 1, fromMemory: 0 });
  });

  it('serves, as the first frame, the frame earliest in time, with its bytes from the zip', () => {
    const { sha256, bytes } = store.put(traceZip());
    const indexesOf = indexes();
    const trace = indexesOf.trace({ name: 'trace-run1.zip', sha256, bytes });
    expect(trace.frames.map((f) => [f.entry, f.ms])).toEqual([
      ['resources/early.jpeg', 20],
      ['resources/late.jpeg', 50],
    ]);
    expect(trace.durationMs).toBe(60);
    expect(indexesOf.zip(sha256).read(trace.frames[0]!.entry)).toEqual(jpeg(1));
    expect(indexesOf.zip(sha256).read('resources/missing.jpeg')).toBeNull();
  });

  it('recomputes an index file that is cut short, from another version, or of another hash', () => {
    const { sha256, bytes } = store.put(traceZip());
    const file = indexFileOf(store.pathOf(sha256));
    const good = indexes().trace({ name: 't.zip', sha256, bytes });
    const kept = JSON.parse(readFileSync(file, 'utf8')) as { version: number; sha256: string };
    for (const damaged of ['{"version":', JSON.stringify({ ...kept, version: TRACE_INDEX_VERSION + 1 }), JSON.stringify({ ...kept, sha256: '0'.repeat(64) }), JSON.stringify({ ...kept, index: { frames: 'x' } })]) {
      writeFileSync(file, damaged);
      const fresh = indexes();
      expect(fresh.trace({ name: 't.zip', sha256, bytes })).toEqual(good);
      expect(fresh.stats.built).toBe(1);
    }
  });

  it('keeps why a damaged trace cannot be read, naming it per artifact, without reading it again', () => {
    const { sha256, bytes } = store.put(Buffer.from('PK\u0003\u0004 not really a zip'));
    const first = indexes();
    expect(first.trace({ name: 'a.zip', sha256, bytes }).error).toMatch(/^a\.zip could not be read: not a zip archive/);
    const restarted = indexes();
    const again = restarted.trace({ name: 'b.zip', sha256, bytes });
    expect(again).toMatchObject({ name: 'b.zip', actions: [], frames: [] });
    expect(again.error).toMatch(/^b\.zip could not be read: not a zip archive/);
    expect(restarted.stats).toEqual({ built: 0, fromFile: 1, fromMemory: 0 });
  });

  it('does not keep a failure the bytes did not decide (a missing file)', () => {
    const sha256 = 'a'.repeat(64);
    const indexesOf = indexes();
    expect(indexesOf.trace({ name: 'gone.zip', sha256, bytes: 1 }).error).toMatch(/^gone\.zip could not be read: ENOENT/);
    expect(existsSync(indexFileOf(store.pathOf(sha256)))).toBe(false);
    indexesOf.trace({ name: 'gone.zip', sha256, bytes: 1 });
    expect(indexesOf.stats.built).toBe(2);
  });

  it("stays while an attempt keeps its artifact and goes with it when the store's garbage is collected", () => {
    db.prepare("INSERT INTO datasets (id, name, created_at) VALUES ('d', 'd', 'x')").run();
    db.prepare(`INSERT INTO dataset_versions (id, dataset_id, version, content_hash, csv_hash, schema, source_path, columns_json, extra_columns_json, skipped_json, imported_at)
      VALUES (1, 'd', 1, 'h', 'h', 'current', 'p', '[]', '[]', '[]', 'x')`).run();
    const runs = new RunRepo(db);
    runs.createRun({ id: 'r1', datasetId: 'd', versionId: 1, solver: { kind: 'null' }, concurrency: 1, maxRetries: 0, manifest: {} as never, tasks: [{ questionId: 'q', image: 'i', price: 1 }] });
    const stored = store.put(traceZip());
    runs.addArtifact('r1.q.0.0', { kind: 'trace', name: 't.zip', ...stored });
    indexes().trace({ name: 't.zip', ...stored });
    const file = indexFileOf(store.pathOf(stored.sha256));
    store.collectGarbage();
    expect(existsSync(file)).toBe(true);
    runs.deleteRun('r1');
    store.collectGarbage();
    expect(existsSync(store.pathOf(stored.sha256))).toBe(false);
    expect(existsSync(file)).toBe(false);
  });
});

describe('indexing skips DOM snapshots', () => {
  it('gives the same timeline with or without frame-snapshot events (which carry no time of their own)', () => {
    const events = [
      { type: 'context-options', wallTime: 1_700_000_000_000, monotonicTime: 100 },
      { type: 'before', callId: 'c1', startTime: 110, class: 'Page', method: 'goto', params: { url: 'http://x' } },
      { type: 'after', callId: 'c1', endTime: 160 },
    ];
    const snapshot = { type: 'frame-snapshot', snapshot: { callId: 'c1', snapshotName: 'before@c1', html: ['HTML', {}, 'x'.repeat(10_000)], timestamp: 9_999_999 } };
    const zipOf = (lines: unknown[]): Buffer => makeZip([{ name: 'trace.trace', data: Buffer.from(lines.map((e) => JSON.stringify(e)).join('\n')) }]);
    const without = parseTrace(zipOf(events), { name: 't.zip', sha256: 'x' });
    const withSnapshots = parseTrace(zipOf([events[0], snapshot, events[1], snapshot, events[2], snapshot]), { name: 't.zip', sha256: 'x' });
    expect({ ...withSnapshots, bytes: 0 }).toEqual({ ...without, bytes: 0 });
    expect(without.actions).toHaveLength(1);
  });
});
