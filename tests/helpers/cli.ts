/**
 * The `lancer` command line as the CLI suites run it: a separate Node process on one data dir,
 * from the repository's bin/lancer.js, its output captured.
 */
import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './workbench-server';

export const lancerJs = path.join(repoRoot, 'bin', 'lancer.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A `lancer(...args)` bound to a data dir (passed as --data-dir); 5 minutes at most per call. */
export function lancerIn(dataDir: string): (...args: string[]) => CliResult {
  return (...args) => {
    const r = spawnSync(process.execPath, [lancerJs, ...args, '--data-dir', dataDir], { cwd: repoRoot, encoding: 'utf8', timeout: 5 * 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
}

/**
 * The same without blocking this process: for suites whose servers (a scripted model) run in
 * the test process and must keep answering while lancer runs. `env` is added to this process's.
 */
export function lancerAsyncIn(dataDir: string, env: NodeJS.ProcessEnv = {}): (...args: string[]) => Promise<{ status: number; stdout: string; stderr: string }> {
  return (...args) =>
    new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        [lancerJs, ...args, '--data-dir', dataDir],
        { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 5 * 60_000, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error && typeof error.code !== 'number') reject(error);
          else resolve({ status: error ? (error.code as number) : 0, stdout, stderr });
        },
      );
    });
}
