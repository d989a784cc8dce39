/**
 * A Workbench for tests of the engine's bookkeeping: real SQLite on a temp data dir, the
 * fixture dataset imported as `official`, and a runtime that never starts a container (it knows
 * every image, so runs can be made; an attempt that starts fails).
 */
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { importDataset } from '../../src/main/core/dataset/importer';
import type { ContainerRuntime } from '../../src/main/core/engine/container-runtime';
import { Workbench } from '../../src/main/core/workbench';
import { makeTempDir } from './temp-dir';

const fixtures = path.resolve(import.meta.dirname, '../fixtures');

export const idleRuntime: ContainerRuntime = {
  start: async () => {
    throw new Error('no container is started in this test');
  },
  imageId: async (image) => `sha256:${image.length}`,
  reap: async () => ({ containers: 0, networks: 0 }),
  listKept: async () => [],
  removeKept: async () => false,
};

/**
 * A fresh such Workbench for each test of the calling `describe`, handed to `use` before the
 * test runs (`let wb: Workbench; useLedgerWorkbench((made) => (wb = made));`), closed after it.
 */
export function useLedgerWorkbench(use: (wb: Workbench) => void): void {
  let wb: Workbench | undefined;
  let cleanup: () => void = () => undefined;
  beforeEach(async () => {
    const temp = makeTempDir();
    cleanup = temp.cleanup;
    wb = new Workbench({ dataDir: temp.dir, version: 'test', transport: 'cli', runtime: idleRuntime });
    await importDataset(wb.datasets, { path: path.join(fixtures, 'tasks-current.csv'), name: 'official' });
    use(wb);
  });
  afterEach(async () => {
    await wb?.close();
    wb = undefined;
    cleanup();
  });
}
