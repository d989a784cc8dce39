/**
 * The built-in agent end to end: a scripted OpenAI-compatible server (real HTTP) plays the
 * model, every call goes through the metering proxy, and the real engine runs the sample
 * benchmark in Docker and grades the result. No model can be downloaded here; the scripts make
 * each reply exact, so what is asserted is the workbench's behaviour, not a model's.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltinSolverInput } from '../../src/shared/agents';
import { importDataset } from '../../src/main/core/dataset/importer';
import { Workbench } from '../../src/main/core/workbench';
import { canRunSample, ensureSampleImages, sampleCsv, sampleIssues } from '../helpers/sample-images';
import { modelCalls, startScriptedModelServer, type ScriptedModelServer, type ScriptedReply } from '../helpers/scripted-model-server';
import { lancerAsyncIn } from '../helpers/cli';
import { makeTempDir } from '../helpers/temp-dir';

const MINUTE = 60_000;
const runnable = await canRunSample();
const KEY = 'sk-lancer-test-7f3a9c1e5b2d4a6f8e0c';
const KEY_ENV = 'LANCER_TEST_AGENT_KEY';

/** Every byte the data dir holds, gzip members unpacked, as one latin1 string to search. */
function everythingStored(dir: string): string {
  let text = '';
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (statSync(file).size > 64 * 1024 * 1024) continue;
    const data = readFileSync(file);
    text += data.toString('latin1');
    if (data[0] === 0x1f && data[1] === 0x8b) text += gunzipSync(data).toString('latin1');
  }
  return text;
}

