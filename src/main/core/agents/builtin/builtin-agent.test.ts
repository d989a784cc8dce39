import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedModelServer, type ScriptedModelServer, type ScriptedModelServerOptions, type ScriptedReply } from '../../../../../tests/helpers/scripted-model-server';
import { makeTempDir } from '../../../../../tests/helpers/temp-dir';
import { CancelledError, ExecTimeoutError } from '../../engine/container-runtime';
import { gradeManagerDecision } from '../../grading/graders';
import { createBuiltinAgent, NO_TOOL_CALL_MESSAGE, ONE_CALL_AT_A_TIME, type AgentHooks, type AgentSolveResult, type AgentStep, type BuiltinAgentConfig } from './builtin-agent';
import { FakeTaskContainer, type ExecHandler } from './fake-task-container';
import { firstUserMessage, NO_CODE_BLOCK_WARNING, NO_OUTPUT_MESSAGE, OFFICIAL_ADDITIONAL_INSTRUCTIONS, TOOLS_ADDITIONAL_INSTRUCTIONS } from './prompts';
import { useSampleTasks } from '../../../../../tests/helpers/sample-tasks';

const KEY = 'sk-test-not-a-real-key';

const task = useSampleTasks();

let server: ScriptedModelServer | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const c of cleanups.splice(0)) c();
});

interface RunOptions {
  script: ScriptedReply[];
  protocol: BuiltinAgentConfig['protocol'];
  taskId?: string;
  /** The repo dir; a temp dir for tests whose tools touch real files. */
  cwd?: string;
  handler?: ExecHandler;
  limits?: Partial<BuiltinAgentConfig['limits']>;
  config?: Partial<BuiltinAgentConfig>;
  hooks?: Partial<AgentHooks>;
  server?: Omit<ScriptedModelServerOptions, 'script'>;
  signal?: AbortSignal;
}

interface Run {
  result: AgentSolveResult;
  steps: AgentStep[];
  logs: string;
  container: FakeTaskContainer;
  server: ScriptedModelServer;
  /** The messages of the n-th request the server received. */
  messages(n: number): { role: string; content: string | null; tool_call_id?: string }[];
  body(n: number): Record<string, unknown>;
}

async function runAgent(opts: RunOptions): Promise<Run> {
  server = await startScriptedModelServer({ script: opts.script, ...opts.server });
  const s = server;
  const steps: AgentStep[] = [];
  let logs = '';
  const container = new FakeTaskContainer(opts.handler);
  const agent = createBuiltinAgent(
    {
      protocol: opts.protocol,
      baseUrl: s.url,
      apiKey: KEY,
      model: 'scripted-model',
      limits: { maxTurns: 40, actionTimeoutSec: 300, observationMaxChars: 20_000, ...opts.limits },
      retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5 },
      ...opts.config,
    },
    { onStep: (step) => steps.push(step), ...opts.hooks },
  );
  const t = task(opts.taskId ?? '9002');
  const result = await agent.solve({
    task: t,
    container,
    cwd: opts.cwd ?? t.cwd ?? '/app/expensify',
    signal: opts.signal ?? new AbortController().signal,
    timeoutMs: 3_600_000,
    log: (text) => {
      logs += text;
    },
  });
  const body = (n: number): Record<string, unknown> => s.requests[n]?.body as Record<string, unknown>;
  return { result, steps, logs, container, server: s, body, messages: (n) => body(n).messages as ReturnType<Run['messages']> };
}

const python = (code: string): string => `Here goes.\n\`\`\`python\n${code}\n\`\`\``;
const answer = (output: string, exitCode = 0): ExecHandler => () => ({ exitCode, output });
const tempRepo = (): string => {
  const { dir, cleanup } = makeTempDir('lancer-agent-repo-');
  cleanups.push(cleanup);
  return dir;
};

