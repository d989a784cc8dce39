/**
 * Runs, Results and Images in serve mode, driven by Debian's Chromium against the real Docker
 * daemon and the sample benchmark's images: a gold run of 9001 started from the New run form,
 * followed live (state, log, a reload in the middle) to `passed` with $250 of $250, its attempt's
 * grader output, patch and log (line for line what the ledger holds), the manifest export, the
 * Results and Images pages, and pause / resume / cancel of a two-task run.
 *
 * Skips when Chromium is missing, no Docker daemon answers, or the sample images are not built
 * (`lancer images build sample`).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/browser';
import { canRunSample, dockerCli, ensureSampleImages, hasImage, sampleCsv, sampleIssues } from '../helpers/sample-images';
import { callChannel, startTestServer, type TestServer } from '../helpers/workbench-server';

// Suites build the sample images themselves (a no-op when up to date), so a cold machine runs
// them rather than skipping; they skip only without Chromium, Docker or the sample benchmark.
const ready = hasChromium && (await canRunSample());


const LIVE_STATES = ['starting', 'setup', 'solving', 'grading'];
const FINAL_STATES = ['passed', 'failed', 'timeout', 'error', 'cancelled'];

const call = callChannel;

/** The newest try of a task (a try that hit a system error is retried in a new row below it). */
function attemptRow(page: Page, questionId: string): Locator {
  return page.locator(`tr.attempt-row[data-question-id="${questionId}"]`).last();
}

function runIdFromUrl(url: string): string {
  const match = /#\/runs\/([^/]+)/.exec(url);
  if (!match?.[1]) throw new Error(`no run in ${url}`);
  return decodeURIComponent(match[1]);
}

