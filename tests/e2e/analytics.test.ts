/**
 * The Results page as the analytics page, in Debian's Chromium against serve mode, the real
 * Docker daemon and the sample benchmark: a gold run (through the API) and a null run with two
 * attempts per task (from the New run form, with its new fields) of two sample tasks, one of
 * them a manager task; then Results picks both, draws their charts (Plot's SVG, under the app's
 * CSP), shows the compare matrix, McNemar's p and the earned difference exactly as `reports.get`
 * answered, the drift naming `solver.kind`, says what "Exclude suspect tasks" left out, and
 * exports the report as JSON, a chart as SVG and PNG and a breakdown as CSV.
 *
 * Skips when Chromium is missing or no Docker daemon answers (fails instead under CI=true).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Download, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report, ReportRequest } from '../../src/shared/reports';
import type { RunManifest, RunSummary, RunView } from '../../src/shared/runs';
import { hasChromium, launchChromium } from '../helpers/browser';
import { canRunSample, ensureSampleImages, sampleCsv, sampleIssues } from '../helpers/sample-images';
import { callChannel, repoRoot, startTestServer, type TestServer } from '../helpers/workbench-server';

const ready = hasChromium && (await canRunSample());

/** Two IC tasks and a manager task: the smallest set that has both variants and two price buckets. */
const TASKS = ['9001', '9101-manager-0'];

async function waitFinished(t: TestServer, runId: string): Promise<RunView> {
  await expect
    .poll(async () => (await callChannel<RunView>(t, 'runs.get', { runId })).status, { timeout: 20 * 60_000, interval: 2_000 })
    .toBe('finished');
  return callChannel<RunView>(t, 'runs.get', { runId });
}

/** The answer the page gets to its next `reports.get`, with the question it asked. */
async function nextReport(page: Page, action: () => Promise<void>): Promise<{ request: ReportRequest; report: Report }> {
  const [response] = await Promise.all([
    page.waitForResponse((r: Response) => r.url().endsWith('/api/invoke/reports.get'), { timeout: 60_000 }),
    action(),
  ]);
  const request = (JSON.parse(response.request().postData() ?? '{}') as { input: ReportRequest }).input;
  const body = (await response.json()) as { ok: boolean; value: Report; error?: { message: string } };
  if (!body.ok) throw new Error(`reports.get: ${body.error?.message ?? 'failed'}`);
  return { request, report: body.value };
}

async function downloaded(page: Page, click: () => Promise<void>): Promise<{ download: Download; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), click()]);
  return { download, bytes: readFileSync(await download.path()) };
}