describe.skipIf(!runnable)('the built-in agent on the sample benchmark (real Docker, scripted model)', () => {
  let dir: string;
  let cleanup: () => void;
  let wb: Workbench;
  const servers: ScriptedModelServer[] = [];

  beforeAll(async () => {
    await ensureSampleImages();
    ({ dir, cleanup } = makeTempDir('lancer-agent-'));
    // Failed model calls retried after tens of milliseconds, not seconds: one test waits them all out.
    wb = new Workbench({ dataDir: dir, version: 'test', transport: 'cli', modelRetry: { baseDelayMs: 20, maxDelayMs: 100 } });
    await importDataset(wb.datasets, { path: sampleCsv, issuesDir: sampleIssues, name: 'sample' });
    process.env[KEY_ENV] = KEY;
  }, 10 * MINUTE);

  afterAll(async () => {
    delete process.env[KEY_ENV];
    for (const s of servers) await s.close();
    await wb?.close();
    cleanup?.();
  });

  async function serve(script: ScriptedReply[], opts: { rejectTools?: boolean } = {}): Promise<ScriptedModelServer> {
    const server = await startScriptedModelServer({ script, requireKey: KEY, ...opts });
    servers.push(server);
    return server;
  }

  /** Runs one task with the built-in agent on `server`; returns the run's only attempt. */
  async function runAgent(server: ScriptedModelServer, questionId: string, solver: Partial<BuiltinSolverInput> = {}) {
    const runId = await wb.engine.createRun({
      datasetId: 'sample',
      taskIds: [questionId],
      solver: { kind: 'builtin', baseUrl: server.url, model: 'scripted-model', apiKeyEnv: KEY_ENV, protocol: 'tools', ...solver },
      concurrency: 1,
    });
    await wb.engine.start(runId);
    await wb.agents.flush();
    const run = wb.runs.getRun(runId);
    const attempt = run.attempts.find((a) => !a.retried)!;
    return { runId, run, attempt, detail: wb.runs.attemptDetail(attempt.id), steps: wb.runs.steps(attempt.id) };
  }

  const issue9001Fix = {
    path: 'public/app.js',
    old_str: "if (event.key === 'Enter' && event.shiftKey && !event.isComposing) {",
    new_str: "if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {",
  };

  it('tools: looks, edits, runs the user tool, finishes: the task passes and earns its price', async () => {
    const server = await serve([
      { toolCalls: [{ name: 'bash', arguments: { command: "grep -n 'shiftKey' public/app.js" } }], usage: { promptTokens: 1200, completionTokens: 40, cachedTokens: 200 } },
      { toolCalls: [{ name: 'edit_file', arguments: issue9001Fix }] },
      { toolCalls: [{ name: 'user_tool', arguments: {} }] },
      { toolCalls: [{ name: 'finish', arguments: {} }], usage: { promptTokens: 3000, completionTokens: 10, reasoningTokens: 4 } },
    ]);
    const { run, attempt, detail, steps } = await runAgent(server, '9001', { prices: { inputPerM: 3, cachedInputPerM: 0.3, outputPerM: 15 } });
    expect(attempt.state, attempt.error ?? '').toBe('passed');
    expect(attempt.earned).toBe(attempt.price);
    expect(attempt.stopReason).toBe('finished');

    // The proxy's totals are what the server sent, call for call.
    const sent = server.requests.filter((r) => r.usageSent).map((r) => r.usageSent!);
    expect(sent).toHaveLength(4);
    const sum = (k: 'promptTokens' | 'completionTokens' | 'cachedTokens' | 'reasoningTokens'): number => sent.reduce((a, u) => a + u[k], 0);
    expect(attempt.usage).toMatchObject({ requests: 4, inputTokens: sum('promptTokens'), outputTokens: sum('completionTokens'), cachedTokens: sum('cachedTokens'), reasoningTokens: sum('reasoningTokens'), estimated: false });
    const cost = ((sum('promptTokens') - sum('cachedTokens')) * 3 + sum('cachedTokens') * 0.3 + sum('completionTokens') * 15) / 1e6;
    expect(attempt.usage!.costUsd).toBeCloseTo(cost, 9);
    expect(run.usage).toMatchObject({ requests: 4, costUsd: attempt.usage!.costUsd });

    // The transcript: each call and its observation, the user tool's run among them.
    expect(steps.filter((s) => s.kind === 'model').map((s) => s.toolCall?.name)).toEqual(['bash', 'edit_file', 'user_tool', 'finish']);
    expect(steps.find((s) => s.kind === 'tool' && s.observation?.includes('shiftKey'))).toBeDefined();
    expect(steps.find((s) => s.kind === 'user_tool')?.observation).toContain('User tool output is in /app/sample/user_tool');
    const names = detail.artifacts.map((a) => a.name);
    expect(names).toEqual(expect.arrayContaining(['trajectory.json', 'model-exchanges.jsonl.gz', 'user-tool-1-video.mp4']));
    expect(names.some((n) => /^user-tool-1-trace-\d+\.zip$/.test(n))).toBe(true);
    const atif = JSON.parse(readFileSync(wb.artifacts.pathOf(detail.artifacts.find((a) => a.name === 'trajectory.json')!.sha256), 'utf8')) as {
      schema_version: string;
      steps: { tool_calls?: { function_name: string }[] }[];
      final_metrics: { total_prompt_tokens: number };
    };
    expect(atif.schema_version).toBe('ATIF-v1.4');
    expect(atif.steps.flatMap((s) => s.tool_calls ?? []).map((c) => c.function_name)).toEqual(['bash', 'edit_file', 'user_tool', 'finish']);
    expect(atif.final_metrics.total_prompt_tokens).toBe(sum('promptTokens'));
    // The agent got the run's own key; only the proxy sent the real one upstream.
    // The run's creation first asked whether the server answers, without the key; then every model call carried it.
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models', scriptIndex: null });
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
    expect(modelCalls(server).every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    expect(everythingStored(dir)).not.toContain(KEY);
  }, 5 * MINUTE);

  it('official: the first python block of each reply runs in the container; DONE ends; the fix passes', async () => {
    const code = ["p = 'public/app.js'", 's = open(p).read()', `s = s.replace("String(cents % 100);", "String(cents % 100).padStart(2, '0');")`, "open(p, 'w').write(s)", "print('patched')"].join('\n');
    const server = await serve([{ text: `I will fix formatMoney.\n\n\`\`\`python\n${code}\n\`\`\`\n\n\`\`\`python\nprint('never runs')\n\`\`\`` }, { text: 'DONE' }]);
    const { attempt, steps } = await runAgent(server, '9002', { protocol: 'official' });
    expect(attempt.state, attempt.error ?? '').toBe('passed');
    expect(attempt.stopReason).toBe('finished');
    const observation = steps.find((s) => s.kind === 'tool')?.observation ?? '';
    expect(observation).toContain('patched');
    expect(observation).not.toContain('never runs');
    // The official loop's own words reached the model: the output, then the turns left.
    const second = modelCalls(server)[1]?.body as { messages: { role: string; content: string }[] };
    expect(second.messages.at(-1)?.content).toMatch(/patched\n\nTurns left: 39$|patched\nTurns left: 39$/);
  }, 5 * MINUTE);

  it('a manager task: the decision is graded against the hired proposal', async () => {
    const task = wb.datasets.getTask('sample/9101-manager-0');
    const server = await serve([
      // Cut off the network, the container still finds its own name (git's identity looks it up,
      // as do ansible's facts): without it, the lookup waits for a DNS server that is gone, fails.
      { toolCalls: [{ name: 'bash', arguments: { command: `python3 -c 'import socket; print("own name:", socket.gethostbyname(socket.gethostname()))'` } }] },
      { toolCalls: [{ name: 'submit_decision', arguments: { selected_proposal_id: task.correctProposalId } }] },
      { toolCalls: [{ name: 'finish', arguments: {} }] },
    ]);
    const { attempt, detail, steps } = await runAgent(server, '9101-manager-0');
    expect(steps.find((s) => s.kind === 'tool' && s.toolCall?.name === 'bash')?.observation).toMatch(/own name: \d+\.\d+\.\d+\.\d+/);
    expect(attempt.state).toBe('passed');
    expect(detail.grader).toMatchObject({ variant: 'swe_manager', submitted: task.correctProposalId, correct: task.correctProposalId });
  }, 3 * MINUTE);

  it('a model that does nothing fails, after a 429 it was retried past, and a malformed call it was told about', async () => {
    const server = await serve([
      { error: { status: 429, body: { error: { message: 'slow down' } } } },
      { toolCalls: [{ name: 'bash', arguments: '{"command": "ls' }] },
      { toolCalls: [{ name: 'finish', arguments: {} }] },
    ]);
    const { attempt, steps, detail } = await runAgent(server, '9102-manager-0');
    expect(attempt.state).toBe('failed');
    expect(attempt.stopReason).toBe('finished');
    expect(detail.grader?.notes).toMatch(/no manager_decisions\.json/);
    expect(server.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(3);
    expect(attempt.usage?.requests).toBe(3);
    const malformed = steps.find((s) => s.kind === 'tool' && s.toolCall?.name === 'bash');
    expect(malformed?.observation ?? '').toMatch(/JSON|arguments/i);
  }, 3 * MINUTE);

  it('a server that rejects tools: the attempt switches to the official protocol and says so', async () => {
    const server = await serve([{ text: 'DONE' }], { rejectTools: true });
    const { attempt, steps } = await runAgent(server, '9103-manager-0', { protocol: 'tools' });
    expect(attempt.stopReason).toBe('finished');
    expect(steps.some((s) => s.kind === 'note' && /official/.test(s.note ?? s.message ?? ''))).toBe(true);
    const last = server.requests.at(-1)?.body as { tools?: unknown };
    expect(last.tools).toBeUndefined();
  }, 3 * MINUTE);

  /**
   * A run of two manager tasks, made while its server answers; the server then goes and the run
   * starts. Resolves once the run waits for the server (its first attempt cut off).
   */
  async function runWhoseServerGoes(taskIds: [string, string]): Promise<{ runId: string; url: string; driving: Promise<void> }> {
    const gone = await serve([]);
    const runId = await wb.engine.createRun({
      datasetId: 'sample',
      taskIds,
      solver: { kind: 'builtin', baseUrl: gone.url, model: 'scripted-model', apiKeyEnv: KEY_ENV, protocol: 'tools' },
      concurrency: 1,
    });
    await gone.close();
    const driving = wb.engine.start(runId);
    await expect.poll(() => wb.runs.getRun(runId).waiting ?? '', { timeout: 2 * MINUTE, interval: 100 }).toMatch(/^waiting for the model server/);
    return { runId, url: gone.url, driving };
  }

  /** The server back at `url`, scripted to hire the right proposal of manager task `questionId`. */
  async function serverBack(url: string, questionId: string): Promise<ScriptedModelServer> {
    const task = wb.datasets.getTask(`sample/${questionId}`);
    const back = await startScriptedModelServer({
      script: [{ toolCalls: [{ name: 'submit_decision', arguments: { selected_proposal_id: task.correctProposalId } }] }, { toolCalls: [{ name: 'finish', arguments: {} }] }],
      requireKey: KEY,
      port: Number(new URL(url).port),
    });
    servers.push(back);
    return back;
  }

  it('a model server that goes away: the attempt it cut off ends model_error, the run waits for it, then carries on', async () => {
    const { runId, url, driving } = await runWhoseServerGoes(['9101-manager-0', '9102-manager-0']);
    expect(wb.runs.getRun(runId).waiting).toBe(`waiting for the model server (GET ${url}/models: connection failed: ECONNREFUSED); nothing is started until it answers`);
    expect(wb.runs.getRun(runId).attempts.map((a) => [a.questionId, a.state, a.stopReason])).toEqual([
      ['9101-manager-0', 'failed', 'model_error'],
      ['9102-manager-0', 'queued', null],
    ]);

    // Back on the same address: the run carries on by itself with the task it held back.
    const back = await serverBack(url, '9102-manager-0');
    await driving;
    const run = wb.runs.getRun(runId);
    expect(run.status).toBe('finished');
    expect(run.waiting ?? null).toBeNull();
    expect(run.attempts.find((a) => a.questionId === '9102-manager-0')).toMatchObject({ state: 'passed', stopReason: 'finished' });
    expect(modelCalls(back).filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(2);
  }, 5 * MINUTE);

  it('paused while it waits for the model server: the wait ends with the drive, and Resume asks the server again', async () => {
    const { runId, url, driving } = await runWhoseServerGoes(['9103-manager-0', '9104-manager-0']);
    wb.engine.pause(runId);
    await driving;
    expect(wb.runs.getRun(runId)).toMatchObject({ status: 'paused', waiting: null });
    await expect(wb.engine.resume(runId)).rejects.toThrow(`GET ${url}/models: connection failed: ECONNREFUSED`);
    expect(wb.runs.getRun(runId).status).toBe('paused');

    await serverBack(url, '9104-manager-0');
    await (await wb.engine.resume(runId)).done;
    const run = wb.runs.getRun(runId);
    expect(run.status).toBe('finished');
    expect(run.attempts.map((a) => [a.questionId, a.state])).toEqual([
      ['9103-manager-0', 'failed'],
      ['9104-manager-0', 'passed'],
    ]);
  }, 5 * MINUTE);

  it('a budget hit mid-attempt stops the attempt with reason budget and no further upstream call', async () => {
    const server = await serve([
      { toolCalls: [{ name: 'bash', arguments: { command: 'ls' } }], usage: { promptTokens: 900_000, completionTokens: 1000 } },
      { toolCalls: [{ name: 'finish', arguments: {} }] },
    ]);
    const { attempt } = await runAgent(server, '9104-manager-0', { prices: { inputPerM: 1, cachedInputPerM: 1, outputPerM: 1 }, attemptBudgetUsd: 0.5 });
    expect(attempt.stopReason).toBe('budget');
    expect(server.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(1);
    expect(attempt.usage?.costUsd).toBeCloseTo(0.901, 6);
    expect(attempt.state).toBe('failed'); // graded as it stands: no decision was written
  }, 3 * MINUTE);

  it('`lancer run --agent builtin --base-url … --model …` solves a task for its price; `lancer results --json` shows usage and transcript', async () => {
    const server = await serve([
      { toolCalls: [{ name: 'edit_file', arguments: issue9001Fix }] },
      { toolCalls: [{ name: 'finish', arguments: {} }] },
    ]);
    const cliDir = makeTempDir('lancer-agent-cli-');
    const lancer = lancerAsyncIn(cliDir.dir, { [KEY_ENV]: KEY });
    try {
      expect((await lancer('import', sampleCsv, '--issues', sampleIssues, '--name', 'sample')).status).toBe(0);
      const run = await lancer('run', '--dataset', 'sample', '--tasks', '9001', '--agent', 'builtin', '--base-url', server.url, '--model', 'scripted-model', '--api-key-env', KEY_ENV, '--protocol', 'tools', '--json');
      expect(run.status, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout) as { runId: string; passed: number; earned: number };
      expect(summary).toMatchObject({ passed: 1, earned: 250 });
      const results = await lancer('results', summary.runId, '--json');
      const parsed = JSON.parse(results.stdout) as {
        run: { usage: { requests: number } };
        attempts: { usage: { requests: number; inputTokens: number; estimated: boolean }; stopReason: string; steps: { kind: string; toolCall: { name: string } | null }[] }[];
      };
      expect(parsed.run.usage.requests).toBe(2);
      expect(parsed.attempts[0]).toMatchObject({ stopReason: 'finished', usage: { requests: 2, estimated: false } });
      const steps = parsed.attempts[0]!.steps;
      expect(steps.filter((s) => s.kind === 'model').map((s) => s.toolCall?.name)).toEqual(['edit_file', 'finish']);
      expect(steps.some((s) => s.kind === 'tool')).toBe(true);
      for (const text of [run.stdout, run.stderr, results.stdout, everythingStored(cliDir.dir)]) expect(text).not.toContain(KEY);
    } finally {
      cliDir.cleanup();
    }
  }, 5 * MINUTE);
});
