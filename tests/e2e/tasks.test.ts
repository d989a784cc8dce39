/**
 * The task browser in serve mode, driven by Debian's Chromium: import through the UI (the
 * server-path field), the tally, search and filters, manager proposals with blind review and a
 * diff, IC tests and patch, task sets, keyboard navigation, the dataset picker, and that
 * hostile markup in task text neither runs nor navigates the app.
 *
 * Each suite starts its own server on a fresh data dir.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/browser';
import { repoRoot, startTestServer, type TestServer } from '../helpers/workbench-server';

const liteCsv = path.resolve(repoRoot, '../shared/data/swelancer/swelancer_tasks_lite.csv');
const liteIssues = path.resolve(repoRoot, '../shared/data/swelancer/issues');
const fixtureCsv = path.join(repoRoot, 'tests/fixtures/tasks-current.csv');
const fixtureIssues = path.join(repoRoot, 'tests/fixtures/issues');
const xssCsv = path.join(repoRoot, 'tests/fixtures/ui/xss.csv');

const hasLite = existsSync(liteCsv) && existsSync(liteIssues);
const hasFixtures = existsSync(fixtureCsv) && existsSync(fixtureIssues);

interface Session {
  t: TestServer;
  browser: Browser;
  page: Page;
  errors: string[];
}

async function open(): Promise<Session> {
  const t = await startTestServer();
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  // Nothing here may leave the machine: links in task text point at example.test and the like.
  await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(t.server.url);
  await page.getByRole('heading', { level: 1, name: 'Tasks' }).waitFor();
  return { t, browser, page, errors };
}

async function close(s: Session | undefined): Promise<void> {
  await s?.browser.close();
  await s?.t.stop();
}

/** Imports a CSV through the dialog's server-path field; returns the result text. */
async function importViaUi(page: Page, csv: string, issuesDir?: string): Promise<string> {
  await page.getByRole('button', { name: 'Import…', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Import tasks' });
  await dialog.getByLabel('CSV path').fill(csv);
  if (issuesDir) await dialog.getByLabel('Issues folder (optional)').fill(issuesDir);
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  const result = dialog.getByTestId('import-result');
  await result.waitFor({ timeout: 60_000 });
  await expect.poll(() => dialog.getByTestId('import-progress').textContent()).toContain('Finished.');
  // Progress events arrive over the WebSocket, matched by the dialog's importId.
  await expect.poll(async () => Number(await dialog.getByTestId('import-progress').getAttribute('data-events'))).toBeGreaterThan(0);
  const text = (await result.textContent()) ?? '';
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'detached' });
  return text;
}

async function summary(page: Page): Promise<{ count: string; dollars: string }> {
  return {
    count: (await page.getByTestId('selection-count').textContent()) ?? '',
    dollars: (await page.getByTestId('selection-dollars').textContent()) ?? '',
  };
}

async function shownIds(page: Page): Promise<string[]> {
  return page.locator('tr.task-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-task-id') ?? ''));
}

/** Opens a task by its row; the search narrows the table so the row is rendered. */
async function openTaskByQuestionId(page: Page, questionId: string): Promise<void> {
  await page.getByLabel('Search tasks').fill(questionId);
  await page.locator(`tr.task-row[data-task-id$="/${questionId}"]`).click();
  await page.getByTestId('task-detail').getByText(questionId, { exact: true }).first().waitFor();
}

async function closeDetail(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Close task' }).click();
  await page.getByTestId('task-detail').waitFor({ state: 'detached' });
}

