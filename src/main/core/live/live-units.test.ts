import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../tests/helpers/temp-dir';
import { openDatabase, type Db } from '../store/database';
import { RunRepo } from '../store/run-repo';
import { ArtifactStore } from './artifact-store';
import { videoStartMs } from './collect-artifacts';
import { JpegSplitter } from './live-screens';
import { listZip, readZipEntry, ZipError, ZipFileReader } from './zip-reader';

const jpeg = (n: number): Buffer => Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.from([n, 0xff, 0x00, n]), Buffer.from([0xff, 0xd9])]);

describe('JpegSplitter', () => {
  it('cuts an MJPEG stream into frames across arbitrary chunk borders', () => {
    const stream = Buffer.concat([Buffer.from('junk'), jpeg(1), jpeg(2), jpeg(3)]);
    const splitter = new JpegSplitter();
    const frames: Buffer[] = [];
    for (let i = 0; i < stream.length; i += 3) frames.push(...splitter.push(stream.subarray(i, i + 3)));
    expect(frames).toEqual([jpeg(1), jpeg(2), jpeg(3)]);
  });
});

describe('videoStartMs', () => {
  it("reads the first frame's wall time from ffmpeg's input description", () => {
    const log = "Input #0, x11grab, from ':99':\n  Duration: N/A, start: 1795240904.058636, bitrate: 98304 kb/s\nOutput #0, mp4";
    expect(videoStartMs(log)).toBe(1795240904059);
    expect(videoStartMs('Output #0, mp4, start: 0.000000')).toBeNull();
  });
});

describe.skipIf(spawnSync('python3', ['--version']).status !== 0)('zip reader', () => {
  it('reads stored and deflated entries written by Python zipfile', () => {
    const { dir, cleanup } = makeTempDir();
    const file = path.join(dir, 't.zip');
    spawnSync('python3', ['-c', `
import zipfile
with zipfile.ZipFile(${JSON.stringify(file)}, 'w') as z:
    z.writestr('trace.trace', '{"type":"before"}\\n' * 100, compress_type=zipfile.ZIP_DEFLATED)
    z.writestr('resources/a.jpeg', b'\\xff\\xd8xx\\xff\\xd9', compress_type=zipfile.ZIP_STORED)
`]);
    const zip = readFileSync(file);
    const entries = listZip(zip);
    expect([...entries.keys()]).toEqual(['trace.trace', 'resources/a.jpeg']);
    expect(readZipEntry(zip, entries.get('trace.trace')!).toString()).toBe('{"type":"before"}\n'.repeat(100));
    expect(readZipEntry(zip, entries.get('resources/a.jpeg')!)).toEqual(Buffer.from([0xff, 0xd8, 0x78, 0x78, 0xff, 0xd9]));
    expect(() => listZip(Buffer.from('not a zip at all, not even close'))).toThrow(ZipError);
    // The same entries read by position from the file, without loading it whole.
    const onDisk = new ZipFileReader(file);
    expect(onDisk.names()).toEqual(['trace.trace', 'resources/a.jpeg']);
    expect(onDisk.read('resources/a.jpeg')).toEqual(Buffer.from([0xff, 0xd8, 0x78, 0x78, 0xff, 0xd9]));
    expect(onDisk.read('trace.trace')?.toString()).toBe('{"type":"before"}\n'.repeat(100));
    expect(onDisk.read('missing')).toBeNull();
    cleanup();
  });
});

describe('ArtifactStore', () => {
  let db: Db;
  let store: ArtifactStore;
  let runs: RunRepo;
  let cleanup: () => void;
  beforeEach(() => {
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    db = openDatabase(path.join(tmp.dir, 'lancer.db'));
    store = new ArtifactStore(tmp.dir, db);
    runs = new RunRepo(db);
    db.prepare("INSERT INTO datasets (id, name, created_at) VALUES ('d', 'd', 'x')").run();
    db.prepare(`INSERT INTO dataset_versions (id, dataset_id, version, content_hash, csv_hash, schema, source_path, columns_json, extra_columns_json, skipped_json, imported_at)
      VALUES (1, 'd', 1, 'h', 'h', 'current', 'p', '[]', '[]', '[]', 'x')`).run();
    for (const id of ['r1', 'r2']) {
      runs.createRun({
        id, datasetId: 'd', versionId: 1, solver: { kind: 'null' }, concurrency: 1, maxRetries: 0,
        manifest: {} as never, tasks: [{ questionId: 'q', image: 'i', price: 1 }],
      });
    }
  });
  afterEach(() => {
    db.close();
    cleanup();
  });

  it('stores identical bytes once and refuses paths that are not hashes', () => {
    const a = store.put(Buffer.from('video'));
    const b = store.put(Buffer.from('video'));
    expect(a).toEqual(b);
    expect(readFileSync(store.pathOf(a.sha256), 'utf8')).toBe('video');
    expect(() => store.pathOf('../../etc/passwd')).toThrow(/not an artifact id/);
  });

  it('deleting a run deletes what only it used and keeps what another run shares', () => {
    const shared = store.put(Buffer.from('shared trace'));
    const own = store.put(Buffer.from('own video'));
    runs.addArtifact('r1.q.0.0', { kind: 'trace', name: 'trace-run1.zip', ...shared });
    runs.addArtifact('r1.q.0.0', { kind: 'video', name: 'video-run1.mp4', ...own });
    runs.addArtifact('r2.q.0.0', { kind: 'trace', name: 'trace-run1.zip', ...shared });
    expect(store.usage()).toMatchObject({ totalBytes: shared.bytes + own.bytes, count: 2 });
    runs.deleteRun('r1');
    expect(store.collectGarbage()).toEqual({ files: 1, bytes: own.bytes });
    expect(() => readFileSync(store.pathOf(own.sha256))).toThrow();
    expect(readFileSync(store.pathOf(shared.sha256), 'utf8')).toBe('shared trace');
    expect(store.usage().byRun).toEqual([{ runId: 'r2', bytes: shared.bytes, sharedBytes: 0 }]);
  });
});
