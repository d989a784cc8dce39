/**
 * CLI agents and grading flags in Chromium against serve mode on a fresh data dir: the Grading
 * setting on the Settings page; the New run form's Agent select listing the four CLI agents with
 * the state of their caches (none downloaded here, and nothing is downloaded: no agents.fetch is
 * sent), Start held back until a chosen agent can run, a custom command line enabling it; and a
 * finished agent run written straight into the ledger whose attempt's gradings differ, showing
 * its badges in the run's header, on its row and on the attempt with what is behind them.
 *
 * Needs no Docker: nothing is run. Skips without Chromium.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_USAGE, type BuiltinSolverSpec } from '../../src/shared/agents';
import type { Settings } from '../../src/shared/domain';
import type { GradingRecord, LeftProcess, OutsideRepoChange, RunManifest } from '../../src/shared/runs';
import { hasChromium, launchChromium } from '../helpers/browser';
import { sampleCsv, sampleIssues } from '../helpers/sample-images';
import { callChannel, startTestServer, type TestServer } from '../helpers/workbench-server';

const RUN_ID = 'run-e2e-flags';
const AT = '2026-11-29T10:00:00.000Z';

const solver: BuiltinSolverSpec = {
  kind: 'builtin',
  agent: { name: 'custom', command: 'my-agent --prompt-file "$LANCER_PROMPT_FILE"', env: {} },
  endpoint: {
    name: null,
    baseUrl: 'http://127.0.0.1:9/v1',
    model: 'scripted-model',
    apiKey: { source: 'none' },
    prices: { inputPerM: 3, cachedInputPerM: 0.3, outputPerM: 15 },
    contextTokens: null,
    params: {},
  },
  protocol: 'tools',
  limits: { maxTurns: 40, maxTokens: null, attemptBudgetUsd: null, wallTimeSec: 3600, actionTimeoutSec: 600, observationMaxChars: 20_000 },
  budgetUsd: null,
};

/** 9001's gradings: passed in the solver's container (it changed the tests), failed in a clean one. */
const grading: GradingRecord = {
  mode: 'both',
  official: { outcome: 'passed', earned: 250, exitCodes: [0] },
  clean: { outcome: 'failed', earned: 0, exitCodes: [1] },
  differs: true,
};
const outside: OutsideRepoChange[] = [
  { path: '/app/tests/test_send_on_enter.py', area: 'tests', change: 'modified' },
  { path: '/root/.bashrc', area: 'shell-startup', change: 'modified' },
];
const left: LeftProcess[] = [{ pid: 4242, command: 'node /tmp/fake-server.js' }];

/** A finished custom-agent run of 9001 (flagged) and 9002 (nothing to flag), as the ledger holds it. */
function seedFlaggedRun(t: TestServer): { flaggedId: string; cleanId: string } {
  const dataset = t.wb.datasets.listDatasets().find((d) => d.id === 'sample');
  if (!dataset) throw new Error('the sample dataset was not imported');
  const manifest: RunManifest = {
    appVersion: 'test',
    createdAt: AT,
    dataset: { id: 'sample', versionId: dataset.versionId, version: dataset.version, contentHash: 'e2e' },
    taskIds: ['9001', '9002'],
    images: { '9001': { name: 'lancer-sample_9001:latest', id: null }, '9002': { name: 'lancer-sample_9002:latest', id: null } },
    profile: { '9001': 'sample', '9002': 'sample' },
    solver,
    timeoutsSec: { setup: 1200, solve: 1800, grade: 1200 },
    testRuns: 1,
    maxRetries: 0,
    grading: 'both',
    concurrency: 1,
    limits: { cpus: 2, memoryMb: 4096, shmMb: 2048 },
    host: { platform: 'linux', arch: 'x64', node: process.version, docker: null },
  };
  const usage = { ...NO_USAGE, requests: 4, inputTokens: 20_000, outputTokens: 900, costUsd: 0.0735 };
  t.wb.runs.insertFinishedRun({ id: RUN_ID, datasetId: 'sample', versionId: dataset.versionId, solver, manifest, at: AT }, [
    { questionId: '9001', attemptIndex: 0, state: 'failed', image: 'lancer-sample_9001:latest', price: 250, earned: 0, usage },
    { questionId: '9002', attemptIndex: 0, state: 'passed', image: 'lancer-sample_9002:latest', price: 500, earned: 500, usage },
  ]);
  const attempts = t.wb.runs.getRun(RUN_ID).attempts;
  const flaggedId = attempts.find((a) => a.questionId === '9001')!.id;
  const cleanId = attempts.find((a) => a.questionId === '9002')!.id;
  const set = t.wb.db.prepare('UPDATE attempts SET grading_json = ?, outside_changes_json = ?, processes_left_json = ?, agent_usage_json = ? WHERE id = ?');
  // The agent's own log counted a quarter fewer input tokens than the proxy did.
  set.run(JSON.stringify(grading), JSON.stringify(outside), JSON.stringify(left), JSON.stringify({ inputTokens: 15_000, cachedTokens: 0, outputTokens: 900, reasoningTokens: 0 }), flaggedId);
  const agreed: GradingRecord = { mode: 'both', official: { outcome: 'passed', earned: 500 }, clean: { outcome: 'passed', earned: 500 }, differs: false };
  set.run(JSON.stringify(agreed), '[]', '[]', JSON.stringify({ inputTokens: 20_010, cachedTokens: 0, outputTokens: 900, reasoningTokens: 0 }), cleanId);
  return { flaggedId, cleanId };
}

