/**
 * Deleting a run while its attempts run: the run is stopped and its driver awaited first, so no
 * write lands on deleted rows and nothing is left as an unhandled rejection.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeTempDir } from '../../../../tests/helpers/temp-dir';
import { importDataset } from '../dataset/importer';
import { Workbench } from '../workbench';
import { CancelledError, type ContainerRuntime, type ExecOptions, type TaskContainer } from './container-runtime';

const fixtures = path.resolve(import.meta.dirname, '../../../../tests/fixtures');

/** A runtime whose solver step (the gold patch's `git apply`) hangs until the attempt is aborted. */
function hangingRuntime(onSolving: () => void): ContainerRuntime {
  const container: TaskContainer = {
    id: 'c1',
    networkId: 'n1',
    async exec(command: string, opts: ExecOptions) {
      if (command === 'cat /setup_done.txt') return { exitCode: 0, output: 'done\n' };
      if (command === `bash -lc 'pwd'`) return { exitCode: 0, output: '/app/expensify\n' };
      if (command.startsWith('python -c')) return { exitCode: 1, output: 'no route' };
      if (command.includes('git apply')) {
        onSolving();
        // Output keeps arriving while the solver works, as a real one does: the log flush races.
        const ticker = setInterval(() => opts.onOutput?.('still working\n'), 20);
        await new Promise<void>((_, reject) =>
          opts.signal?.addEventListener(
            'abort',
            () => {
              clearInterval(ticker);
              reject(new CancelledError());
            },
            { once: true },
          ),
        );
      }
      return { exitCode: 0, output: '' };
    },
    putFile: async () => undefined,
    getFile: async () => null,
    state: async () => ({ running: true }),
    cutNetwork: async () => undefined,
    joinNetwork: async () => undefined,
    remove: async () => undefined,
    keep: async () => undefined,
  };
  return { start: async () => container, imageId: async (image) => `sha256:${image.length}`, reap: async () => ({ containers: 0, networks: 0 }), listKept: async () => [], removeKept: async () => false };
}

describe('deleting a running run', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = makeTempDir()));
  afterEach(() => cleanup());

  it('stops the run first: no unhandled rejection, no failed write, the run and its rows gone', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const stderr = vi.spyOn(process.stderr, 'write');
    let solving!: () => void;
    const reachedSolving = new Promise<void>((resolve) => (solving = resolve));
    const wb = new Workbench({ dataDir: dir, version: 'test', transport: 'cli', runtime: hangingRuntime(() => solving()) });
    try {
      await importDataset(wb.datasets, { path: path.join(fixtures, 'tasks-current.csv'), name: 'official' });
      const runId = await wb.engine.createRun({ datasetId: 'official', taskIds: ['601', '602_1'], solver: { kind: 'gold' }, concurrency: 2 });
      const driven = wb.engine.start(runId);
      await reachedSolving;
      await new Promise((resolve) => setTimeout(resolve, 100)); // some output is pending in the log batch
      await wb.deleteRun(runId);
      await driven;
      await new Promise((resolve) => setTimeout(resolve, 400)); // past the next log flush
      expect(unhandled).toEqual([]);
      expect(stderr.mock.calls.map((c) => String(c[0])).filter((line) => line.includes('failed'))).toEqual([]);
      expect(wb.runs.listRuns().map((r) => r.id)).not.toContain(runId);
      expect(wb.db.prepare('SELECT count(*) AS n FROM attempts WHERE run_id = ?').get(runId)).toEqual({ n: 0 });
    } finally {
      process.off('unhandledRejection', onUnhandled);
      stderr.mockRestore();
      await wb.close();
    }
  });
});
