/**
 * The artifact store on a real full disk (a 1 MB tmpfs; needs root to mount, skipped without):
 * the error names the artifact and the free space, and no partial file stays behind.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactStorageError } from '../engine/attempt-faults';
import { openDatabase, type Db } from '../store/database';
import { ArtifactStore } from './artifact-store';

const isRoot = process.platform === 'linux' && process.getuid?.() === 0;

describe.skipIf(!isRoot)('ArtifactStore on a full disk', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lancer-artifacts-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
    // The ledger lives elsewhere here: this test is about the store's own writes.
    db = openDatabase(':memory:');
  });
  afterEach(() => {
    db.close();
    spawnSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses what does not fit with a clear error and removes its temp file', () => {
    const store = new ArtifactStore(dir, db);
    const big = Buffer.alloc(2 * 1024 * 1024, 7);
    let error: unknown;
    try {
      store.put(big, 'video-run1.mp4');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ArtifactStorageError);
    expect((error as Error).message).toMatch(/^no space to store artifact video-run1\.mp4 \(2\.1 MB\) under .*\/artifacts: [\d.]+ (B|kB|MB) free \(ENOSPC\)$/);
    const left = readdirSync(path.join(dir, 'artifacts'), { recursive: true }).map(String);
    expect(left.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // The space came back: what fits is stored.
    const small = store.put(Buffer.from('a log'), 'pytest-run1.log');
    expect(small.bytes).toBe(5);
  });
});
