/**
 * The built-in model agent in Chromium against serve mode and the real Docker daemon: an
 * endpoint saved on the Settings page (pointing at a scripted OpenAI-compatible server, its key
 * stored and never shown), an agent run of sample task 9001 started from the New run form, its
 * transcript streaming in while the attempt works (beside the live screen), the fix passing the
 * grader with tokens and dollars shown on Runs and Results, and the replay's timeline of the
 * agent's steps, its user-tool run and the grading run, where a step goes to its moment.
 *
 * The model is a script (no weights can be had here), so every reply is exact: what is asserted
 * is the workbench's behaviour. Skips without Chromium, Docker or the sample benchmark.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSpentPerEarned, formatTokens, formatUsd, totalTokens } from '../../src/renderer/src/features/agent/usage-format';
import { hasChromium, launchChromium } from '../helpers/browser';
import { canRunSample, ensureSampleImages, sampleCsv, sampleIssues } from '../helpers/sample-images';
import { startScriptedModelServer, type ScriptedModelServer } from '../helpers/scripted-model-server';
import { callChannel, startTestServer, type TestServer } from '../helpers/workbench-server';

const MINUTE = 60_000;
const ready = hasChromium && (await canRunSample());
const KEY = 'sk-e2e-AGENT-kq8wz3m1x7v4-5550123';
const LIVE_STATES = ['starting', 'setup', 'solving', 'grading'];

/** The fix of sample issue 9001: Enter sends, Shift+Enter makes a new line. */
const FIX = {
  path: 'public/app.js',
  old_str: "if (event.key === 'Enter' && event.shiftKey && !event.isComposing) {",
  new_str: "if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {",
};

type VideoProps = Record<'currentTime' | 'duration', number>;
/** The little of an element the checks read (no DOM types here: this file compiles for Node). */
type BoxElement = { getBoundingClientRect(): { top: number; bottom: number }; closest(selector: string): BoxElement | null };
const videoProp = (video: Locator, prop: keyof VideoProps): Promise<number> => video.evaluate((v, p) => Number((v as unknown as VideoProps)[p]), prop);

const call = callChannel;

