/**
 * Clusters in the UI, in Chromium against serve mode: Settings lists the clusters added with
 * `lancer cluster add` and checks their nodes on request (here a manager that does not answer:
 * the error shows, nothing breaks); the new-run form offers them; a run on a cluster shows the
 * cluster in its facts and the node of each attempt. (The real swarm suite is
 * tests/integration/swarm.test.ts; this one needs no swarm.)
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunManifest } from '../../src/shared/runs';
import { ClusterRepo } from '../../src/main/core/store/cluster-repo';
import { hasChromium, launchChromium } from '../helpers/browser';
import { startTestServer, type TestServer } from '../helpers/workbench-server';

describe.skipIf(!hasChromium)('clusters in the UI', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  const runId = 'run-20261129-120000-c1c2c3';

  beforeAll(async () => {
    t = await startTestServer({ rendererDir: process.env.LANCER_RENDERER_DIR, firstStart: true });
    // As `lancer cluster add` stores it, minus its check (no swarm here): a manager that is gone.
    new ClusterRepo(t.wb.db).put({ name: 'lab', manager: `unix://${path.join(t.dataDir, 'no-such.sock')}`, tlsDir: null });
    const dataset = t.wb.datasets.listDatasets().find((d) => d.id === 'sample')!;
    const manifest: RunManifest = {
      appVersion: 'test',
      createdAt: new Date().toISOString(),
      dataset: { id: dataset.id, versionId: dataset.versionId, version: dataset.version, contentHash: dataset.contentHash },
      taskIds: ['9001', '9002'],
      images: { '9001': { name: 'lancer-sample_9001:latest', id: null }, '9002': { name: 'lancer-sample_9002:latest', id: null } },
      profile: { '9001': 'sample', '9002': 'sample' },
      solver: { kind: 'gold' },
      timeoutsSec: { setup: 600, solve: 600, grade: 600 },
      testRuns: 1,
      maxRetries: 0,
      concurrency: 2,
      limits: { cpus: 2, memoryMb: 4096, shmMb: 2048 },
      host: { platform: 'linux', arch: 'x64', node: process.version, docker: null },
      cluster: { name: 'lab', kind: 'swarm', manager: 'tcp://10.0.0.1:2376', nodes: [{ hostname: 'lab-node-1', cpus: 8, memoryBytes: 32 * 1024 ** 3, docker: '28.2.2' }, { hostname: 'lab-node-2', cpus: 8, memoryBytes: 32 * 1024 ** 3, docker: '28.2.2' }] },
    };
    t.wb.runs.createRun({
      id: runId,
      datasetId: dataset.id,
      versionId: dataset.versionId,
      solver: { kind: 'gold' },
      concurrency: 2,
      maxRetries: 0,
      manifest,
      tasks: [
        { questionId: '9001', image: 'lancer-sample_9001:latest', price: 250 },
        { questionId: '9002', image: 'lancer-sample_9002:latest', price: 500 },
      ],
    });
    const first = t.wb.runs.getRun(runId).attempts.find((a) => a.questionId === '9001')!;
    t.wb.runs.setContainer(first.id, { containerId: 'f00dfeed1234abcd', node: 'lab-node-2' });
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(t.server.url);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('lists the cluster in Settings and shows why its nodes cannot be checked', async () => {
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: 'Clusters' }).waitFor();
    const table = page.getByRole('table', { name: 'clusters' });
    await expect.poll(() => table.textContent()).toContain('lab');
    expect(await table.textContent()).toContain('no-such.sock');
    await table.getByRole('button', { name: 'Check nodes' }).click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'cluster lab' }).textContent()).toMatch(/Swarm manager does not answer/);
  });

  it('offers the cluster in the new-run form', async () => {
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Runs' }).waitFor();
    await page.getByRole('button', { name: 'New run' }).click();
    const where = page.getByRole('form', { name: 'New run' }).getByRole('combobox', { name: 'Runs on' });
    await expect.poll(() => where.locator('option').allTextContents()).toEqual(["this machine's Docker", 'cluster lab']);
  });

  it("shows a cluster run's nodes: the cluster among its facts, each attempt's node", async () => {
    await page.goto(`${t.base}/#/runs/${encodeURIComponent(runId)}`);
    const table = page.getByRole('table', { name: 'Attempts' });
    await table.getByRole('columnheader', { name: 'Node' }).waitFor();
    const nodes = await table.getByTestId('attempt-node').allTextContents();
    expect(nodes).toEqual(['lab-node-2', '—']);
    await expect.poll(() => page.locator('.run-detail').textContent()).toContain('lab (swarm, tcp://10.0.0.1:2376) · 2 nodes: lab-node-1 (8 CPUs), lab-node-2 (8 CPUs)');
  });
});