/** Opens the New run form (it is open by itself while there are no runs) and starts a run. */
async function startRunFromForm(page: Page, ids: string, concurrency?: number): Promise<string> {
  await page.getByRole('link', { name: 'Runs', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Runs' }).waitFor();
  const form = page.getByRole('form', { name: 'New run' });
  const openButton = page.getByRole('button', { name: 'New run' });
  // Once the run list has loaded exactly one of them shows: the form (no runs yet) or the button.
  await Promise.race([form.waitFor(), openButton.waitFor()]);
  if (!(await form.isVisible())) await openButton.click();
  await form.getByRole('combobox', { name: 'Dataset' }).selectOption('sample');
  await form.getByRole('textbox', { name: 'Question ids' }).fill(ids);
  await form.getByRole('radio', { name: /Gold patches/ }).check();
  if (concurrency !== undefined) await form.getByLabel('Concurrency').fill(String(concurrency));
  const count = ids.split(',').length;
  await expect.poll(() => form.getByTestId('new-run-preview').textContent()).toMatch(new RegExp(`^${count} tasks? · \\$`));
  const before = page.url();
  await form.getByRole('button', { name: 'Start run' }).click();
  await expect.poll(() => page.url(), { timeout: 30_000 }).not.toBe(before);
  return runIdFromUrl(page.url());
}

describe.skipIf(!ready)('runs, results and images in Chromium, with real Docker', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  let goldRunId = '';

  beforeAll(async () => {
    await ensureSampleImages();
    t = await startTestServer();
    // The dataset comes in through the API, as a script would bring it.
    const report = await call<{ taskCount: number }>(t, 'datasets.import', { path: sampleCsv, issuesDir: sampleIssues, name: 'sample' });
    expect(report.taskCount).toBe(13);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1440, height: 960 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(t.server.url);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
  }, 25 * 60_000); // a cold machine builds the sample images first

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('starts a gold run of 9001 from the form and follows it live, across a reload, to passed', { timeout: 240_000 }, async () => {
    goldRunId = await startRunFromForm(page, '9001');
    expect(goldRunId).toMatch(/^run-\d{8}-\d{6}-[0-9a-f]{6}$/);
    const row = attemptRow(page, '9001');
    await row.waitFor();
    // The attempt opens while it runs: its log streams in from events.
    await row.click();
    await expect.poll(() => page.url()).toContain(`#/runs/${goldRunId}/${goldRunId}.9001.0.0`);
    const log = page.getByTestId('attempt-log');
    await log.waitFor();

    // A reload in the middle picks the run up where it is: snapshot first, then newer events.
    await page.reload();
    await page.getByTestId('attempt-log').waitFor();
    expect(['queued', ...LIVE_STATES]).toContain(await row.getAttribute('data-state'));

    // While it is live, its elapsed time ticks.
    await expect.poll(async () => (await row.getAttribute('data-state')) ?? '', { timeout: 60_000 }).toMatch(/^(setup|solving|grading|passed)$/);
    if (LIVE_STATES.includes((await row.getAttribute('data-state')) ?? '')) {
      const elapsed = row.getByTestId('elapsed');
      const first = await elapsed.textContent();
      await expect.poll(() => elapsed.textContent(), { timeout: 5_000 }).not.toBe(first);
    }

    await expect.poll(() => attemptRow(page, '9001').getAttribute('data-state'), { timeout: 180_000, interval: 500 }).toBe('passed');
    // The passing try is the one to look at (normally the first; a system error would add one).
    const attemptId = (await attemptRow(page, '9001').getAttribute('data-attempt-id')) ?? '';
    if (!page.url().endsWith(attemptId)) await attemptRow(page, '9001').click();
    const summary = page.getByTestId('run-summary');
    await expect.poll(() => summary.getByTestId('earned-amount').textContent()).toBe('$250');
    expect(await summary.getByTestId('available-amount').textContent()).toBe('$250');
    await expect.poll(() => page.locator('.run-head [data-status]').getAttribute('data-status')).toBe('finished');
    expect(await summary.locator('[data-outcome="passed"]').textContent()).toContain('1');

    // The grader's test run exited 0; the gold patch is shown as a diff.
    const grader = page.getByTestId('grader');
    await grader.waitFor();
    expect(await grader.getByTestId('exit-code').first().textContent()).toBe('0');
    expect(await grader.textContent()).toContain('tests passed');
    expect(await page.locator('.attempt-detail pre.diff .d-add').count()).toBeGreaterThan(0);
    const phases = await page.locator('.phases-table tbody td:first-child').allTextContents();
    expect(phases).toEqual(expect.arrayContaining(['setup', 'solving', 'grading']));

    // The log shows every stored line exactly once: nothing lost, nothing doubled by the events.
    const stored = t.wb.runs.logs(attemptId);
    expect(stored.length).toBeGreaterThan(5);
    await expect.poll(() => page.locator('[data-testid="attempt-log"] .log-line').count(), { timeout: 10_000 }).toBe(stored.length);
    const shownText = (await log.textContent()) ?? '';
    expect(shownText).toContain('waiting for /setup_done.txt');
    expect(shownText).toContain(stored[stored.length - 1]?.text ?? '');
  });

  it('keeps the run and the open attempt across a reload, and exports the manifest', { timeout: 60_000 }, async () => {
    await page.reload();
    await page.getByTestId('grader').waitFor();
    expect(await attemptRow(page, '9001').getAttribute('data-state')).toBe('passed');
    expect(await page.getByTestId('log-count').textContent()).toMatch(/^\d+ lines$/);

    const manifest = page.getByTestId('manifest');
    await manifest.locator('summary').click();
    // The per-task lists are asked for when the panel opens.
    await manifest.getByText('lancer-sample_9001:latest', { exact: true }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), manifest.getByRole('button', { name: 'Export manifest' }).click()]);
    expect(download.suggestedFilename()).toBe(`${goldRunId}.manifest.json`);
    const file = await download.path();
    const exported = JSON.parse(readFileSync(file, 'utf8')) as { runId: string; taskIds: string[]; dataset: { contentHash: string }; solver: { kind: string } };
    expect(exported.runId).toBe(goldRunId);
    expect(exported.taskIds).toEqual(['9001']);
    expect(exported.solver.kind).toBe('gold');
    expect(exported.dataset.contentHash).toMatch(/^[0-9a-f]{16,}$/);

    // Closing the attempt keeps the run; the list shows its tally.
    await page.getByRole('link', { name: 'Close attempt' }).click();
    await expect.poll(() => page.url()).toMatch(new RegExp(`#/runs/${goldRunId}$`));
    const item = page.locator(`.run-item[data-run-id="${goldRunId}"]`);
    expect(await item.textContent()).toContain('1 passed');
    expect(await item.textContent()).toContain('$250');
  });

  it('lists the finished run on the Results page', { timeout: 30_000 }, async () => {
    await page.getByRole('link', { name: 'Results', exact: true }).click();
    const row = page.locator(`.results-table tr[data-run-id="${goldRunId}"]`);
    await row.waitFor();
    expect(await row.getByTestId('pass-rate').textContent()).toBe('100%');
    expect(await row.getByTestId('earned').textContent()).toContain('$250');
    expect(await page.getByTestId('earnings-chart').locator(`g[data-run-id="${goldRunId}"]`).count()).toBe(1);
  });

  it('lists the sample images with their total size on the Images page', { timeout: 60_000 }, async () => {
    await page.getByRole('link', { name: 'Images', exact: true }).click();
    await page.locator('tr[data-image="lancer-sample_9001:latest"]').waitFor({ timeout: 45_000 });
    expect(await page.locator('tr[data-image^="lancer-sample"]').count()).toBeGreaterThan(1);
    expect(await page.getByTestId('images-total').textContent()).toMatch(/^\d+(\.\d+)? (kB|MB|GB|TB)$/);
    expect(await page.getByRole('button', { name: 'Build sample images' }).isEnabled()).toBe(true);
  });

  it('follows an image build from its progress events to the failing step', { timeout: 30_000 }, async () => {
    // The build itself is the image builder's business (and slow); its events are what the page shows.
    const panel = page.getByTestId('build-panel');
    const base = { buildId: 'build-e2e', phase: 'task', image: 'lancer-sample_9001:latest' };
    t.wb.events.emit('images.progress', { ...base, message: 'building' });
    t.wb.events.emit('images.progress', { ...base, step: 2, totalSteps: 5, message: 'Step 2/5 : COPY issues/9001 /app/tests/issues/9001' });
    const bar = panel.getByRole('progressbar', { name: 'Build progress' });
    await expect.poll(() => bar.getAttribute('value')).toBe('0.4');
    expect(await panel.textContent()).toContain('step 2/5');
    const error = 'building lancer-sample_9001:latest failed at step 3/5 (RUN npm ci): exit code 1';
    t.wb.events.emit('images.progress', { ...base, phase: 'done', image: '', message: error, done: true, finished: { ok: false, error } });
    await expect.poll(() => panel.getByRole('alert').textContent()).toContain('failed at step 3/5');
    expect(await bar.count()).toBe(0);
  });

  it('asks before removing an image and shows why Docker refuses one in use', { timeout: 90_000 }, async () => {
    const tag = `lancer-e2e-probe:${Date.now().toString(36)}`;
    const container = `lancer-e2e-probe-${Date.now().toString(36)}`;
    // A tiny image with the workbench's label (so it is listed), used by a created container.
    execFileSync('docker', ['build', '-q', '-t', tag, '-'], {
      input: 'FROM scratch\nLABEL app=lancer-workbench lancer.kind=e2e-probe\n',
      stdio: ['pipe', 'ignore', 'ignore'],
      timeout: 60_000,
    });
    try {
      execFileSync('docker', ['create', '--name', container, tag, 'true'], { stdio: 'ignore', timeout: 30_000 });
      await page.getByRole('button', { name: 'Refresh' }).click();
      const row = page.locator(`tr[data-image="${tag}"]`);
      await row.waitFor({ timeout: 30_000 });
      expect(await row.textContent()).toContain('e2e-probe');

      await row.getByRole('button', { name: 'Remove' }).click();
      const confirm = row.getByRole('group', { name: `Remove ${tag}?` });
      await confirm.getByRole('button', { name: 'Keep' }).click();
      expect(await confirm.count()).toBe(0);
      await row.getByRole('button', { name: 'Remove' }).click();
      await confirm.getByRole('button', { name: 'Remove', exact: true }).click();
      const refusal = page.locator('tr.row-error').getByRole('alert');
      await expect.poll(() => refusal.textContent(), { timeout: 30_000 }).toContain('still uses it');
      expect(hasImage(tag)).toBe(true);

      dockerCli(['rm', '-f', container]);
      await row.getByRole('button', { name: 'Remove' }).click();
      await confirm.getByRole('button', { name: 'Remove', exact: true }).click();
      await row.waitFor({ state: 'detached', timeout: 30_000 });
      expect(hasImage(tag)).toBe(false);
    } finally {
      dockerCli(['rm', '-f', container]);
      dockerCli(['rmi', '-f', tag]);
    }
  });

  it('pauses, resumes and cancels a run of two tasks at concurrency 1', { timeout: 180_000 }, async () => {
    const runId = await startRunFromForm(page, '9001, 9002', 1);
    const first = attemptRow(page, '9001');
    const second = attemptRow(page, '9002');
    // Its container is up and setting up: cancelling now has something to stop.
    await expect.poll(() => first.getAttribute('data-state'), { timeout: 60_000, interval: 200 }).toMatch(/^(setup|solving|grading)$/);
    expect(await second.getAttribute('data-state')).toBe('queued');
    const status = page.locator('.run-head [data-status]');
    const controls = page.locator('.run-controls');

    await controls.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => status.getAttribute('data-status')).toBe('paused');
    // Pausing lets the running attempt go on and starts nothing new.
    expect(LIVE_STATES).toContain(await first.getAttribute('data-state'));
    expect(await second.getAttribute('data-state')).toBe('queued');
    expect(await controls.getByRole('button', { name: 'Pause' }).isDisabled()).toBe(true);
    expect(await controls.getByRole('button', { name: 'Resume' }).isEnabled()).toBe(true);

    await controls.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => status.getAttribute('data-status')).toBe('running');

    expect(LIVE_STATES).toContain(await first.getAttribute('data-state'));
    await controls.getByRole('button', { name: 'Cancel run' }).click();
    await controls.getByRole('button', { name: 'Yes, cancel' }).click();
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 15_000 }).toBe('cancelled');
    await expect.poll(() => second.getAttribute('data-state'), { timeout: 15_000 }).toBe('cancelled');
    // The running attempt is stopped too, and its container goes.
    await expect.poll(() => first.getAttribute('data-state'), { timeout: 60_000 }).toBe('cancelled');
    for (const state of await page.locator('tr.attempt-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state')))) {
      expect(FINAL_STATES).toContain(state);
    }
    expect(await controls.getByRole('button', { name: 'Cancel run' }).isDisabled()).toBe(true);
    expect(await controls.getByRole('button', { name: 'Resume' }).isDisabled()).toBe(true);
    await expect
      .poll(() => dockerCli(['ps', '-aq', '--filter', `label=lancer.run=${runId}`])?.trim(), { timeout: 60_000, interval: 1000 })
      .toBe('');
    const item = page.locator(`.run-item[data-run-id="${runId}"] [data-status]`);
    expect(await item.getAttribute('data-status')).toBe('cancelled');
  });

  it('raised no page errors', () => {
    expect(errors).toEqual([]);
  });
});
