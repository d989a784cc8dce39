/**
 * A small real tmpfs for tests of a full disk (root only), and a filler that leaves it with a
 * chosen number of free bytes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Tmpfs {
  dir: string;
  /** Bytes still free on it. */
  free(): number;
  /** Writes `name` so that about `bytes` stay free (never negative; tmpfs counts 4 kB pages). */
  fillLeaving(bytes: number, name?: string): void;
  unmount(): void;
}

/** Whether tmpfs can be mounted here (Linux, root). */
export function canMountTmpfs(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0;
}

/** Mounts a tmpfs of `sizeBytes` on a fresh temp folder. */
export function mountTmpfs(sizeBytes: number): Tmpfs {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lancer-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir]);
  const free = (): number => {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  };
  return {
    dir,
    free,
    fillLeaving(bytes, name = 'filler.bin') {
      const size = Math.max(0, free() - bytes);
      writeFileSync(path.join(dir, name), Buffer.alloc(size));
    },
    unmount() {
      spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