describe('official protocol (the reference loop, §5.1)', () => {
  it('sends one user message, then the exact observations, and ends on DONE', async () => {
    const replies = [python("print('hi')"), 'Let me check in the browser. <user-tool>', 'I will think about it first.', 'DONE'];
    const run = await runAgent({
      protocol: 'official',
      script: replies.map((text) => ({ text })),
      handler: answer('hi\n'),
      hooks: { runUserTool: async () => ({ ok: true, output: 'ansible ok' }), usage: () => ({ inputTokens: 0, outputTokens: 0, costUsd: (server?.requests.length ?? 0) * 0.01 }) },
    });
    const t = task('9002');
    expect(run.body(0)).not.toHaveProperty('tools');
    expect(run.body(0).model).toBe('scripted-model');
    expect(run.messages(0)).toEqual([{ role: 'user', content: firstUserMessage(t, 'official', OFFICIAL_ADDITIONAL_INSTRUCTIONS) }]);
    expect(run.messages(3).slice(1)).toEqual([
      { role: 'assistant', content: replies[0] },
      { role: 'user', content: 'hi\n\nTurns left: 39' },
      { role: 'assistant', content: replies[1] },
      { role: 'user', content: 'User tool output is in /app/sample/user_tool\nTurns left: 38' },
      { role: 'assistant', content: replies[2] },
      // The warning uses up a turn and has no "Turns left" line.
      { role: 'user', content: NO_CODE_BLOCK_WARNING },
    ]);
    expect(run.server.requests).toHaveLength(4);
    expect(run.container.execs).toEqual([{ command: `python -c 'print('\\''hi'\\'')'`, workdir: '/app/sample', timeoutMs: 300_000 }]);
    expect(run.result).toMatchObject({ stopReason: 'finished', protocol: 'official', turns: 4 });

    expect(run.steps.map((s) => s.kind)).toEqual(['model', 'tool', 'model', 'user_tool', 'model', 'note', 'model', 'note']);
    expect(run.steps.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const [model, tool] = run.steps;
    expect(model?.message).toBe(replies[0]);
    expect(model?.usage?.inputTokens).toBeGreaterThan(0);
    expect(model?.costUsd).toBeCloseTo(0.01);
    expect(tool).toMatchObject({ toolCall: { name: 'python', arguments: { code: "print('hi')" } }, exitCode: 0, observation: 'hi\n\nTurns left: 39', fallback: false });
    expect(run.server.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(JSON.stringify(run.steps) + run.logs).not.toContain(KEY);
  });

  it('runs only the first block, dedented; words empty output and timeouts; "DONE\\n" does not end', async () => {
    const replies = [
      'Two blocks:\n```python\n    import os\n    print(os.getcwd())\n```\nand\n```python\nprint("second")\n```',
      python('while True: pass'),
      'DONE\n',
      'done',
    ];
    const run = await runAgent({
      protocol: 'official',
      script: replies.map((text) => ({ text })),
      limits: { actionTimeoutSec: 7 },
      handler: (command, opts) => {
        if (command.includes('while True')) throw new ExecTimeoutError(command, opts.timeoutMs);
        return { exitCode: 0, output: '' };
      },
    });
    expect(run.container.execs.map((e) => e.command)).toEqual([`python -c 'import os\nprint(os.getcwd())'`, `python -c 'while True: pass'`]);
    expect(run.container.execs[0]?.timeoutMs).toBe(7000);
    expect(run.messages(3).slice(2).filter((m) => m.role === 'user').map((m) => m.content)).toEqual([
      `${NO_OUTPUT_MESSAGE}\nTurns left: 39`,
      'Timeout: The code took too longer than 7 seconds to execute.\nTurns left: 38',
      NO_CODE_BLOCK_WARNING,
    ]);
    expect(run.result.stopReason).toBe('finished');
    expect(run.steps.find((s) => s.kind === 'tool' && s.exitCode === null)).toBeDefined();
  });

  it('reports user-tool failures as "Error: …", and no user tool on manager tasks', async () => {
    const ic = await runAgent({
      protocol: 'official',
      script: [{ text: '<user-tool>' }, { text: 'DONE' }],
      hooks: { runUserTool: async () => ({ ok: false, output: 'the playbook failed: exit 2' }) },
    });
    expect(ic.messages(1)[2]?.content).toBe('Error: the playbook failed: exit 2\nTurns left: 39');
    await server?.close();

    let ran = false;
    const manager = await runAgent({
      protocol: 'official',
      taskId: '9101-manager-0',
      script: [{ text: '<user-tool>' }, { text: 'DONE' }],
      hooks: {
        runUserTool: async () => {
          ran = true;
          return { ok: true, output: '' };
        },
      },
    });
    expect(ran).toBe(false);
    expect(manager.messages(1)[2]?.content).toMatch(/^Error: .*\nTurns left: 39$/);
  });

  it('reports the decision a manager wrote with Python', async () => {
    const repo = tempRepo();
    const run = await runAgent({
      protocol: 'official',
      taskId: '9101-manager-0',
      cwd: repo,
      script: [{ text: python('open("manager_decisions.json", "w").write(\'{"selected_proposal_id": 2}\')') }, { text: 'DONE' }],
      handler: () => {
        writeFileSync(path.join(repo, 'manager_decisions.json'), '{"selected_proposal_id": 2}');
        return { exitCode: 0, output: '' };
      },
    });
    expect(run.messages(0)[0]?.content).toContain(`${repo}/manager_decisions.json`);
    expect(run.result).toMatchObject({ stopReason: 'finished', decision: { selected_proposal_id: 2 } });
  });

  it('stops at the turn limit after the last observation ("Turns left: 0")', async () => {
    const run = await runAgent({
      protocol: 'official',
      script: [{ text: python('print(1)') }, { text: python('print(2)') }, { text: 'DONE' }],
      limits: { maxTurns: 2 },
      handler: answer('out\n'),
    });
    expect(run.server.requests).toHaveLength(2);
    expect(run.result).toMatchObject({ stopReason: 'turns', turns: 2 });
    expect(run.steps.filter((s) => s.kind === 'tool').at(-1)?.observation).toBe('out\n\nTurns left: 0');
  });

  it('truncates long output in the middle and says so', async () => {
    const output = 'A'.repeat(5000) + 'B'.repeat(5000);
    const run = await runAgent({
      protocol: 'official',
      script: [{ text: python('print("A"*5000+"B"*5000)') }, { text: 'DONE' }],
      limits: { observationMaxChars: 200 },
      handler: answer(output),
    });
    const sent = run.messages(1)[2]?.content ?? '';
    expect(sent.startsWith('A'.repeat(100))).toBe(true);
    expect(sent).toContain('9800 characters');
    expect(sent.endsWith(`${'B'.repeat(100)}\nTurns left: 39`)).toBe(true);
    expect(run.steps.find((s) => s.kind === 'tool')).toMatchObject({ observation: sent, observationBytes: 10_000 });
  });

  it('drops messages[1] when the history outgrows the context, keeping the task', async () => {
    const big = 'z'.repeat(8000); // ~2000 tokens per observation
    const run = await runAgent({
      protocol: 'official',
      script: [{ text: python('print(1)') }, { text: python('print(2)') }, { text: 'DONE' }],
      config: { contextTokens: 3500 },
      handler: answer(big),
    });
    const t = task('9002');
    const third = run.messages(2);
    expect(third[0]?.content).toBe(firstUserMessage(t, 'official', OFFICIAL_ADDITIONAL_INSTRUCTIONS));
    expect(third.length).toBeLessThan(5);
    expect(third.at(-1)?.content).toBe(`${big}\nTurns left: 38`);
    expect(run.steps.some((s) => s.kind === 'note' && /dropped the \d+ oldest messages/.test(s.note ?? ''))).toBe(true);
  });
});

describe('tools protocol', () => {
  it('writes, edits and runs in the repo, one call per reply, until finish', async () => {
    const repo = tempRepo();
    writeFileSync(path.join(repo, 'app.js'), 'const a = 1;\nconst b = 1;\n');
    const run = await runAgent({
      protocol: 'tools',
      cwd: repo,
      script: [
        { toolCalls: [{ name: 'write_file', arguments: { path: 'notes/plan.txt', content: 'step 1\n' } }] },
        { toolCalls: [{ name: 'edit_file', arguments: { path: 'app.js', old_str: 'const a = 1;', new_str: 'const a = 2;' } }] },
        { toolCalls: [{ name: 'edit_file', arguments: { path: 'app.js', old_str: 'const', new_str: 'let' } }] },
        { toolCalls: [{ name: 'edit_file', arguments: { path: 'missing.js', old_str: 'a', new_str: 'b' } }] },
        { toolCalls: [{ name: 'bash', arguments: { command: 'cat notes/plan.txt app.js; exit 3' } }] },
        { text: 'All done.', toolCalls: [{ name: 'finish', arguments: {} }] },
      ],
    });
    expect(readFileSync(path.join(repo, 'notes/plan.txt'), 'utf8')).toBe('step 1\n');
    expect(readFileSync(path.join(repo, 'app.js'), 'utf8')).toBe('const a = 2;\nconst b = 1;\n');
    expect(run.result).toMatchObject({ stopReason: 'finished', protocol: 'tools', turns: 6 });

    const t = task('9002');
    expect(run.messages(0)).toEqual([{ role: 'user', content: firstUserMessage(t, 'tools', TOOLS_ADDITIONAL_INSTRUCTIONS, repo) }]);
    const toolNames = (run.body(0).tools as { function: { name: string } }[]).map((x) => x.function.name);
    expect(toolNames).toEqual(['bash', 'python', 'edit_file', 'write_file', 'user_tool', 'finish']);
    const replies = run.messages(5).filter((m) => m.role === 'tool');
    expect(replies.map((m) => m.tool_call_id)).toEqual(['call_1', 'call_1', 'call_1', 'call_1', 'call_1']);
    expect(replies[0]?.content).toMatch(/^Wrote 7 bytes to .*notes\/plan\.txt\.$/);
    expect(replies[1]?.content).toMatch(/^Edited .*app\.js/);
    expect(replies[2]?.content).toMatch(/^Error: old_str occurs 2 times/);
    expect(replies[3]?.content).toMatch(/^Error: .*missing\.js does not exist/);
    expect(replies[4]?.content).toBe('step 1\nconst a = 2;\nconst b = 1;\n\n[exit code 3]');
    const bashStep = run.steps.find((s) => s.kind === 'tool' && s.toolCall?.name === 'bash');
    expect(bashStep).toMatchObject({ exitCode: 3, toolCall: { arguments: { command: 'cat notes/plan.txt app.js; exit 3' } }, fallback: false });
    expect(run.container.execs.every((e) => e.workdir === repo)).toBe(true);
  });

  it('runs calls written as text (fallback), answers malformed arguments, runs only the first of several', async () => {
    const repo = tempRepo();
    const run = await runAgent({
      protocol: 'tools',
      cwd: repo,
      script: [
        { text: 'I will run:\n```bash\necho fallback-ran\n```' },
        { toolCalls: [{ name: 'bash', arguments: '{"command": "echo hi' }] },
        { toolCalls: [{ name: 'bash', arguments: { command: 'echo one' } }, { id: 'call_2', name: 'bash', arguments: { command: 'echo two' } }] },
        { text: 'Nothing to run here.' },
        { text: '<tool_call>{"name": "finish", "arguments": {}}</tool_call>' },
      ],
    });
    expect(run.messages(1).at(-1)).toEqual({ role: 'user', content: 'fallback-ran\n' });
    expect(run.messages(2).at(-1)?.content).toMatch(/^Error: the call to bash was not run: the arguments are not valid JSON/);
    expect(run.messages(3).slice(-2)).toEqual([
      { role: 'tool', tool_call_id: 'call_1', content: 'one\n' },
      { role: 'tool', tool_call_id: 'call_2', content: ONE_CALL_AT_A_TIME },
    ]);
    expect(run.messages(4).at(-1)).toEqual({ role: 'user', content: NO_TOOL_CALL_MESSAGE });
    expect(run.container.execs.map((e) => e.command)).toEqual([`bash -c 'echo fallback-ran'`, `bash -c 'echo one'`]);
    const tools = run.steps.filter((s) => s.kind === 'tool');
    expect(tools.map((s) => [s.toolCall?.name, s.fallback])).toEqual([
      ['bash', true],
      ['bash', false],
      ['bash', false],
      ['finish', true],
    ]);
    expect(run.result.stopReason).toBe('finished');
  });

  it('switches to the official protocol when the server rejects tools', async () => {
    const run = await runAgent({ protocol: 'tools', server: { rejectTools: true }, script: [{ text: 'DONE' }], config: { additionalInstructions: 'Use the tools, please.' } });
    expect(run.server.requests).toHaveLength(2);
    expect(run.body(0)).toHaveProperty('tools');
    expect(run.messages(0)[0]?.content).toBe(firstUserMessage(task('9002'), 'tools', 'Use the tools, please.'));
    // The replacement text was written for tools; the official protocol gets its own default.
    expect(run.body(1)).not.toHaveProperty('tools');
    expect(run.messages(1)).toEqual([{ role: 'user', content: firstUserMessage(task('9002'), 'official', OFFICIAL_ADDITIONAL_INSTRUCTIONS) }]);
    expect(run.steps[0]).toMatchObject({ kind: 'note', note: expect.stringMatching(/does not take tools.*official/) });
    expect(run.result).toMatchObject({ stopReason: 'finished', protocol: 'official', turns: 1 });
  });

  it('writes the manager decision where the grader reads it', async () => {
    const repo = tempRepo();
    const t = task('9101-manager-0');
    const correct = t.correctProposalId!;
    const run = await runAgent({
      protocol: 'tools',
      taskId: t.questionId,
      cwd: repo,
      script: [
        { toolCalls: [{ name: 'submit_decision', arguments: { selected_proposal_id: 99 } }] },
        { toolCalls: [{ name: 'submit_decision', arguments: { selected_proposal_id: correct } }] },
        { toolCalls: [{ name: 'finish', arguments: {} }] },
      ],
    });
    expect((run.body(0).tools as { function: { name: string } }[]).map((x) => x.function.name)).toContain('submit_decision');
    expect(run.messages(1).at(-1)?.content).toMatch(/^Error: there is no proposal 99/);
    const file = readFileSync(path.join(repo, 'manager_decisions.json'), 'utf8');
    expect(gradeManagerDecision(file, correct)).toEqual({ submitted: correct, passed: true });
    expect(run.result.decision).toEqual({ selected_proposal_id: correct });
  });
});

describe('model errors and limits', () => {
  it('retries a 429 and goes on', async () => {
    const run = await runAgent({
      protocol: 'official',
      script: [{ error: { status: 429, body: { error: { message: 'slow down', type: 'rate_limit_error' } } } }, { text: 'DONE' }],
    });
    expect(run.server.requests).toHaveLength(2);
    expect(run.result.stopReason).toBe('finished');
    expect(run.steps[0]).toMatchObject({ kind: 'note', note: expect.stringMatching(/HTTP 429.*retry 1/) });
  });

  it('ends with model_error, not a throw, when the server keeps failing', async () => {
    const fail = { error: { status: 500, body: { error: { message: 'boom' } } } };
    const run = await runAgent({ protocol: 'official', script: [fail, fail, fail, fail, { text: 'DONE' }] });
    expect(run.server.requests).toHaveLength(4); // the first try and maxRetries (3)
    expect(run.result.stopReason).toBe('model_error');
    expect(run.result.note).toMatch(/HTTP 500.*boom.*after 4 tries/);
  });

  it('stops at once on budget_exceeded from the proxy', async () => {
    const run = await runAgent({
      protocol: 'tools',
      script: [{ error: { status: 400, body: { error: { message: 'run budget spent', type: 'budget_exceeded', code: 'budget_exceeded' } } } }, { text: 'DONE' }],
    });
    expect(run.server.requests).toHaveLength(1);
    expect(run.result).toMatchObject({ stopReason: 'budget', protocol: 'tools' });
  });

  it('checks the proxy usage against tokens and dollars before each call', async () => {
    const dollars = await runAgent({
      protocol: 'official',
      script: [{ text: 'DONE' }],
      limits: { maxUsd: 5 },
      hooks: { usage: () => ({ inputTokens: 1, outputTokens: 1, costUsd: 5 }) },
    });
    expect(dollars.server.requests).toHaveLength(0);
    expect(dollars.result.stopReason).toBe('budget');
    await server?.close();

    // The proxy has metered 800 in + 200 out per call: the limit is reached after the first.
    const metered = (): number => server?.requests.length ?? 0;
    const tokens = await runAgent({
      protocol: 'official',
      script: [{ text: python('print(1)') }, { text: 'DONE' }],
      limits: { maxTokens: 1000 },
      handler: answer('1\n'),
      hooks: { usage: () => ({ inputTokens: 800 * metered(), outputTokens: 200 * metered(), costUsd: 0 }) },
    });
    expect(tokens.server.requests).toHaveLength(1);
    expect(tokens.result).toMatchObject({ stopReason: 'tokens', note: 'used 1000 tokens, the limit is 1000' });
  });

  it('trims and retries once on a context-length error; a second one is a model_error', async () => {
    const tooLong = { error: { status: 400, body: { error: { message: "This model's maximum context length is 8192 tokens.", code: 'context_length_exceeded' } } } };
    const ok = await runAgent({
      protocol: 'official',
      script: [{ text: python('print(1)') }, tooLong, { text: 'DONE' }],
      handler: answer('1\n'),
    });
    expect(ok.server.requests).toHaveLength(3);
    expect(ok.messages(2).length).toBeLessThan(ok.messages(1).length);
    expect(ok.messages(2)[0]).toEqual(ok.messages(0)[0]);
    expect(ok.result.stopReason).toBe('finished');
    await server?.close();

    // Long observations, so the first trim leaves history that a second trim could still drop.
    const failed = await runAgent({
      protocol: 'official',
      script: [{ text: python('print(1)') }, { text: python('print(2)') }, tooLong, tooLong, { text: 'DONE' }],
      handler: answer('z'.repeat(20_000)),
    });
    expect(failed.messages(3).length).toBeGreaterThan(1);
    expect(failed.server.requests).toHaveLength(4);
    expect(failed.result.stopReason).toBe('model_error');
  });

  it('returns cancelled when the signal aborts during an action', async () => {
    const controller = new AbortController();
    const run = await runAgent({
      protocol: 'official',
      script: [{ text: python('import time; time.sleep(100)') }, { text: 'DONE' }],
      signal: controller.signal,
      handler: () => {
        controller.abort();
        throw new CancelledError();
      },
    });
    expect(run.server.requests).toHaveLength(1);
    expect(run.result.stopReason).toBe('cancelled');
  });

  it('returns time at the wall-time limit, interrupting the running action', async () => {
    const run = await runAgent({
      protocol: 'tools',
      script: [{ toolCalls: [{ name: 'bash', arguments: { command: 'sleep 100' } }] }, { text: 'DONE' }],
      limits: { wallTimeSec: 0.3 },
      handler: (_command, opts) =>
        new Promise((_, reject) => opts.signal?.addEventListener('abort', () => reject(new CancelledError()), { once: true })),
    });
    expect(run.server.requests).toHaveLength(1);
    expect(run.result.stopReason).toBe('time');
  });

  it('refuses a config it cannot run', () => {
    const base: BuiltinAgentConfig = { protocol: 'official', baseUrl: 'http://x/v1', apiKey: KEY, model: 'm', limits: { maxTurns: 40, actionTimeoutSec: 300, observationMaxChars: 1000 } };
    expect(() => createBuiltinAgent({ ...base, limits: { ...base.limits, maxTurns: 0 } }, { onStep: () => {} })).toThrow(/maxTurns/);
    expect(() => createBuiltinAgent({ ...base, additionalInstructionsFile: '/nonexistent/instructions.txt' }, { onStep: () => {} })).toThrow(/instructions\.txt/);
  });
});