describe.skipIf(!ready)('the built-in agent in Chromium, on the sample benchmark in Docker', () => {
  let t: TestServer;
  let model: ScriptedModelServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  /** Every answer of the server the page read, searched for the key at the end. */
  const bodies: string[] = [];
  let runId = '';
  let attemptId = '';

  beforeAll(async () => {
    await ensureSampleImages();
    // Looks, edits, runs the user tool, finishes; a pause before each reply lets the steps arrive one by one.
    model = await startScriptedModelServer({
      requireKey: KEY,
      script: [
        { delayMs: 1500 },
        { toolCalls: [{ name: 'bash', arguments: { command: "grep -n 'shiftKey' public/app.js" } }], usage: { promptTokens: 1200, completionTokens: 40, cachedTokens: 200 } },
        { delayMs: 1500 },
        { text: 'The condition is inverted; fixing it.', toolCalls: [{ name: 'edit_file', arguments: FIX }] },
        { delayMs: 1500 },
        { toolCalls: [{ name: 'user_tool', arguments: {} }] },
        { delayMs: 1500 },
        { toolCalls: [{ name: 'finish', arguments: {} }], usage: { promptTokens: 3000, completionTokens: 10, reasoningTokens: 4 } },
      ],
    });
    // LANCER_RENDERER_DIR: a renderer built elsewhere, for a run while the shared out/ is rebuilt.
    t = await startTestServer({ rendererDir: process.env.LANCER_RENDERER_DIR });
    t.wb.settings.update({ testRuns: 1 });
    await call(t, 'datasets.import', { path: sampleCsv, issuesDir: sampleIssues, name: 'sample' });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('response', (r) => {
      if (r.url().includes('/api/')) void r.text().then((b) => bodies.push(b), () => undefined);
    });
    await page.goto(t.server.url);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
  }, 25 * MINUTE);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await model?.close();
  });

  it('saves the scripted model as an endpoint on the Settings page, its key stored and masked', async () => {
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: 'Model endpoints' }).waitFor();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const form = page.getByRole('form', { name: 'Add endpoint' });
    await form.getByLabel('Name').fill('scripted');
    await form.getByLabel('Base URL').fill(model.url);
    await form.getByLabel('Model', { exact: true }).fill('scripted-model');
    await form.getByLabel('Protocol').selectOption('tools');
    await form.getByLabel('Input', { exact: true }).fill('3');
    await form.getByLabel('Cached input').fill('0.3');
    await form.getByLabel('Output').fill('15');
    await form.getByLabel('Store a key').check();
    await form.getByLabel('API key', { exact: true }).fill(KEY);
    await form.getByRole('button', { name: 'Save endpoint' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved scripted.' }).waitFor();
    const row = page.locator('tr[data-endpoint="scripted"]');
    await expect.poll(() => row.textContent()).toContain('stored sk-…0123');
    expect(await page.content()).not.toContain(KEY);
  });

  /** What went wrong with the attempt, for a failure message: its error, the grader's notes, the steps. */
  function story(id: string): string {
    const detail = t.wb.runs.attemptDetail(id);
    const steps = t.wb.runs.steps(id).map((s) => `#${s.index} ${s.kind} ${s.toolCall?.name ?? ''} ${(s.observation ?? s.note ?? '').slice(0, 300)}`);
    return JSON.stringify({ state: detail.state, error: detail.error, stop: detail.stopReason, grader: detail.grader?.notes, log: detail.grader?.testRuns?.[0]?.log.slice(-1500), steps }, null, 2);
  }

  it('starts an agent run of 9001 from the New run form and streams its transcript while it works', { timeout: 8 * MINUTE }, async () => {
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Runs' }).waitFor();
    const form = page.getByRole('form', { name: 'New run' });
    const openButton = page.getByRole('button', { name: 'New run' });
    await Promise.race([form.waitFor(), openButton.waitFor()]);
    if (!(await form.isVisible())) await openButton.click();
    await form.getByRole('combobox', { name: 'Dataset' }).selectOption('sample');
    await form.getByRole('textbox', { name: 'Question ids' }).fill('9001');
    await form.getByRole('radio', { name: /Model agent \(built-in\)/ }).check();
    const agent = form.getByRole('group', { name: 'Model agent' });
    // The saved endpoint is offered (and chosen), with where its key comes from, never the key.
    const endpoint = agent.getByRole('combobox', { name: 'Endpoint' });
    await expect.poll(() => endpoint.inputValue()).toBe('scripted');
    expect(await endpoint.locator('option[value="scripted"]').textContent()).toBe('scripted · scripted-model · stored key');
    await agent.getByRole('combobox', { name: 'Protocol' }).selectOption('tools');
    await agent.getByRole('spinbutton', { name: 'Max turns' }).fill('12');
    await agent.getByRole('spinbutton', { name: 'Attempt budget ($)' }).fill('2');
    await agent.getByRole('spinbutton', { name: 'Max tokens' }).fill('500000');
    await agent.getByRole('spinbutton', { name: 'Wall time (min)' }).fill('15');
    await agent.getByRole('spinbutton', { name: 'Run budget ($)' }).fill('5');
    const before = page.url();
    await form.getByRole('button', { name: 'Start run' }).click();
    await expect.poll(() => page.url(), { timeout: 30_000 }).not.toBe(before);
    runId = decodeURIComponent(/#\/runs\/([^/]+)/.exec(page.url())?.[1] ?? '');
    expect(runId).toMatch(/^run-/);

    // The manifest records what the form sent.
    const solver = t.wb.runs.getRun(runId).manifest.solver;
    expect(solver).toMatchObject({
      kind: 'builtin',
      endpoint: { name: 'scripted', model: 'scripted-model', apiKey: { source: 'stored' }, prices: { inputPerM: 3, cachedInputPerM: 0.3, outputPerM: 15 } },
      protocol: 'tools',
      limits: { maxTurns: 12, maxTokens: 500000, attemptBudgetUsd: 2, wallTimeSec: 900 },
      budgetUsd: 5,
    });

    const row = page.locator('tr.attempt-row[data-question-id="9001"]').last();
    await row.waitFor();
    attemptId = (await row.getAttribute('data-attempt-id')) ?? '';
    await row.click();
    const transcript = page.getByTestId('transcript');
    await transcript.waitFor();

    // Steps appear one by one while the attempt is still live, beside its live screen: sample the
    // list, the screen and the row together, in one look at the page.
    const samples: { steps: number; state: string; screen: boolean }[] = [];
    const deadline = Date.now() + 6 * MINUTE;
    while (Date.now() < deadline) {
      // A string: this file compiles for Node, without the DOM's types.
      const sample = (await page.evaluate(`(() => {
        const id = ${JSON.stringify(attemptId)};
        const attempt = document.querySelector('section.attempt-detail[data-attempt-id="' + id + '"]');
        const count = attempt?.querySelector('[data-testid="transcript-count"]')?.textContent ?? '';
        const state = document.querySelector('tr.attempt-row[data-attempt-id="' + id + '"]')?.getAttribute('data-state') ?? '';
        return { steps: Number.parseInt(count, 10) || 0, state, screen: attempt?.querySelector('figure.agent-screen [data-testid="agent-live-screen"]') != null };
      })()`)) as { steps: number; state: string; screen: boolean };
      samples.push(sample);
      if (!LIVE_STATES.includes(sample.state) && sample.state !== 'queued' && sample.state !== '') break;
      await page.waitForTimeout(150);
    }
    const why = story(attemptId);
    const whileLive = samples.filter((s) => LIVE_STATES.includes(s.state) && s.steps > 0);
    const counts = new Set(whileLive.map((s) => s.steps));
    expect(counts.size, `step counts seen while the attempt ran: ${JSON.stringify(samples.slice(-40))}\n${why}`).toBeGreaterThanOrEqual(2);
    expect(Math.min(...counts)).toBeLessThan(t.wb.runs.steps(attemptId).length);
    // The transcript streamed beside the live screen (the agent works in the solving phase).
    expect(whileLive.some((s) => s.state === 'solving' && s.screen), why).toBe(true);
    expect(t.wb.runs.attempt(attemptId).state, why).toBe('passed');
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 30_000, interval: 500 }).toBe('passed');
    // Once it is over, the screen goes and the transcript stays.
    await page.locator('figure.agent-screen').waitFor({ state: 'detached' });
    expect(await transcript.count()).toBe(1);
  });

  it('shows what the passing attempt spent: tokens, dollars, dollars per dollar earned, stop reason', { timeout: MINUTE }, async () => {
    const attempt = t.wb.runs.attempt(attemptId);
    expect(attempt.state).toBe('passed');
    const usage = attempt.usage!;
    expect(usage.costUsd).toBeGreaterThan(0);
    const row = page.locator(`tr.attempt-row[data-attempt-id="${attemptId}"]`);
    await expect.poll(() => row.getByTestId('attempt-spent').textContent(), { timeout: 20_000 }).toBe(formatUsd(usage.costUsd));
    expect(await row.getByTestId('attempt-tokens').textContent()).toBe(formatTokens(totalTokens(usage)));
    expect(await row.getByTestId('stop-reason').textContent()).toBe('finished');

    const facts = page.getByTestId('agent-usage');
    await expect.poll(() => facts.getByTestId('usage-cost').textContent()).toBe(formatUsd(usage.costUsd));
    expect(await facts.getByTestId('usage-tokens').textContent()).toBe(formatTokens(totalTokens(usage)));
    expect(await facts.textContent()).toContain(formatSpentPerEarned(usage.costUsd, 250));

    const spend = page.getByTestId('run-agent-spend');
    await expect.poll(() => spend.getByTestId('run-spent').textContent()).toBe(formatUsd(usage.costUsd));
    expect(await spend.getByTestId('run-spent-per-earned').textContent()).toBe(formatSpentPerEarned(usage.costUsd, 250));

    // The whole transcript is there, once; the search narrows it.
    const steps = t.wb.runs.steps(attemptId);
    const count = page.getByTestId('transcript-count');
    await expect.poll(() => count.textContent()).toBe(`${steps.length} steps`);
    const transcript = page.locator('section.attempt-detail').getByTestId('transcript');
    await transcript.getByRole('searchbox', { name: 'Search steps' }).fill('edit_file');
    const shown = steps.filter((s) => JSON.stringify(s).includes('edit_file')).length;
    await expect.poll(() => count.textContent()).toBe(`${shown} of ${steps.length} steps`);
    for (const text of await transcript.getByTestId('transcript-step').allTextContents()) expect(text).toContain('edit_file');
    const edit = transcript.getByRole('listitem', { name: /^Step \d+: model edit_file$/ });
    expect(await edit.textContent()).toContain('!event.shiftKey');
    await transcript.getByRole('searchbox', { name: 'Search steps' }).fill('');
    await transcript.getByRole('region', { name: 'Transcript steps' }).evaluate((el) => {
      (el as unknown as { scrollTop: number }).scrollTop = 0;
    });
    // The tool's observation shows with its exit code; the model steps with their tokens and cost.
    const bash = transcript.getByRole('listitem', { name: /^Step \d+: tool bash$/ });
    await bash.scrollIntoViewIfNeeded();
    expect(await bash.textContent()).toContain('shiftKey');
    expect(await bash.getByTestId('step-exit').textContent()).toBe('exit 0');
    const firstModel = transcript.getByRole('listitem', { name: /^Step \d+: model bash$/ });
    expect(await firstModel.getByTestId('step-tokens').textContent()).toBe(`${formatTokens(1200)} in · ${formatTokens(40)} out`);

    // The runs list and the Results page carry the same numbers.
    await page.getByRole('link', { name: 'Close attempt' }).click();
    const item = page.locator(`.run-item[data-run-id="${runId}"]`);
    const run = t.wb.runs.listRuns().find((r) => r.id === runId)!;
    await expect.poll(() => item.getByTestId('run-usage').textContent(), { timeout: 15_000 }).toContain(`${formatUsd(run.usage!.costUsd)} spent`);
    await page.getByRole('link', { name: 'Results', exact: true }).click();
    const pick = page.getByRole('checkbox', { name: `Pick run ${runId}` });
    await pick.waitFor();
    if (!(await pick.isChecked())) await pick.check();
    // The analytics' cost view: the report's count of the run's usage, every try included.
    const cost = page.locator(`.cost-table tr[data-run-id="${runId}"]`);
    await cost.waitFor({ timeout: 30_000 });
    expect(await cost.getByTestId('cost-tokens-in').textContent()).toBe(formatTokens(run.usage!.inputTokens));
    expect(await cost.getByTestId('cost-tokens-out').textContent()).toBe(formatTokens(run.usage!.outputTokens));
    expect(await cost.getByTestId('cost-spent').textContent()).toBe(formatUsd(run.usage!.costUsd));
    expect(await cost.getByTestId('cost-spent-per-earned').textContent()).toBe(formatUsd(run.usage!.costUsd / 250));
  });

  it("replays the agent's steps, its user-tool run and the grading run on one timeline; a step goes to its moment", { timeout: 2 * MINUTE }, async () => {
    await page.goto(`${t.base}/#/runs/${encodeURIComponent(runId)}/${encodeURIComponent(attemptId)}`);
    await page.getByTestId('open-replay').click();
    await page.getByRole('heading', { level: 1, name: 'Replay' }).waitFor();
    const timeline = page.getByRole('region', { name: 'Attempt timeline' });
    await timeline.waitFor();
    const steps = t.wb.runs.steps(attemptId);
    await expect.poll(() => timeline.getByTestId('timeline-step').count()).toBe(steps.length);
    expect(await timeline.getByTestId('timeline-user-tool').count()).toBe(1);
    expect(await timeline.getByTestId('timeline-grading').count()).toBe(1);

    // The user tool kept its recording, lined up by the recorder's start like a grading run's.
    const artifacts = t.wb.runs.attemptDetail(attemptId).artifacts;
    const names = artifacts.map((a) => a.name);
    expect(names).toEqual(expect.arrayContaining(['user-tool-1-video.mp4', 'user-tool-1-video.start', 'user-tool-1-test.log']));
    const userToolVideo = artifacts.find((a) => a.name === 'user-tool-1-video.mp4')!;

    // Opens on the grading run; the recordings to choose from include the user tool's.
    const recording = page.getByRole('radiogroup', { name: 'Recording' });
    expect(await recording.getByRole('radio', { name: 'Grading 1' }).getAttribute('aria-checked')).toBe('true');
    await page.getByTestId('replay-verdict').filter({ hasText: 'Test passed' }).waitFor();

    // The user_tool step: its recording opens, at the step's moment.
    const userToolStep = steps.find((s) => s.kind === 'user_tool')!;
    const mark = timeline.locator(`[data-testid="timeline-step"][data-step-index="${userToolStep.index}"]`);
    await mark.click();
    await expect.poll(() => recording.getByRole('radio', { name: 'User tool 1' }).getAttribute('aria-checked')).toBe('true');
    await page.getByTestId('replay-user-tool').waitFor();
    const video = page.getByTestId('replay-video');
    await expect.poll(() => video.getAttribute('src')).toBe(`/api/artifacts/${userToolVideo.sha256}`);
    await expect.poll(() => videoProp(video, 'duration'), { timeout: 20_000 }).toBeGreaterThan(0);
    const start = t.wb.replays.replay(attemptId).userToolRuns[0]!.video!.startWallMs!;
    const expected = Math.max(0, (Date.parse(userToolStep.at) - start) / 1000);
    // Move away, then the step brings the player back to its moment.
    const scrubber = page.getByRole('slider', { name: 'Position' });
    const box = (await scrubber.boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.8, box.y + box.height / 2);
    await expect.poll(() => videoProp(video, 'currentTime')).toBeGreaterThan(expected + 0.5);
    await mark.click();
    await expect.poll(() => videoProp(video, 'currentTime')).toBeCloseTo(expected, 1);
    // The user tool's own trace is on the player's action list.
    await expect.poll(() => page.getByTestId('replay-action').count()).toBeGreaterThan(0);

    // A step no recording covers (the bash call): the transcript scrolls to it and marks it.
    const bashStep = steps.find((s) => s.kind === 'tool' && s.toolCall?.name === 'bash')!;
    await timeline.locator(`[data-testid="timeline-step"][data-step-index="${bashStep.index}"]`).click();
    const transcript = page.getByRole('region', { name: 'Agent transcript' });
    const item = transcript.locator(`li[data-step-index="${bashStep.index}"]`);
    await expect.poll(() => item.getAttribute('aria-current')).toBe('step');
    // Its top inside the transcript's scroll area (measured in one look: the page may still be scrolling).
    const inView = (): Promise<boolean> =>
      item.evaluate((li) => {
        const el = li as unknown as BoxElement;
        const area = el.closest('[role="region"]')!.getBoundingClientRect();
        const top = el.getBoundingClientRect().top;
        return top >= area.top - 1 && top < area.bottom - 20;
      });
    await expect.poll(inView, { timeout: 5_000 }).toBe(true);
    // The player stays on what it showed.
    expect(await recording.getByRole('radio', { name: 'User tool 1' }).getAttribute('aria-checked')).toBe('true');

    // A step's head in the transcript goes to its moment too: the user_tool step back to its recording.
    await recording.getByRole('radio', { name: 'Grading 1' }).click();
    const head = transcript.locator(`li[data-step-index="${userToolStep.index}"] button.tr-head`);
    await head.scrollIntoViewIfNeeded();
    await head.click();
    await expect.poll(() => recording.getByRole('radio', { name: 'User tool 1' }).getAttribute('aria-checked')).toBe('true');
  });

  it('keeps a transcript of 600 steps light: only a window of them in the page; search, fold and the stored output work', { timeout: 2 * MINUTE }, async () => {
    // A run that never started, holding a long transcript (as a long agent attempt leaves one).
    const real = t.wb.runs.getRun(runId);
    const bigRun = `${runId}-big`;
    t.wb.runs.createRun({
      id: bigRun,
      datasetId: real.datasetId,
      versionId: real.manifest.dataset.versionId,
      solver: real.solver,
      concurrency: 1,
      maxRetries: 0,
      manifest: real.manifest,
      tasks: [{ questionId: '9001', image: 'lancer-sample_9001:latest', price: 250 }],
    });
    const bigAttempt = t.wb.runs.getRun(bigRun).attempts[0]!.id;
    const whole = Array.from({ length: 400 }, (_, i) => `output line ${i}`).join('\n');
    const stored = t.wb.artifacts.put(Buffer.from(`${whole}\n… and the rest of a very long output`));
    const base = Date.now() - 600_000;
    for (let i = 0; i < 600; i++) {
      const model = i % 2 === 0;
      t.wb.runs.addStep(bigAttempt, {
        index: i,
        at: new Date(base + i * 1000).toISOString(),
        kind: model ? 'model' : 'tool',
        message: model ? `thinking about step ${i}` : null,
        toolCall: { name: 'bash', arguments: { command: `echo needle-${i}` } },
        observation: model ? null : i === 301 ? whole : `needle-${i - 1}`,
        observationBytes: model ? null : i === 301 ? 1_000_000 : 12,
        observationSha256: i === 301 ? stored.sha256 : null,
        exitCode: model ? null : 0,
        durationMs: 120,
        usage: model ? { inputTokens: 100, cachedTokens: 0, outputTokens: 10, reasoningTokens: 0 } : null,
        costUsd: model ? 0.0001 : null,
        fallback: i === 42,
        note: null,
      });
    }
    await page.goto(`${t.base}/#/runs/${encodeURIComponent(bigRun)}/${encodeURIComponent(bigAttempt)}`);
    const transcript = page.locator('section.attempt-detail').getByTestId('transcript');
    const count = transcript.getByTestId('transcript-count');
    await expect.poll(() => count.textContent()).toMatch(/^600 steps/);
    const rendered = transcript.getByTestId('transcript-step');
    expect(await rendered.count()).toBeLessThan(60);
    // A queued attempt may still add steps: the list follows its end.
    await transcript.locator('li[data-step-index="599"]').waitFor();
    expect(await transcript.getByRole('listitem', { name: 'Step 42: model bash' }).count()).toBe(0);
    expect(await rendered.count()).toBeLessThan(60);

    // A new step arrives live and shows at the end.
    const last = t.wb.runs.steps(bigAttempt).at(-1)!;
    t.wb.events.emit('run.event', { type: 'step', runId: bigRun, seq: 1, attemptId: bigAttempt, step: { ...last, index: 600, message: 'the newest step', at: new Date().toISOString() } });
    await expect.poll(() => count.textContent()).toMatch(/^601 steps/);
    await transcript.getByRole('listitem', { name: 'Step 600: tool bash' }).waitFor();

    // Search finds one step among them and shows it; the fallback step is found by its badge.
    const search = transcript.getByRole('searchbox', { name: 'Search steps' });
    await search.fill('needle-42');
    await expect.poll(() => count.textContent()).toMatch(/^\d+ of 601 steps/);
    expect(await transcript.getByRole('listitem', { name: 'Step 42: model bash' }).textContent()).toContain('fallback');
    await search.fill('');

    // The long output of step 301 is folded, unfolds, and its whole text is one click away.
    await search.fill('output line 399');
    const long = transcript.getByRole('listitem', { name: 'Step 301: tool bash' });
    await long.waitFor();
    expect(await long.textContent()).not.toContain('output line 399');
    const unfold = long.getByRole('button', { name: /Show the whole output/ });
    expect(await unfold.getAttribute('aria-expanded')).toBe('false');
    await unfold.click();
    await expect.poll(() => long.textContent()).toContain('output line 399');
    expect(await long.getByTestId('step-stored-output').textContent()).toContain('1.00 MB');
    const link = long.getByRole('link', { name: 'Open the whole output' });
    expect(await link.getAttribute('href')).toBe(`/api/artifacts/${stored.sha256}`);
    const served = await page.request.get(`${t.base}/api/artifacts/${stored.sha256}`);
    expect(await served.text()).toContain('and the rest of a very long output');
  });

  it('never showed the key, and raised no page errors', () => {
    for (const body of bodies) expect(body).not.toContain(KEY);
    expect(pageErrors).toEqual([]);
    // The key did reach the model, through the metering proxy.
    expect(model.requests.filter((r) => r.path.endsWith('/chat/completions')).every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
  });
});
