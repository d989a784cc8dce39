import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Whether a process of this machine is alive (EPERM: it is, but belongs to another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes a lock file in `dir` for work that two processes sharing a data dir (the window and the
 * CLI) must not do at once; a lock whose process is gone is taken over. Returns the release
 * function; throws `busy(pid)` when a live process holds it.
 */
export function takeProcessLock(dir: string, name: string, busy: (pid: number) => string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && isProcessAlive(pid)) throw new Error(busy(pid));
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock ${dir}`);
}
