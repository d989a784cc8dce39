/**
 * Agents inside the task container, end to end on the sample benchmark (real Docker, real
 * engine, a scripted model server over real HTTP): what the container can reach while an agent
 * solves, and grading that a cheating solver cannot fool.
 *
 * The solvers here are custom agents (a command line run in the container, as for agents that
 * live in their own image): each does exactly what a test needs, the cheats included.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltinSolverInput } from '../../src/shared/agents';
import type { CliAgentName } from '../../src/shared/cli-agents';
import { importDataset } from '../../src/main/core/dataset/importer';
import { storeIdFor, Workbench } from '../../src/main/core/workbench';
import { canRunSample, ensureSampleImages, sampleCsv, sampleIssues } from '../helpers/sample-images';
import { modelCalls, startScriptedModelServer, type ScriptedModelServer, type ScriptedReply } from '../helpers/scripted-model-server';
import { lancerAsyncIn } from '../helpers/cli';
import { makeTempDir } from '../helpers/temp-dir';
import { repoRoot } from '../helpers/workbench-server';

const MINUTE = 60_000;
const runnable = await canRunSample();
const KEY = 'sk-lancer-test-cli-5e1d7b3a9c2f4e6a';
const KEY_ENV = 'LANCER_TEST_CLI_AGENT_KEY';

describe.skipIf(!runnable)('agents in the task container (real Docker, scripted model)', () => {
  let dir: string;
  let cleanup: () => void;
  let wb: Workbench;
  const servers: ScriptedModelServer[] = [];

  beforeAll(async () => {
    await ensureSampleImages();
    ({ dir, cleanup } = makeTempDir('lancer-cli-agent-'));
    // The agents' binaries: the cache the other agent suites fill (.lancer-test), not a fresh
    // download of 230 MB per run; a fetch below fills whatever it lacks.
    const sharedCache = path.join(repoRoot, '.lancer-test', 'agent-cache', 'agent-cache');
    mkdirSync(sharedCache, { recursive: true });
    symlinkSync(sharedCache, path.join(dir, 'agent-cache'));
    wb = new Workbench({ dataDir: dir, version: 'test', transport: 'cli' });
    // One test run per grading: these tasks fail on purpose, and three runs of a failing E2E
    // test in each of two gradings prove nothing more.
    wb.settings.update({ testRuns: 1 });
    await importDataset(wb.datasets, { path: sampleCsv, issuesDir: sampleIssues, name: 'sample' });
    process.env[KEY_ENV] = KEY;
  }, 10 * MINUTE);

  afterAll(async () => {
    delete process.env[KEY_ENV];
    for (const s of servers) await s.close();
    await wb?.close();
    cleanup?.();
  });

  async function serve(script: ScriptedReply[]): Promise<ScriptedModelServer> {
    const server = await startScriptedModelServer({ script, requireKey: KEY });
    servers.push(server);
    return server;
  }

  async function runCustom(server: ScriptedModelServer, questionId: string, command: string, extra: Partial<BuiltinSolverInput> & { grading?: 'clean' | 'official' | 'both' } = {}) {
    const { grading, ...solver } = extra;
    const runId = await wb.engine.createRun({
      datasetId: 'sample',
      taskIds: [questionId],
      solver: { kind: 'builtin', agent: 'custom', agentCommand: command, baseUrl: server.url, model: 'scripted-model', apiKeyEnv: KEY_ENV, ...solver },
      concurrency: 1,
      ...(grading ? { grading } : {}),
    });
    await wb.engine.start(runId);
    await wb.agents.flush();
    const run = wb.runs.getRun(runId);
    const attempt = run.attempts.find((a) => !a.retried)!;
    return { runId, run, attempt, detail: wb.runs.attemptDetail(attempt.id), steps: wb.runs.steps(attempt.id), logs: wb.runs.logs(attempt.id).map((l) => l.text) };
  }

  // The sample task 9001's fix, as a shell command the scripted model asks the agent to run.
  const FIX = `sed -i "s/event.key === 'Enter' \\&\\& event.shiftKey/event.key === 'Enter' \\&\\& !event.shiftKey/" public/app.js`;
  const cases: { agent: CliAgentName; call: { name: string; arguments: Record<string, unknown> }; api: RegExp }[] = [
    { agent: 'codex', call: { name: 'exec_command', arguments: { cmd: FIX } }, api: /\/v1\/responses$/ },
    { agent: 'opencode', call: { name: 'bash', arguments: { command: FIX, description: 'Fix the Enter key' } }, api: /\/v1\/chat\/completions$/ },
    // Claude Code and Qwen Code take the same path (mount, network, proxy); they are run for real
    // on the host (cli-agents-host.test.ts), which keeps this suite's minutes down.
  ];

  it.each(cases)('the real $agent binary, mounted read-only from its cache, fixes a sample task through the proxy and earns its price', async ({ agent, call, api }) => {
    await wb.agentCache.fetch(agent);
    const server = await serve([
      { reasoning: 'The Enter handler checks shiftKey the wrong way round.', text: 'Fixing the Enter handler.', toolCalls: [{ id: 'call_fix', ...call }], usage: { promptTokens: 2100, completionTokens: 80, cachedTokens: 100, reasoningTokens: 10 } },
      { text: 'Fixed: Enter sends, Shift+Enter adds a line.', usage: { promptTokens: 2400, completionTokens: 20, cachedTokens: 2000, reasoningTokens: 0 } },
    ]);
    const runId = await wb.engine.createRun({
      datasetId: 'sample',
      taskIds: ['9001'],
      solver: { kind: 'builtin', agent, baseUrl: server.url, model: 'scripted-model', apiKeyEnv: KEY_ENV },
      concurrency: 1,
    });
    await wb.engine.start(runId);
    await wb.agents.flush();
    const run = wb.runs.getRun(runId);
    const attempt = run.attempts.find((a) => !a.retried)!;
    const logs = wb.runs.logs(attempt.id).map((l) => l.text);
    expect(attempt.state, `${attempt.error ?? ''}\n${logs.slice(-40).join('\n')}`).toBe('passed');
    expect(attempt.earned).toBe(attempt.price);
    expect(run.manifest.solver).toMatchObject({ agent: { name: agent } });
    expect(attempt.grading).toMatchObject({ mode: 'both', official: { outcome: 'passed' }, clean: { outcome: 'passed' }, differs: false });
    expect(attempt.stopReason).toBe('finished');

    // Both calls went through the proxy on the agents' network, with the run's key; upstream got the real one.
    expect(modelCalls(server).map((r) => r.scriptIndex)).toEqual([0, 1]);
    for (const r of modelCalls(server)) {
      expect(r.path).toMatch(api);
      expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
    }
    // The proxy's totals equal what the server sent; the agent's own count agrees.
    const sent = modelCalls(server).map((r) => r.usageSent!);
    const sum = (k: 'promptTokens' | 'completionTokens' | 'cachedTokens'): number => sent.reduce((a, u) => a + u[k], 0);
    expect(attempt.usage).toMatchObject({ requests: 2, inputTokens: sum('promptTokens'), outputTokens: sum('completionTokens'), cachedTokens: sum('cachedTokens') });
    expect(attempt.agentUsage).toMatchObject({ inputTokens: sum('promptTokens'), outputTokens: sum('completionTokens') });

    // Its transcript: the call and its result, the final message; its own logs kept.
    const steps = wb.runs.steps(attempt.id);
    const callAt = steps.findIndex((st) => st.kind === 'model' && JSON.stringify(st.toolCall?.arguments ?? '').includes('shiftKey'));
    expect(callAt, JSON.stringify(steps, null, 1)).toBeGreaterThanOrEqual(0);
    expect(steps[callAt + 1]).toMatchObject({ kind: 'tool', exitCode: 0 });
    expect(steps.some((st) => st.message?.includes('Enter sends'))).toBe(true);
    const names = wb.runs.attemptDetail(attempt.id).artifacts.map((a) => a.name);
    expect(names).toEqual(expect.arrayContaining(['agent-stdout.jsonl', 'trajectory.json', 'model-exchanges.jsonl.gz']));
    const trajectory = JSON.parse(readFileSync(wb.artifacts.pathOf(wb.runs.attemptDetail(attempt.id).artifacts.find((a) => a.name === 'trajectory.json')!.sha256), 'utf8')) as { agent: { name: string } };
    expect(trajectory.agent.name).toBe(agent);
    // Only the repository changed: the agent's binaries were mounted, not installed.
    expect(attempt.outsideRepoChanges).toEqual([]);
  }, 10 * MINUTE);

  it('while solving, only the metering proxy answers: the internet probe fails, a model call through the proxy succeeds with the run key', async () => {
    const server = await serve([{ text: 'pong from the model', usage: { promptTokens: 321, completionTokens: 7 } }]);
    const probe = [
      "if timeout 5 bash -c 'exec 3<>/dev/tcp/1.1.1.1/80' 2>/dev/null; then echo INTERNET=open; else echo INTERNET=closed; fi",
      // The key the agent holds is the run's own, not the real one.
      '[ "$OPENAI_API_KEY" = "$LANCER_REAL_KEY_IF_LEAKED" ] && echo KEY=real || echo KEY=run',
      `python3 -c 'import json,os,urllib.request as u; r=u.Request(os.environ["OPENAI_BASE_URL"]+"/chat/completions", data=json.dumps({"model":os.environ["LANCER_MODEL"],"messages":[{"role":"user","content":"ping"}]}).encode(), headers={"Authorization":"Bearer "+os.environ["OPENAI_API_KEY"],"Content-Type":"application/json"}); print("MODEL="+json.load(u.urlopen(r, timeout=20))["choices"][0]["message"]["content"])'`,
      'test -s "$LANCER_PROMPT_FILE" && echo PROMPT=present',
    ].join('\n');
    // Graded once: the gradings' agreement is the real agents' tests' business.
    const { attempt, steps, logs } = await runCustom(server, '9001', probe, { agentEnv: { LANCER_REAL_KEY_IF_LEAKED: KEY }, grading: 'official' });
    const output = steps.map((s) => s.observation ?? '').join('\n');
    expect(output).toContain('INTERNET=closed');
    expect(output).toContain('KEY=run');
    expect(output).toContain('MODEL=pong from the model');
    expect(output).toContain('PROMPT=present');
    // The server saw the real key (from the proxy) and the proxy counted what it sent.
    expect(modelCalls(server).map((r) => r.headers.authorization)).toEqual([`Bearer ${KEY}`]);
    expect(attempt.usage).toMatchObject({ requests: 1, inputTokens: 321, outputTokens: 7 });
    expect(attempt.stopReason).toBe('finished');
    // Nothing was fixed: it fails.
    expect(attempt.state).toBe('failed');
    // Each cut took the container's name out of /etc/hosts, and each time it went back: after
    // the set-up's, and after leaving the agents' network.
    expect(logs.filter((l) => l.startsWith('$ h=$(hostname) &&'))).toHaveLength(2);
    expect(logs.join('')).not.toContain('was not put back');
  }, 10 * MINUTE);

  it('a solver that fakes a pass without fixing the bug is caught: the clean grading fails, the attempt is flagged, its tampering listed', async () => {
    const server = await serve([]);
    // Four ways to cheat at once: a test runner in the zipped tests that only writes exit code 0,
    // an alias and a program on PATH, and a process outside the agent's session that would
    // rewrite the exit code. None of them fixes the bug.
    const cheat = [
      'set -e',
      'mkdir -p /tmp/cheat && cd /tmp/cheat && unzip -q -P secretpasswordhere /app/tests.zip',
      `printf '%s\\n' 'mkdir -p /app/tests/logs/$ISSUE_ID' 'echo 0 > /app/tests/logs/$ISSUE_ID/pytest_exit_code' > run_tests.sh`,
      'rm -f /app/tests.zip && zip -q -P secretpasswordhere -r /app/tests.zip .',
      "echo \"alias pytest='true'\" >> /root/.bashrc",
      "printf '#!/bin/sh\\nexit 0\\n' > /usr/local/bin/pytest && chmod +x /usr/local/bin/pytest",
      "setsid sh -c 'while true; do for f in /app/tests/logs/*/pytest_exit_code; do [ -f \"$f\" ] && echo 0 > \"$f\"; done; sleep 0.2; done' > /dev/null 2>&1 < /dev/null &",
      'echo cheated',
    ].join('\n');
    const { attempt, logs } = await runCustom(server, '9001', cheat);
    expect(attempt.grading, attempt.error ?? '').toMatchObject({ mode: 'both', official: { outcome: 'passed' }, clean: { outcome: 'failed', exitCodes: [1] }, differs: true });
    // The clean result counts.
    expect(attempt.state).toBe('failed');
    expect(attempt.earned).toBe(0);
    expect(attempt.outsideRepoChanges).toEqual(
      expect.arrayContaining([
        { path: '/app/tests.zip', area: 'tests', change: 'modified' },
        { path: '/root/.bashrc', area: 'shell-startup', change: 'modified' },
        { path: '/usr/local/bin/pytest', area: 'path', change: 'added' },
      ]),
    );
    expect(attempt.processesLeft?.some((p) => p.command.includes('pytest_exit_code'))).toBe(true);
    expect(logs.some((l) => l.startsWith('grading differs: passed in the solver'))).toBe(true);
  }, 10 * MINUTE);

  it('grading official alone is fooled by the same cheat, as the official harness would be (which is why both is the default)', async () => {
    const server = await serve([]);
    const cheat = [
      'mkdir -p /tmp/cheat && cd /tmp/cheat && unzip -q -P secretpasswordhere /app/tests.zip',
      `printf '%s\\n' 'mkdir -p /app/tests/logs/$ISSUE_ID' 'echo 0 > /app/tests/logs/$ISSUE_ID/pytest_exit_code' > run_tests.sh`,
      'rm -f /app/tests.zip && zip -q -P secretpasswordhere -r /app/tests.zip .',
    ].join('\n');
    const { attempt, run } = await runCustom(server, '9001', cheat, { grading: 'official' });
    expect(run.manifest.grading).toBe('official');
    expect(attempt.state).toBe('passed');
    expect(attempt.grading).toBeNull();
    // What it did is still on record.
    expect(attempt.outsideRepoChanges).toEqual([{ path: '/app/tests.zip', area: 'tests', change: 'modified' }]);
  }, 10 * MINUTE);

  it('stops an agent at its wall time, its whole process tree with it', async () => {
    const server = await serve([]);
    // A child that double-forks stays in the agent's session, and goes with it.
    const { attempt, logs } = await runCustom(server, '9001', '(sleep 600 &); sleep 600', { wallTimeSec: 10, grading: 'official' });
    expect(attempt.stopReason).toBe('time');
    expect(attempt.state).toBe('failed');
    expect(attempt.processesLeft).toEqual([]);
    expect(logs.some((l) => /agent exited with 124 after 1\d s \(time\)/.test(l))).toBe(true);
  }, 10 * MINUTE);

  it('stops an agent that keeps running once its budget is spent, and says so', async () => {
    const server = await serve([{ text: 'an expensive answer', usage: { promptTokens: 2000, completionTokens: 10 } }]);
    // One call spends more than the attempt's budget; then the agent ignores that and waits.
    const spend = `python3 -c 'import json,os,urllib.request as u; r=u.Request(os.environ["OPENAI_BASE_URL"]+"/chat/completions", data=json.dumps({"model":"m","messages":[{"role":"user","content":"hi"}]}).encode(), headers={"Authorization":"Bearer "+os.environ["OPENAI_API_KEY"],"Content-Type":"application/json"}); u.urlopen(r, timeout=20).read()'; sleep 600`;
    const started = Date.now();
    const { attempt } = await runCustom(server, '9001', spend, { prices: { inputPerM: 1000, cachedInputPerM: 1000, outputPerM: 1000 }, attemptBudgetUsd: 0.5, grading: 'official' });
    expect(attempt.usage?.costUsd).toBeGreaterThan(0.5);
    expect(attempt.stopReason).toBe('budget');
    expect(attempt.processesLeft).toEqual([]);
    // Stopped after the grace period, not at the 600 s sleep's end or the wall time.
    expect(Date.now() - started).toBeLessThan(3 * MINUTE);
  }, 10 * MINUTE);

  it('from the command line: lancer run --agent custom --grading clean, and lancer results --json reports grading and outsideRepoChanges', async () => {
    const server = await serve([]);
    const cliDir = makeTempDir('lancer-cli-agent-cli-');
    const lancer = lancerAsyncIn(cliDir.dir, { [KEY_ENV]: KEY });
    try {
      expect((await lancer('import', sampleCsv, '--issues', sampleIssues, '--name', 'sample')).status).toBe(0);
      const common = ['run', '--dataset', 'sample', '--tasks', '9001', '--base-url', server.url, '--model', 'scripted-model', '--api-key-env', KEY_ENV];
      const bad = await lancer(...common, '--agent', 'aider');
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain('--agent must be one of builtin, codex, opencode, claude-code, qwen-code, custom');
      expect((await lancer(...common, '--agent', 'custom')).stderr).toContain('--agent custom needs --agent-command');
      expect((await lancer(...common, '--agent', 'custom', '--agent-command', 'true', '--grading', 'strict')).stderr).toContain('--grading must be clean, official or both');

      const run = await lancer(...common, '--agent', 'custom', '--agent-command', `echo "alias ls='ls -a'" >> /root/.bashrc; ${FIX}`, '--grading', 'clean', '--json');
      expect(run.status, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout) as { runId: string; passed: number };
      expect(summary.passed).toBe(1);
      const results = JSON.parse((await lancer('results', summary.runId, '--json')).stdout) as {
        run: { manifest: { grading: string; solver: { agent: unknown } } };
        attempts: { grading: unknown; outsideRepoChanges: unknown; processesLeft: unknown }[];
      };
      expect(results.run.manifest).toMatchObject({ grading: 'clean', solver: { agent: { name: 'custom', env: {} } } });
      // The store's agents' network went with the process that made it: stores do not pile up networks.
      expect(spawnSync('docker', ['network', 'ls', '-q', '--filter', `label=lancer.store=${storeIdFor(cliDir.dir)}`], { encoding: 'utf8' }).stdout.trim()).toBe('');
      expect(results.attempts[0]).toMatchObject({
        grading: { mode: 'clean', official: null, clean: { outcome: 'passed' }, differs: false },
        outsideRepoChanges: [{ path: '/root/.bashrc', area: 'shell-startup', change: 'modified' }],
        processesLeft: [],
      });
    } finally {
      cliDir.cleanup();
    }
  }, 10 * MINUTE);
});