describe.skipIf(!ready)('analytics on the Results page, in Chromium, with real Docker runs', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let goldRunId = '';
  let nullRunId = '';
  /** What the page showed last: both runs, gold first (A), null second (B). */
  let shown: { request: ReportRequest; report: Report };

  beforeAll(async () => {
    await ensureSampleImages();
    t = await startTestServer();
    await callChannel(t, 'datasets.import', { path: sampleCsv, issuesDir: sampleIssues, name: 'sample' });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
    // Every CSP violation on the page is recorded: the charts must work under the app's policy.
    // (A script as text: this file is compiled without the DOM's types.)
    await context.addInitScript({
      content: `window.cspViolations = [];
        document.addEventListener('securitypolicyviolation', (e) =>
          window.cspViolations.push([location.hash, e.violatedDirective, e.blockedURI, e.sourceFile + ':' + e.lineNumber].join(' ')));`,
    });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) pageErrors.push(m.text());
    });
    await page.goto(t.server.url);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
  }, 25 * 60_000); // a cold machine builds the sample images first

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('runs gold through the API and null from the New run form with two attempts per task', { timeout: 25 * 60_000 }, async () => {
    ({ runId: goldRunId } = await callChannel<{ runId: string }>(t, 'runs.start', { datasetId: 'sample', taskIds: TASKS, solver: { kind: 'gold' } }));

    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Runs' }).waitFor();
    const form = page.getByRole('form', { name: 'New run' });
    const openButton = page.getByRole('button', { name: 'New run' });
    await Promise.race([form.waitFor(), openButton.waitFor()]);
    if (!(await form.isVisible())) await openButton.click();
    await form.getByRole('combobox', { name: 'Dataset' }).selectOption('sample');
    await form.getByRole('textbox', { name: 'Question ids' }).fill(TASKS.join(', '));
    await form.getByRole('radio', { name: /Null/ }).check();
    await form.getByLabel('Attempts per task').fill('2');
    await form.getByRole('checkbox', { name: 'Exclude suspect tasks (gold failed them)' }).check();
    await expect.poll(() => form.getByTestId('new-run-preview').textContent()).toMatch(new RegExp(`^${TASKS.length} tasks · \\$`));
    const before = page.url();
    const [started] = await Promise.all([
      page.waitForRequest((r) => r.url().endsWith('/api/invoke/runs.start')),
      form.getByRole('button', { name: 'Start run' }).click(),
    ]);
    // The form's two new fields are in what it sends.
    expect((JSON.parse(started.postData() ?? '{}') as { input: unknown }).input).toMatchObject({ attempts: 2, excludeSuspect: true, solver: { kind: 'null' } });
    await expect.poll(() => page.url(), { timeout: 30_000 }).not.toBe(before);
    nullRunId = decodeURIComponent(/#\/runs\/([^/]+)/.exec(page.url())?.[1] ?? '');
    expect(nullRunId).toMatch(/^run-/);

    const gold = await waitFinished(t, goldRunId);
    const nul = await waitFinished(t, nullRunId);
    // The run view gets the manifest's head; its task list comes with the whole manifest.
    expect(gold.manifest.taskCount).toBe(TASKS.length);
    expect((await callChannel<RunManifest>(t, 'runs.manifest', { runId: goldRunId })).taskIds).toEqual(TASKS);
    // Two attempts per task were made (less any task left out as suspect).
    expect(nul.manifest.attemptsPerTask).toBe(2);
    expect(nul.tally.attempts).toBe(2 * (TASKS.length - (nul.manifest.excludedSuspect?.length ?? 0)));
  });

  it('picks both runs on Results and draws their charts', { timeout: 120_000 }, async () => {
    await page.getByRole('link', { name: 'Results', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Results' }).waitFor();
    const pick = (runId: string) => page.getByRole('checkbox', { name: `Pick run ${runId}` });
    await pick(goldRunId).waitFor();

    // The newest finished run is picked to begin with.
    const runs = await callChannel<RunSummary[]>(t, 'runs.list', {});
    const newest = [goldRunId, nullRunId].sort((a, b) => {
      const at = (id: string): string => runs.find((r) => r.id === id)?.finishedAt ?? '';
      return at(b).localeCompare(at(a));
    })[0];
    await expect.poll(() => pick(newest ?? '').isChecked()).toBe(true);
    await page.locator('.report-area[data-status="ready"]').waitFor({ timeout: 60_000 });

    // Gold first (A, the baseline), then null (B).
    // (Unpicking the only picked run asks nothing, so gold is picked before null is let go.)
    if (await pick(nullRunId).isChecked()) {
      await nextReport(page, () => pick(goldRunId).check());
      await nextReport(page, () => pick(nullRunId).uncheck());
    }
    shown = await nextReport(page, () => pick(nullRunId).check());
    expect(shown.request).toEqual({ runIds: [goldRunId, nullRunId], excludeSuspect: false });
    expect(shown.report.runs.map((r) => r.runId)).toEqual([goldRunId, nullRunId]);
    await page.locator('.report-area[data-status="ready"]').waitFor();
    const letters = page.locator('.results-table tr[data-run-id] [data-testid="pick-letter"]');
    expect(await page.locator(`.results-table tr[data-run-id="${goldRunId}"] [data-testid="pick-letter"]`).textContent()).toBe('A');
    expect(await page.locator(`.results-table tr[data-run-id="${nullRunId}"] [data-testid="pick-letter"]`).textContent()).toBe('B');
    expect(await letters.count()).toBe(2);

    // Summary cards carry the report's numbers.
    for (const [i, run] of shown.report.runs.entries()) {
      const cards = page.locator(`section.summary-cards[data-run-id="${run.runId}"]`);
      expect(Number(await cards.getByTestId('card-pass-rate').locator('[data-value]').getAttribute('data-value'))).toBe(run.summary.passRate);
      expect(Number(await cards.getByTestId('card-earned').locator('[data-value]').getAttribute('data-value'))).toBe(run.summary.earned);
      expect(await cards.locator('h3').textContent()).toContain(i === 0 ? 'A · gold' : 'B · null');
    }
    // Null changes nothing, so it passes nothing. (Gold normally passes all, but a loaded machine
    // can time a test out; the page must show whatever the report says, so that is not assumed.)
    expect(shown.report.runs[1]?.summary.passed).toBe(0);

    // Breakdown charts: Plot's SVG with one bar per run and graded group, and error bars.
    const byPrice = page.getByRole('figure', { name: 'Pass rate by price bucket' });
    const priceBars = shown.report.runs.reduce((n, r) => n + r.byPriceBucket.filter((b) => b.tasks > 0).length, 0);
    expect(priceBars).toBeGreaterThanOrEqual(2);
    await expect.poll(() => byPrice.locator('svg.lancer-plot g[aria-label="bar"] rect').count()).toBe(priceBars);
    expect(await byPrice.locator('svg g[aria-description="error bar"] line').count()).toBe(3 * priceBars);
    const byVariant = page.getByRole('figure', { name: 'Pass rate by variant' });
    const variantBars = shown.report.runs.reduce((n, r) => n + [r.byVariant.ic_swe, r.byVariant.swe_manager].filter((b) => b && b.tasks > 0).length, 0);
    expect(await byVariant.locator('svg g[aria-label="bar"] rect').count()).toBe(variantBars);
    expect(await page.getByRole('figure', { name: 'Earned by price bucket' }).locator('svg g[aria-label="bar"] rect').count()).toBe(2 * priceBars);
    // Bars have a real size: the chart was laid out, not just created.
    const box = await byPrice.locator('svg g[aria-label="bar"] rect').first().boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(4);
    // No <style> inside the charts: their styling comes from the app's stylesheet.
    expect(await page.locator('svg.lancer-plot style').count()).toBe(0);

    // The null run repeated its tasks: pass@k curves; the manager task: the manager view.
    expect(await page.getByRole('figure', { name: 'pass@k and pass^k' }).locator('svg g[aria-description="pass@k"] path').count()).toBeGreaterThan(0);
    expect(shown.report.runs.some((r) => r.manager !== null)).toBe(true);
    expect(await page.getByRole('figure', { name: 'Manager accuracy vs chance' }).locator('svg g[aria-label="bar"] rect').count()).toBeGreaterThan(0);
    expect(await page.getByRole('figure', { name: 'Earned against spent' }).locator('svg g[aria-label="dot"] circle').count()).toBe(2);
  });

  it('shows the compare matrix, p and earned difference as reports.get gave them, and the drift', { timeout: 60_000 }, async () => {
    const compare = shown.report.compare;
    if (!compare) throw new Error('a report of two runs has a comparison');
    expect([compare.a, compare.b]).toEqual([goldRunId, nullRunId]);
    const section = page.getByRole('region', { name: 'Compare A · gold with B · null' });
    const matrix = section.getByRole('table', { name: 'Pass matrix' });
    expect(await matrix.getByTestId('matrix-both-pass').textContent()).toBe(String(compare.bothPass));
    expect(await matrix.getByTestId('matrix-only-a').textContent()).toBe(String(compare.onlyA));
    expect(await matrix.getByTestId('matrix-only-b').textContent()).toBe(String(compare.onlyB));
    expect(await matrix.getByTestId('matrix-neither').textContent()).toBe(String(compare.neither));
    // Null passes nothing: no task can pass in B.
    expect(compare.onlyB + compare.bothPass).toBe(0);
    expect(compare.onlyA + compare.neither).toBe(compare.tasks);
    expect(Number(await section.getByTestId('mcnemar-p').getAttribute('data-value'))).toBe(compare.mcnemarP);
    expect(await section.getByTestId('mcnemar-p').textContent()).toBe(compare.mcnemarP < 0.001 ? '< 0.001' : compare.mcnemarP.toFixed(3));
    expect(Number(await section.getByTestId('earned-diff').getAttribute('data-value'))).toBe(compare.earnedDiff);
    expect(compare.earnedDiff).toBeGreaterThanOrEqual(0);

    const drift = section.getByRole('list', { name: 'Drift' });
    expect(await drift.locator('li[data-field="solver.kind"]').textContent()).toMatch(/^solver\.kind: .*gold.* → .*null/);
    expect(await drift.locator('li').count()).toBe(compare.drift.length);

    // The same question asked directly gives the same numbers (seeded bootstrap).
    const direct = await callChannel<Report>(t, 'reports.get', { runIds: [goldRunId, nullRunId] });
    expect({ ...direct, generatedAt: '' }).toEqual({ ...shown.report, generatedAt: '' });

    // Per-task rows in the report's order, and each side's filter.
    const rows = section.getByRole('table', { name: 'Tasks compared' }).locator('tbody tr');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-question-id')))).toEqual(compare.rows.map((r) => r.questionId));
    await section.getByRole('radio', { name: /^Solved only by B/ }).check();
    await expect.poll(() => rows.count()).toBe(compare.onlyB);
    await section.getByRole('radio', { name: /^Solved only by A/ }).check();
    await expect.poll(() => rows.count()).toBe(compare.onlyA);
  });

  it('exports the report as JSON, a chart as SVG and PNG, and a breakdown as CSV', { timeout: 60_000 }, async () => {
    const stem = `report-${goldRunId}-and-1-more`;
    const json = await downloaded(page, () => page.getByRole('button', { name: 'Export JSON' }).click());
    expect(json.download.suggestedFilename()).toBe(`${stem}.json`);
    expect(JSON.parse(json.bytes.toString('utf8'))).toEqual(shown.report);

    const figure = page.getByRole('figure', { name: 'Pass rate by price bucket' });
    const svg = await downloaded(page, () => figure.getByRole('button', { name: 'Download “Pass rate by price bucket” as SVG' }).click());
    expect(svg.download.suggestedFilename()).toBe(`${stem}-by-price-pass-rate.svg`);
    const svgText = svg.bytes.toString('utf8');
    expect(svgText).toMatch(/^<\?xml[^>]*>\n<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svgText.match(/<rect /g)?.length ?? 0).toBeGreaterThan(4);

    const png = await downloaded(page, () => figure.getByRole('button', { name: 'Download “Pass rate by price bucket” as PNG' }).click());
    expect(png.download.suggestedFilename()).toBe(`${stem}-by-price-pass-rate.png`);
    expect(png.bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.bytes.length).toBeGreaterThan(2000);

    const csv = await downloaded(page, () => figure.getByRole('button', { name: 'Download “Pass rate by price bucket” data as CSV' }).click());
    expect(csv.download.suggestedFilename()).toBe(`${stem}-by-price.csv`);
    const lines = csv.bytes.toString('utf8').replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]?.startsWith('run_id,group,price_min,price_max,tasks')).toBe(true);
    const buckets = shown.report.runs.reduce((n, r) => n + r.byPriceBucket.length, 0);
    expect(lines).toHaveLength(1 + buckets);

    // One run's own breakdown, named after it.
    const details = page.getByRole('region', { name: 'Tasks of A · gold' });
    await details.locator('summary', { hasText: 'More CSV' }).click();
    const own = await downloaded(page, () => details.getByRole('button', { name: 'By price bucket' }).click());
    expect(own.download.suggestedFilename()).toBe(`report-${goldRunId}-by-price.csv`);
  });

  it('says plainly which tasks "Exclude suspect tasks" left out', { timeout: 60_000 }, async () => {
    const toggled = await nextReport(page, () => page.getByRole('checkbox', { name: 'Exclude suspect tasks' }).check());
    expect(toggled.request).toEqual({ runIds: [goldRunId, nullRunId], excludeSuspect: true });
    const notice = page.getByTestId('excluded-notice');
    await notice.waitFor();
    const excluded = toggled.report.runs.flatMap((r) => r.excluded.map((e) => e.questionId));
    if (excluded.length === 0) {
      // Gold passed every task here: nothing is suspect, and the page says so.
      expect(await notice.textContent()).toContain('Nothing was left out');
    } else {
      for (const id of excluded) expect(await notice.textContent()).toContain(id);
    }
    const direct = await callChannel<Report>(t, 'reports.get', { runIds: [goldRunId, nullRunId], excludeSuspect: true });
    expect(direct.runs.map((r) => r.excluded)).toEqual(toggled.report.runs.map((r) => r.excluded));
  });

  it('imports an official results.csv from the page and picks it beside the others', { timeout: 60_000 }, async () => {
    await nextReport(page, () => page.getByRole('checkbox', { name: 'Exclude suspect tasks' }).uncheck());
    await page.getByRole('button', { name: 'Import results…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import results' });
    await dialog.getByLabel('Dataset').selectOption('sample');
    // Serve mode: the file is chosen in the browser and its text sent (the server cannot read the user's disk).
    await dialog.getByLabel('results.csv').setInputFiles(path.join(repoRoot, 'tests/fixtures/results/sample-3x3.csv'));
    const next = await nextReport(page, () => dialog.getByRole('button', { name: 'Import', exact: true }).click());
    await dialog.waitFor({ state: 'hidden' });
    expect(next.request.runIds.slice(0, 2)).toEqual([goldRunId, nullRunId]);
    const imported = next.report.runs[2]!;
    expect(imported.solver).toBe('imported sample-3x3.csv');
    // The fixture: 3 tasks × 3 attempts, 4 passed.
    expect(imported).toMatchObject({ attemptsPerTask: 3, summary: { tasks: 3, attempts: 9, passed: 4 } });
    await expect.poll(() => page.locator(`.results-table tr[data-run-id="${imported.runId}"] [data-testid="pick-letter"]`).textContent()).toBe('C');
  });

  it('raised no page errors and no CSP violations', async () => {
    const violations = await page.evaluate<string[]>('window.cspViolations ?? []');
    // Nothing at all: not while Results draws, no style, and no eval probe at load (zod runs jitless).
    expect(violations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