describe.skipIf(!hasChromium || !hasFixtures)('task browser on the project fixtures', () => {
  let s: Session;
  let page: Page;

  beforeAll(async () => {
    s = await open();
    page = s.page;
  });
  afterAll(() => close(s));

  it('explains how to import when there are no tasks', async () => {
    const empty = page.getByTestId('tasks-empty');
    await empty.waitFor();
    expect(await empty.textContent()).toContain('lancer import <tasks.csv> --issues <issues-dir>');
  });

  it('imports the fixtures through the dialog and shows their count and dollars', async () => {
    const text = await importViaUi(page, fixtureCsv, fixtureIssues);
    expect(text).toContain('Imported 6 tasks');
    expect(text).toContain('$8,000');
    await page.locator('tr.task-row').first().waitFor();
    expect(await summary(page)).toEqual({ count: '6 tasks', dollars: '$8,000' });
    expect(await page.getByTestId('dataset-summary').textContent()).toContain('6 tasks · $8,000');
  });

  it('searches titles and descriptions as you type', async () => {
    const search = page.getByLabel('Search tasks');
    await search.fill('currency');
    await expect.poll(() => shownIds(page)).toEqual(['tasks-current/602_1']);
    await search.fill('café');
    await expect.poll(() => shownIds(page)).toEqual(['tasks-current/602_1']);
    await search.fill('nothing matches this');
    await expect.poll(() => summary(page)).toEqual({ count: '0 tasks', dollars: '$0' });
    await page.getByText('No tasks match.').waitFor();
    await search.fill('');
    await expect.poll(() => summary(page)).toEqual({ count: '6 tasks', dollars: '$8,000' });
  });

  it('filters by variant and price, and sorts by a column', async () => {
    await page.getByRole('combobox', { name: 'Variant' }).selectOption('swe_manager');
    await expect.poll(() => summary(page)).toEqual({ count: '3 tasks', dollars: '$5,250' });
    await page.getByRole('combobox', { name: 'Variant' }).selectOption('');
    await page.getByLabel('Minimum price').fill('1000');
    await expect.poll(() => summary(page)).toEqual({ count: '3 tasks', dollars: '$7,000' });
    await page.getByLabel('Maximum price').fill('1000');
    await expect.poll(() => shownIds(page)).toEqual(['tasks-current/501-manager-0']);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => summary(page)).toEqual({ count: '6 tasks', dollars: '$8,000' });

    const priceHeader = page.getByRole('columnheader', { name: /Price/ });
    await priceHeader.getByRole('button').click();
    expect(await priceHeader.getAttribute('aria-sort')).toBe('ascending');
    expect((await shownIds(page))[0]).toMatch(/\/(603|503-manager-0)$/);
    await priceHeader.getByRole('button').click();
    expect(await priceHeader.getAttribute('aria-sort')).toBe('descending');
    expect((await shownIds(page))[0]).toBe('tasks-current/502-manager-0');
  });

  it('shows a manager task’s proposals with the hired one marked, hides it in blind mode, and diffs two', async () => {
    await openTaskByQuestionId(page, '503-manager-0');
    const detail = page.getByTestId('task-detail');
    await detail.getByRole('tab', { name: 'Proposals (4)' }).click();
    await expect.poll(() => detail.getByTestId('proposal-column').count()).toBe(3);
    const hiredColumn = detail.getByTestId('proposal-column').filter({ has: page.getByTestId('hired-mark') });
    expect(await hiredColumn.count()).toBe(1);
    expect(await hiredColumn.textContent()).toContain('Proposal #1');
    expect(await detail.getByTestId('hired-summary').textContent()).toBe('Hired: #1');
    expect(await detail.getByTestId('proposal-column').nth(1).textContent()).toContain('gwen');

    // Paging shows the fourth proposal.
    await detail.getByRole('button', { name: 'Next proposals' }).click();
    expect(await detail.getByTestId('proposal-range').textContent()).toBe('2–4 of 4');

    await detail.getByLabel('Blind review').check();
    await expect.poll(() => detail.getByTestId('hired-mark').count()).toBe(0);
    const html = String(await page.evaluate(`document.querySelector('[data-testid="task-detail"]').outerHTML`));
    expect(html).toContain('Proposal #3');
    expect(html.toLowerCase()).not.toContain('hired');
    await detail.getByRole('tab', { name: 'Details' }).click();
    expect(((await detail.textContent()) ?? '').toLowerCase()).not.toContain('hired');
    // The choice survives a reload (localStorage), and so does the open task (the URL).
    await page.reload();
    await page.getByTestId('task-detail').getByRole('tab', { name: 'Proposals (4)' }).click();
    await page.getByTestId('proposals-grid').waitFor();
    expect(await page.getByLabel('Blind review').isChecked()).toBe(true);
    expect(await page.locator('.hired, [data-testid=hired-mark], [data-testid=hired-summary]').count()).toBe(0);
    await page.getByLabel('Blind review').uncheck();
    await page.getByTestId('hired-mark').waitFor();

    await page.getByRole('button', { name: 'Compare two' }).click();
    await page.getByLabel('First proposal').selectOption('0');
    await page.getByLabel('Second proposal').selectOption('3');
    const diff = page.getByTestId('proposal-diff');
    await diff.waitFor();
    expect(await diff.locator('tr.diff-add').count()).toBeGreaterThan(0);
    expect(await diff.locator('tr.diff-del').count()).toBeGreaterThan(0);
    expect(await diff.locator('tr.diff-del').first().textContent()).toContain('Any file type is accepted');
    expect(await diff.locator('tr.diff-add').first().textContent()).toContain("Uploads aren't filtered");
    await closeDetail(page);
  });

  it('shows an IC task’s highlighted test, the patch as a diff, and the issue folder’s facts', async () => {
    await openTaskByQuestionId(page, '601');
    const detail = page.getByTestId('task-detail');
    // The description is markdown; its links leave the app.
    const link = detail.getByTestId('task-description').locator('a', { hasText: 'link' });
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');

    await detail.getByRole('tab', { name: 'Tests & patch' }).click();
    const code = detail.getByTestId('code-view').first();
    expect(await code.getAttribute('data-language')).toBe('python');
    expect(await code.locator('.hljs-keyword').count()).toBeGreaterThan(0);
    const patch = detail.getByTestId('patch-view');
    expect(await patch.locator('tr.diff-add, tr.diff-del').count()).toBeGreaterThan(0);
    expect(await patch.locator('tr.diff-hunk').count()).toBeGreaterThan(0);
    expect(await detail.getByTestId('flow-mitm').textContent()).toMatch(/^present/);
    expect(await detail.textContent()).toContain('Commit');
    await closeDetail(page);
  });

  it('navigates with the keyboard', async () => {
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('/');
    expect(await page.evaluate('document.activeElement ? document.activeElement.id : null')).toBe('task-search');
    await page.keyboard.type('negative');
    await expect.poll(() => shownIds(page)).toEqual(['tasks-current/601']);
    await page.keyboard.press('Enter');
    await page.getByTestId('task-detail').waitFor();
    expect(decodeURIComponent(page.url())).toContain('#/tasks/tasks-current/601');
    await page.keyboard.press('Escape');
    await page.getByTestId('task-detail').waitFor({ state: 'detached' });
    await page.getByLabel('Search tasks').fill('');

    const ids = await shownIds(page);
    await page.getByTestId('task-table').focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    const selected = page.locator('tr.task-row[aria-selected="true"]');
    expect(await selected.getAttribute('data-task-id')).toBe(ids[2]);
    await page.keyboard.press('Enter');
    await page.getByTestId('task-detail').waitFor();
    expect(page.url()).toContain(encodeURIComponent(ids[2] ?? ''));
    // With the detail open, the detail follows the selection.
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.url()).toContain(encodeURIComponent(ids[3] ?? ''));
    await page.keyboard.press('Escape');
    await page.getByTestId('task-detail').waitFor({ state: 'detached' });
    expect(page.url()).toMatch(/#\/tasks$/);
  });

  it('saves, loads and deletes task sets', async () => {
    await page.getByRole('combobox', { name: 'Variant' }).selectOption('swe_manager');
    await page.getByRole('button', { name: 'Task sets' }).click();
    const panel = page.getByRole('region', { name: 'Task sets' });
    await panel.getByLabel('Task set name').fill('managers');
    await panel.getByRole('button', { name: 'Save set' }).click();
    await panel.getByRole('status').filter({ hasText: 'Saved “managers” with 3 tasks.' }).waitFor();
    expect(s.t.wb.datasets.listTaskSets().map((t) => [t.name, t.taskIds.length])).toEqual([['managers', 3]]);

    // Checked rows take precedence over the filtered selection.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Check 601').check();
    await page.getByLabel('Check 603').check();
    await panel.getByLabel('Task set name').fill('two ic');
    await panel.getByRole('button', { name: 'Save set' }).click();
    await panel.getByRole('status').filter({ hasText: 'Saved “two ic” with 2 tasks.' }).waitFor();
    await page.getByRole('button', { name: 'Uncheck all' }).click();

    await panel.getByRole('button', { name: 'Load managers' }).click();
    await expect.poll(() => summary(page)).toEqual({ count: '3 tasks', dollars: '$5,250' });
    expect(await page.getByTestId('active-set').textContent()).toContain('managers');
    await page.getByRole('button', { name: 'Stop filtering by managers' }).click();
    await expect.poll(() => summary(page)).toEqual({ count: '6 tasks', dollars: '$8,000' });

    await panel.getByRole('button', { name: 'Delete two ic' }).click();
    await panel.getByRole('button', { name: 'Really delete two ic' }).click();
    await panel.getByRole('status').filter({ hasText: 'Deleted “two ic”.' }).waitFor();
    expect(s.t.wb.datasets.listTaskSets().map((t) => t.name)).toEqual(['managers']);
    await panel.getByRole('button', { name: 'Close task sets' }).click();
  });

  it('shows an import error that names the problem', async () => {
    await page.getByRole('button', { name: 'Import…', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Import tasks' });
    await dialog.getByLabel('CSV path').fill(path.join(repoRoot, 'tests/fixtures/no-such-file.csv'));
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('no-such-file.csv');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('raised no page errors', () => {
    expect(s.errors).toEqual([]);
  });
});

describe.skipIf(!hasChromium || !hasLite)('task browser on the official Lite CSV', () => {
  let s: Session;
  let page: Page;

  beforeAll(async () => {
    s = await open();
    page = s.page;
  });
  afterAll(() => close(s));

  it('imports Lite through the dialog: 174 tasks, $377,000', async () => {
    const text = await importViaUi(page, liteCsv, liteIssues);
    expect(text).toContain('Imported 174 tasks');
    expect(text).toContain('$377,000');
    expect(text).toContain('6 issue folders linked');
    await page.locator('tr.task-row').first().waitFor();
    expect(await summary(page)).toEqual({ count: '174 tasks', dollars: '$377,000' });
  });

  it('keeps only the rows in view in the DOM', async () => {
    const rendered = await page.locator('tr.task-row').count();
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(60);
  });

  it('filters by variant, search and price', async () => {
    await page.getByRole('combobox', { name: 'Variant' }).selectOption('swe_manager');
    await expect.poll(() => summary(page)).toEqual({ count: '113 tasks', dollars: '$202,000' });
    await page.getByRole('combobox', { name: 'Variant' }).selectOption('ic_swe');
    await expect.poll(() => summary(page)).toEqual({ count: '61 tasks', dollars: '$175,000' });
    await page.getByRole('combobox', { name: 'Tests' }).selectOption('yes');
    await expect.poll(() => summary(page)).toEqual({ count: '6 tasks', dollars: '$14,000' });
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Search tasks').fill('bold');
    await expect.poll(async () => (await shownIds(page)).length).toBeGreaterThan(0);
    for (const title of await page.locator('tr.task-row td.col-title').allTextContents()) expect(title.length).toBeGreaterThan(0);
    await page.getByLabel('Search tasks').fill('');
    await page.getByLabel('Minimum price').fill('8000');
    const rows = await page.locator('tr.task-row td.col-price').allTextContents();
    expect(rows.length).toBeGreaterThan(0);
    for (const price of rows) expect(Number(price.replace(/[$,]/g, ''))).toBeGreaterThanOrEqual(8000);
    await page.getByRole('button', { name: 'Clear filters' }).click();
  });

  it('moves the selection with the keyboard and keeps it in view', async () => {
    await page.getByTestId('task-table').focus();
    await page.keyboard.press('End');
    const last = page.locator('tr.task-row[aria-selected="true"]');
    await expect.poll(() => last.getAttribute('aria-rowindex')).toBe('175');
    const box = await last.boundingBox();
    const pane = await page.getByTestId('task-table').boundingBox();
    expect(box && pane && box.y >= pane.y && box.y + box.height <= pane.y + pane.height + 1).toBe(true);
    await page.keyboard.press('Home');
    await expect.poll(() => page.locator('tr.task-row[aria-selected="true"]').getAttribute('aria-rowindex')).toBe('2');
    for (let i = 0; i < 40; i++) await page.keyboard.press('ArrowDown');
    const row = page.locator('tr.task-row[aria-selected="true"]');
    expect(await row.getAttribute('aria-rowindex')).toBe('42');
    const rowBox = await row.boundingBox();
    expect(rowBox && pane && rowBox.y + rowBox.height <= pane.y + pane.height + 1).toBe(true);
  });

  it('marks the hired proposal of a Lite manager task', async () => {
    await openTaskByQuestionId(page, '15193-manager-0');
    const detail = page.getByTestId('task-detail');
    await detail.getByRole('tab', { name: /^Proposals/ }).click();
    expect(await detail.getByTestId('hired-summary').textContent()).toBe('Hired: #4');
    await detail.getByLabel('Columns shown').selectOption('5');
    await detail.getByRole('button', { name: 'Next proposals' }).click();
    await detail.getByTestId('hired-mark').waitFor();
    expect(await detail.getByTestId('proposal-column').filter({ has: page.getByTestId('hired-mark') }).textContent()).toContain('Proposal #4');
    await closeDetail(page);
  });

  it('shows a Lite IC task’s test and patch', async () => {
    await openTaskByQuestionId(page, '14268');
    const detail = page.getByTestId('task-detail');
    await detail.getByRole('tab', { name: 'Tests & patch' }).click();
    expect(await detail.getByTestId('code-view').first().locator('.hljs-keyword').count()).toBeGreaterThan(0);
    expect(await detail.getByTestId('patch-view').locator('tr.diff-add').count()).toBeGreaterThan(0);
    expect(await detail.getByTestId('flow-mitm').textContent()).toMatch(/^present, \d+/);
    await closeDetail(page);
  });

  it.skipIf(!hasFixtures)('offers a dataset picker once two datasets exist', async () => {
    await importViaUi(page, fixtureCsv, fixtureIssues);
    const cards = page.getByTestId('dataset-card');
    await expect.poll(() => cards.count()).toBe(3);
    const lite = cards.filter({ hasText: 'swelancer_tasks_lite' });
    const liteText = (await lite.textContent()) ?? '';
    expect(liteText).toContain('174 tasks · $377,000');
    expect(liteText).toContain('IC SWE 61 · $175,000');
    expect(liteText).toContain('Manager 113 · $202,000');
    // The dataset just imported is the one shown.
    expect(await cards.filter({ hasText: 'tasks-current' }).getAttribute('aria-checked')).toBe('true');
    expect(await summary(page)).toEqual({ count: '6 tasks', dollars: '$8,000' });
    await lite.click();
    await expect.poll(() => summary(page)).toEqual({ count: '174 tasks', dollars: '$377,000' });
    await cards.filter({ hasText: 'All datasets' }).click();
    await expect.poll(() => summary(page)).toEqual({ count: '180 tasks', dollars: '$385,000' });
  });

  it('raised no page errors', () => {
    expect(s.errors).toEqual([]);
  });
});

describe.skipIf(!hasChromium)('hostile markup in task text', () => {
  let s: Session;
  let page: Page;

  beforeAll(async () => {
    s = await open();
    page = s.page;
  });
  afterAll(() => close(s));

  it('imports a CSV whose text carries markup, uploaded from the browser', async () => {
    await page.getByRole('button', { name: 'Import…', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Import tasks' });
    await dialog.getByLabel('Upload a file').check();
    await dialog.getByLabel('CSV file').setInputFiles(xssCsv);
    await dialog.getByLabel('Dataset name (optional)').fill('xss');
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    const result = dialog.getByTestId('import-result');
    await result.waitFor();
    expect(await result.textContent()).toContain('Imported 2 tasks worth $800 as xss version 1');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.locator('tr.task-row').first().waitFor();
  });

  // The page's globals that the injected markup would set if any of it ran.
  const injected = (): Promise<unknown> =>
    page.evaluate(`['__xssScript', '__xssImg', '__xssHref', '__xssHover', '__xssSvg', '__xssProposal'].map((k) => window[k] ?? null)`);

  it('renders a description without scripts, handlers, frames or forms', async () => {
    await openTaskByQuestionId(page, '9001');
    const description = page.getByTestId('task-description');
    await description.getByText('Injected content').waitFor();
    // Written as page-side source: this file is type-checked without the DOM library.
    const audit = await page.evaluate(`((root) => ({
      dangerous: root.querySelectorAll('script, iframe, svg, form, input, button, object, embed, style').length,
      handlers: [...root.querySelectorAll('*')].flatMap((el) => el.getAttributeNames().filter((a) => a.startsWith('on'))),
      jsLinks: [...root.querySelectorAll('a')].filter((a) => /^\\s*javascript:/i.test(a.getAttribute('href') ?? '')).length,
      images: root.querySelectorAll('img').length,
    }))(document.querySelector('[data-testid="task-description"]'))`);
    expect(audit).toEqual({ dangerous: 0, handlers: [], jsLinks: 0, images: 0 });
    expect(await description.textContent()).toContain('[image: broken]');
    await description.getByText('hover me').hover();
    await description.getByText('js link').click();
    await page.waitForTimeout(300);
    expect(await injected()).toEqual([null, null, null, null, null, null]);
  });

  it('opens description links outside the app and never navigates it', async () => {
    const description = page.getByTestId('task-description');
    const link = description.getByRole('link', { name: 'the report' });
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    const before = page.url();
    const [popup] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
    await popup.close();
    expect(page.url()).toBe(before);
    // A link into the app's own routes loses its href instead of steering the app.
    const inApp = description.getByText('an in-app link');
    expect(await inApp.getAttribute('href')).toBeNull();
    await inApp.click();
    expect(page.url()).toBe(before);
    await closeDetail(page);
  });

  it('renders proposals without running their markup', async () => {
    await openTaskByQuestionId(page, '9002-manager-0');
    const detail = page.getByTestId('task-detail');
    await detail.getByRole('tab', { name: /^Proposals/ }).click();
    const grid = detail.getByTestId('proposals-grid');
    await grid.waitFor();
    expect(await grid.locator('script, img, [onerror]').count()).toBe(0);
    await page.waitForTimeout(300);
    expect(await injected()).toEqual([null, null, null, null, null, null]);
  });

  it('raised no page errors', () => {
    expect(s.errors).toEqual([]);
  });
});
