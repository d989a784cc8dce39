/**
 * Large attempt artifacts (videos, traces, logs, patches) as files named by their SHA-256 under
 * `<data dir>/artifacts`, so the same bytes are stored once however many attempts use them, and
 * the database keeps only hash, size and kind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ArtifactStorageError, isNoSpace } from '../engine/attempt-faults';
import type { Db } from '../store/database';

export class ArtifactStore {
  readonly root: string;

  constructor(
    dataDir: string,
    private readonly db: Db,
  ) {
    this.root = path.join(dataDir, 'artifacts');
  }

  /** The file of an artifact; the hash is checked so no caller can name another path. */
  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not an artifact id: ${sha256}`);
    return path.join(this.root, sha256.slice(0, 2), sha256);
  }

  /**
   * Stores bytes (once per content); returns their hash and size. A full disk throws an
   * ArtifactStorageError naming `name` and the free space, and leaves no partial file behind.
   */
  put(data: Buffer, name = 'an artifact'): { sha256: string; bytes: number } {
    const sha256 = createHash('sha256').update(data).digest('hex');
    const target = this.pathOf(sha256);
    if (!existsSync(target)) {
      // Write beside, then rename: a crash never leaves a half-written file under a valid hash.
      const tmp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(tmp, data);
        renameSync(tmp, target);
      } catch (error) {
        // The partial temp file would hold the very space the rest of the run (and SQLite) needs.
        rmSync(tmp, { force: true });
        if (isNoSpace(error)) throw new ArtifactStorageError(name, data.length, this.freeBytes(), this.root, error);
        throw error;
      }
    }
    return { sha256, bytes: data.length };
  }

  /** Bytes an unprivileged writer may still use on the store's file system, or null if unknown. */
  freeBytes(): number | null {
    for (let dir = this.root; ; dir = path.dirname(dir)) {
      try {
        const fs = statfsSync(dir);
        return fs.bavail * fs.bsize;
      } catch {
        if (path.dirname(dir) === dir) return null;
      }
    }
  }

  /**
   * Deletes artifact rows no attempt uses any more, and their files; also files with no row
   * (left by a crash between write and record). Returns bytes freed.
   */
  collectGarbage(): { files: number; bytes: number } {
    const orphans = this.db
      .prepare('SELECT sha256, bytes FROM artifacts WHERE sha256 NOT IN (SELECT sha256 FROM attempt_artifacts)')
      .all() as { sha256: string; bytes: number }[];
    let files = 0;
    let bytes = 0;
    this.db.transaction(() => {
      const del = this.db.prepare('DELETE FROM artifacts WHERE sha256 = ?');
      for (const o of orphans) del.run(o.sha256);
    })();
    for (const o of orphans) {
      const file = this.pathOf(o.sha256);
      if (existsSync(file)) {
        rmSync(file, { force: true });
        files += 1;
        bytes += o.bytes;
      }
    }
    const known = new Set((this.db.prepare('SELECT sha256 FROM artifacts').all() as { sha256: string }[]).map((r) => r.sha256));
    if (existsSync(this.root)) {
      for (const shard of readdirSync(this.root)) {
        for (const name of readdirSync(path.join(this.root, shard))) {
          if (!known.has(name.slice(0, 64))) {
            const file = path.join(this.root, shard, name);
            bytes += statSync(file).size;
            rmSync(file, { force: true });
            files += 1;
          }
        }
      }
    }
    return { files, bytes };
  }

  /** Bytes stored, in all and per run. */
  usage(): { totalBytes: number; count: number; byRun: { runId: string; bytes: number; sharedBytes: number }[] } {
    const total = this.db.prepare('SELECT coalesce(sum(bytes), 0) AS b, count(*) AS n FROM artifacts').get() as { b: number; n: number };
    const byRun = this.db
      .prepare(`SELECT at.run_id AS runId,
          coalesce(sum(a.bytes), 0) AS bytes,
          coalesce(sum(CASE WHEN (SELECT count(DISTINCT t2.run_id) FROM attempt_artifacts aa2 JOIN attempts t2 ON t2.id = aa2.attempt_id WHERE aa2.sha256 = a.sha256) > 1 THEN a.bytes ELSE 0 END), 0) AS sharedBytes
        FROM (SELECT DISTINCT t.run_id, aa.sha256 FROM attempt_artifacts aa JOIN attempts t ON t.id = aa.attempt_id) at
        JOIN artifacts a ON a.sha256 = at.sha256 GROUP BY at.run_id ORDER BY at.run_id`)
      .all() as { runId: string; bytes: number; sharedBytes: number }[];
    return { totalBytes: total.b, count: total.n, byRun };
  }
}
