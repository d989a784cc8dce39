/**
 * The first hour: a new data dir opens on the bundled sample's 13 tasks, and "Try the sample
 * benchmark" builds the images and lands on a gold run of them, in Chromium with real Docker.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/browser';
import { canRunSample, ensureSampleImages } from '../helpers/sample-images';
import path from 'node:path';
import { repoRoot, startTestServer, type TestServer } from '../helpers/workbench-server';

const MINUTE = 60_000;
const ready = hasChromium && (await canRunSample());

describe.skipIf(!ready)('first start in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await ensureSampleImages(); // the click below then finds them up to date, as on a second try
    t = await startTestServer({ firstStart: true });
    browser = await launchChromium();
    page = await browser.newPage();
  }, 10 * MINUTE);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('shows the sample tasks at once, and one click leads to a gold run on screen', async () => {
    await page.goto(t.server.url);
    await page.getByRole('heading', { level: 1, name: 'Tasks' }).waitFor();
    await expect.poll(() => page.locator('tr.task-row').count(), { timeout: 15_000 }).toBe(13);
    const card = page.getByTestId('try-sample');
    await card.getByRole('button', { name: /Build images and grade the gold patches/ }).click();
    await expect.poll(() => page.url(), { timeout: 3 * MINUTE }).toMatch(/#\/runs\/run-/);
    const runId = decodeURIComponent(/#\/runs\/([^/]+)/.exec(page.url())![1]!);
    const run = t.wb.runs.getRun(runId);
    expect(run.solver).toEqual({ kind: 'gold' });
    expect(run.tally.tasks).toBe(13);
    // The run is on screen and moving: an attempt row reaches a live or final state.
    await expect.poll(() => page.locator('tr.attempt-row').count(), { timeout: 30_000 }).toBe(13);
    t.wb.engine.cancel(runId);
  }, 5 * MINUTE);

  it('imports the sample only once: a data dir that already has datasets is left as it is', async () => {
    expect(t.wb.firstStart).toBe(true);
    const before = t.wb.datasets.listDatasets();
    // The real resources: only the "already has datasets" check can make this null.
    expect(await t.wb.seedSampleBenchmark(path.join(repoRoot, 'resources'))).toBeNull();
    expect(t.wb.datasets.listDatasets()).toEqual(before);
  });
});