describe.skipIf(!hasChromium)('CLI agents and grading flags in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  /** Every channel the page called: none of them may fetch an agent. */
  const calls: string[] = [];
  let flaggedId = '';
  let cleanId = '';

  beforeAll(async () => {
    // LANCER_RENDERER_DIR: a renderer built elsewhere, for a run while the shared out/ is rebuilt.
    t = await startTestServer({ rendererDir: process.env.LANCER_RENDERER_DIR });
    await callChannel(t, 'datasets.import', { path: sampleCsv, issuesDir: sampleIssues, name: 'sample' });
    ({ flaggedId, cleanId } = seedFlaggedRun(t));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('request', (r) => {
      const match = /\/api\/invoke\/([\w.]+)/.exec(r.url());
      if (match?.[1]) calls.push(match[1]);
    });
    await page.goto(t.server.url);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('sets how agents are graded on the Settings page', async () => {
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    // A label's name includes its help text: the field is found by how the name starts.
    const select = page.getByRole('combobox', { name: /^Grading/ });
    await expect.poll(() => select.inputValue()).toBe('both');
    await select.selectOption('clean');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect((await callChannel<Settings>(t, 'settings.get', {})).gradingMode).toBe('clean');
  });

  it('lists the four CLI agents with their state, and starts a custom agent only once its command is typed', async () => {
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Runs' }).waitFor();
    await page.getByRole('button', { name: 'New run' }).click();
    const form = page.getByRole('form', { name: 'New run' });
    await form.getByRole('combobox', { name: 'Dataset' }).selectOption('sample');
    await form.getByRole('textbox', { name: 'Question ids' }).fill('9001');
    // The run's grading defaults to the setting for agents.
    await form.getByRole('radio', { name: /Model agent \(built-in\), CLI agent or custom command/ }).check();
    const runGrading = form.getByRole('combobox', { name: /^Grading/ });
    expect(await runGrading.locator('option[value=""]').textContent()).toBe('default: clean (Settings)');

    const fields = form.getByRole('group', { name: 'Model agent' });
    const agentSelect = fields.getByRole('combobox', { name: /^Agent/ });
    await expect.poll(() => agentSelect.locator('option').count()).toBe(6);
    const labels = await agentSelect.locator('option').allTextContents();
    expect(labels[0]).toBe('Built-in agent (runs on the host)');
    expect(labels.slice(1, 5)).toEqual([
      expect.stringMatching(/^Codex CLI \d+\.\d+\.\d+ — not downloaded \(\d+ MB\)$/),
      expect.stringMatching(/^opencode \d+\.\d+\.\d+ — not downloaded \(\d+(\.\d+)? MB\)$/),
      expect.stringMatching(/^Claude Code \d+\.\d+\.\d+ — not downloaded \(\d+ MB\)$/),
      expect.stringMatching(/^Qwen Code \d+\.\d+\.\d+ — not downloaded \(\d+(\.\d+)? MB\)$/),
    ]);
    expect(labels[5]).toBe('Custom command line');

    // The built-in agent, given a server, can start; the protocol is its choice only.
    await fields.getByRole('textbox', { name: 'Base URL' }).fill('http://127.0.0.1:9/v1');
    await fields.getByRole('textbox', { name: 'Model', exact: true }).fill('scripted-model');
    const start = form.getByRole('button', { name: 'Start run' });
    expect(await start.isEnabled()).toBe(true);
    expect(await fields.getByRole('combobox', { name: 'Protocol' }).count()).toBe(1);

    // A CLI agent that is not downloaded holds the run back and offers its download (not pressed here).
    await agentSelect.selectOption('codex');
    await expect.poll(() => start.isDisabled()).toBe(true);
    expect(await fields.getByRole('button', { name: /^Download \(\d+ MB\)$/ }).count()).toBe(1);
    expect(await form.getByTestId('start-blocker').textContent()).toMatch(/Download Codex CLI first/);
    expect(await fields.getByRole('combobox', { name: 'Protocol' }).count()).toBe(0);

    // A custom agent needs its command line; with it, Start is enabled.
    await agentSelect.selectOption('custom');
    const command = fields.getByRole('textbox', { name: /^Command line/ });
    await command.waitFor();
    expect(await start.isDisabled()).toBe(true);
    expect(await fields.textContent()).toContain('OPENAI_BASE_URL, OPENAI_API_KEY, ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY, LANCER_MODEL, LANCER_PROMPT_FILE');
    await command.fill('my-agent --prompt-file "$LANCER_PROMPT_FILE"');
    await expect.poll(() => start.isEnabled()).toBe(true);
    expect(await form.getByTestId('start-blocker').count()).toBe(0);

    expect(calls).toContain('agents.list');
    expect(calls).not.toContain('agents.fetch');
    await form.getByRole('button', { name: 'Close' }).click();
  });

  it("shows a flagged attempt's badges in the run's header, on its row and on the attempt", async () => {
    await page.locator(`a[href="#/runs/${RUN_ID}"]`).click();
    const header = page.getByTestId('run-flags');
    await header.waitFor();
    expect(await header.locator('[data-flag]').allTextContents()).toEqual([
      '1 attempt: grading differs',
      '1 attempt: changed outside the repository',
      '1 attempt: left processes running',
      '1 attempt: tokens disagree',
    ]);

    const flaggedRow = page.locator(`tr.attempt-row[data-attempt-id="${flaggedId}"]`);
    const cleanRow = page.locator(`tr.attempt-row[data-attempt-id="${cleanId}"]`);
    expect(await flaggedRow.getByTestId('attempt-flag').allTextContents()).toEqual(['grading differs', 'outside repo', 'processes left', 'tokens disagree']);
    expect(await cleanRow.getByTestId('attempt-flag').count()).toBe(0);

    await flaggedRow.click();
    const attempt = page.getByRole('region', { name: 'Attempt 9001' });
    await attempt.waitFor();
    expect(await attempt.locator('.attempt-kicker [data-flag="grading-differs"]').textContent()).toBe('grading differs');
    const gradings = attempt.getByTestId('grading');
    expect(await gradings.getByRole('note').textContent()).toMatch(/passed in the solver's container,\s+failed in a clean one: the clean result counts/);
    expect(await gradings.locator('tr[data-grading="official"] [data-state]').textContent()).toBe('passed');
    expect(await gradings.locator('tr[data-grading="clean"] [data-state]').textContent()).toBe('failed');
    expect(await gradings.locator('tr[data-grading="clean"]').textContent()).toContain('counted');
    expect(await gradings.locator('tr[data-grading="official"]').textContent()).not.toContain('counted');

    const changes = attempt.getByTestId('outside-changes');
    expect(await changes.locator('tbody tr').allTextContents()).toEqual([
      '/app/tests/test_send_on_enter.pyhidden testsmodified',
      '/root/.bashrcshell start-up filemodified',
    ]);
    expect(await attempt.getByTestId('processes-left').locator('tbody tr').textContent()).toBe('4242node /tmp/fake-server.js');

    // The agent's own count beside the proxy's, flagged: 15k against 20k input tokens.
    const own = attempt.getByTestId('agent-own-usage');
    expect(await own.textContent()).toMatch(/^15\.9k · in 15k · out 900 · from its log/);
    expect(await own.getByTestId('tokens-disagree').textContent()).toBe('tokens disagree');
    expect(await attempt.getByTestId('usage-tokens').textContent()).toBe('20.9k');

    // The attempt whose gradings agree carries no badge and shows no disagreement.
    await cleanRow.click();
    const quiet = page.getByRole('region', { name: 'Attempt 9002' });
    await quiet.waitFor();
    expect(await quiet.getByTestId('attempt-flag').count()).toBe(0);
    expect(await quiet.getByTestId('tokens-disagree').count()).toBe(0);
    expect(await quiet.getByText('None: the solver changed nothing outside the repository that is watched.').count()).toBe(1);
    expect(pageErrors).toEqual([]);
  });
});
