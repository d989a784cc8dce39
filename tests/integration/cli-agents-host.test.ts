/**
 * The real CLI agents (Codex CLI, opencode, Claude Code, Qwen Code), run on the host without
 * Docker, exactly as cliLaunch says (argv, env, config files), against the scripted model server.
 *
 * cliLaunch takes every path from its input, so the container paths (cache mount, HOME, repo)
 * become temp folders here. The script makes each agent run one shell command that writes a
 * file, then finish with a message. Each case checks what a run in a task container relies on:
 * - the command ran in the repo, and the agent exited 0;
 * - every request reached the server with the per-run key, and no request was made beyond the
 *   two scripted replies (no title request, no model list, no side model);
 * - the key appears in no argument and no config file;
 * - parseCliTranscript, on the real stdout and the real session logs, finds the tool call with
 *   the command, its result, the final message, and the agent's own token totals equal to what
 *   the server reported (normalised: input counts cached tokens, output counts reasoning).
 *
 * - where strace works, the agent opened no network connection except to the server (on
 *   127.0.0.1) and sent no DNS query: it would find no internet in a task container.
 *
 * Binaries come from .lancer-test/agent-cache as in agent-cache.test.ts; a missing one is
 * downloaded from registry.npmjs.org (Codex 172 MB, Claude Code 186 MB, Qwen Code and its Node
 * 85 MB, opencode 60 MB). The registry is a requirement here, so nothing skips.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliAgentName } from '../../src/shared/cli-agents';
import { AgentCache } from '../../src/main/core/agents/cli/agent-cache';
import { cliLaunch } from '../../src/main/core/agents/cli/launch';
import { parseCliTranscript } from '../../src/main/core/agents/cli/transcripts';
import { startScriptedModelServer, type ScriptedReply, type ScriptedUsage } from '../helpers/scripted-model-server';
import { makeTempDir } from '../helpers/temp-dir';
import { repoRoot } from '../helpers/workbench-server';

const MINUTE = 60_000;
const cache = new AgentCache({ dataDir: path.join(repoRoot, '.lancer-test', 'agent-cache') });
const KEY = 'sk-lancer-run-4c1d9e';
const MODEL = 'scripted-model';
const COMMAND = 'echo fixed > answer.txt';
const FINAL = 'Done: answer.txt now says fixed.';
const PROMPT = 'The file answer.txt must contain the word fixed. Make it so, then say what you did.';

interface Case {
  agent: CliAgentName;
  /** The agent's own shell tool, as its requests declare it. */
  call: { name: string; arguments: Record<string, unknown> };
  /** The API path its model calls use. */
  apiPath: RegExp;
  /** Whether its wire format reports reasoning tokens (Anthropic's has no such count). */
  reportsReasoning: boolean;
}

const cases: Case[] = [
  { agent: 'codex', call: { name: 'exec_command', arguments: { cmd: COMMAND } }, apiPath: /^\/v1\/responses$/, reportsReasoning: true },
  {
    agent: 'opencode',
    call: { name: 'bash', arguments: { command: COMMAND, description: 'Write the answer file' } },
    apiPath: /^\/v1\/chat\/completions$/,
    reportsReasoning: true,
  },
  {
    agent: 'claude-code',
    call: { name: 'Bash', arguments: { command: COMMAND, description: 'Write the answer file' } },
    apiPath: /^\/v1\/messages(\?beta=true)?$/,
    reportsReasoning: false,
  },
  {
    agent: 'qwen-code',
    call: { name: 'run_shell_command', arguments: { command: COMMAND, description: 'Write the answer file' } },
    apiPath: /^\/v1\/chat\/completions$/,
    reportsReasoning: true,
  },
];

function script(c: Case): ScriptedReply[] {
  return [
    {
      reasoning: 'The answer goes into answer.txt.',
      text: 'Writing the answer file.',
      toolCalls: [{ id: 'call_write', ...c.call }],
      usage: { promptTokens: 1500, completionTokens: 60, cachedTokens: 300, reasoningTokens: 12 },
    },
    { text: FINAL, usage: { promptTokens: 1700, completionTokens: 15, cachedTokens: 1400, reasoningTokens: 0 } },
  ];
}

interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs like the engine does: this env only, stdin the prompt (when the launch says so) or
 * nothing. Async, so the in-process server keeps answering.
 */
function run(argv: string[], env: string[], cwd: string, timeoutMs: number, stdin: string | null): Promise<Exited> {
  const envObject = Object.fromEntries(env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env: envObject, stdio: [stdin === null ? 'ignore' : 'pipe', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    if (stdin !== null) child.stdin!.end(stdin);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The files the launch's shell globs match, as the engine reads them back. */
function expandGlobs(globs: string[]): string[] {
  const out = execFileSync('bash', ['-c', `shopt -s nullglob; for f in ${globs.join(' ')}; do printf '%s\\0' "$f"; done`], { encoding: 'utf8' });
  return out.split('\0').filter((f) => f !== '');
}

/** strace's path when it can trace children here (it needs ptrace, which some CI sandboxes forbid). */
const strace = ((): string | null => {
  try {
    const program = execFileSync('bash', ['-c', 'command -v strace'], { encoding: 'utf8' }).trim();
    execFileSync(program, ['-f', '-qq', '-o', '/dev/null', 'true'], { stdio: 'ignore' });
    return program;
  } catch {
    return null;
  }
})();

/** The network destinations in an strace log of connect/sendto calls: `addr:port` for IP sockets. */
function networkDestinations(straceLog: string): string[] {
  const out: string[] = [];
  for (const m of straceLog.matchAll(/sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)/g)) out.push(`${m[2]}:${m[1]}`);
  for (const m of straceLog.matchAll(/sin6_port=htons\((\d+)\),[^\n]*?inet_pton\(AF_INET6, "([^"]+)"/g)) out.push(`[${m[2]}]:${m[1]}`);
  return out;
}

const sum = (usages: (ScriptedUsage | null)[], field: keyof ScriptedUsage): number => usages.reduce((n, u) => n + (u?.[field] ?? 0), 0);

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

describe.each(cases)('$agent on the host against the scripted model server', (c) => {
  it(
    'runs one shell command through the per-run key, and its transcript and token totals come back',
    async () => {
      const info = await cache.fetch(c.agent);
      expect(info.state).toBe('ready');

      const server = await startScriptedModelServer({ script: script(c), requireKey: KEY, models: [MODEL] });
      const { dir, cleanup } = makeTempDir(`lancer-${c.agent}-`);
      cleanups.push(cleanup);
      try {
        const home = path.join(dir, 'home');
        const repo = path.join(dir, 'repo');
        mkdirSync(home, { recursive: true });
        mkdirSync(repo, { recursive: true });
        execFileSync('git', ['init', '-q', repo]);
        writeFileSync(path.join(repo, 'README.md'), '# A task repo\n');

        const launch = cliLaunch({
          agent: c.agent,
          cacheDir: info.cacheDir,
          proxy: { openaiBaseUrl: server.url, anthropicBaseUrl: server.url.replace(/\/v1$/, ''), apiKey: KEY },
          model: MODEL,
          prompt: PROMPT,
          cwd: repo,
          home,
          maxTurns: 10,
        });
        expect(launch.argv.join(' ')).not.toContain(KEY);
        for (const f of launch.files) {
          expect(f.content).not.toContain(KEY);
          mkdirSync(path.dirname(f.path), { recursive: true });
          writeFileSync(f.path, f.content, { mode: f.mode ?? 0o644 });
        }

        const straceLog = path.join(dir, 'strace.txt');
        const argv = strace ? [strace, '-f', '-qq', '-e', 'trace=connect,sendto,sendmsg', '-o', straceLog, ...launch.argv] : launch.argv;
        const started = Date.now();
        const exited = await run(argv, launch.env, repo, 3 * MINUTE, launch.promptOnStdin ? PROMPT : null);
        console.log(`${c.agent}: exit ${exited.code} in ${((Date.now() - started) / 1000).toFixed(1)} s, ${server.requests.length} requests`);
        expect(exited.code, `stderr:\n${exited.stderr}\nstdout:\n${exited.stdout.slice(-4000)}`).toBe(0);
        expect(readFileSync(path.join(repo, 'answer.txt'), 'utf8')).toBe('fixed\n');

        // Exactly the two scripted calls, on the expected API, each with the per-run key.
        expect(server.requests.map((r) => [r.method, r.scriptIndex])).toEqual([
          ['POST', 0],
          ['POST', 1],
        ]);
        // The prompt reached the model as it was written (not quoted, not split).
        expect(JSON.stringify(server.requests[0]?.body)).toContain(JSON.stringify(PROMPT).slice(1, -1));
        expect(JSON.stringify(server.requests[0]?.body)).not.toContain(JSON.stringify(`"${PROMPT}"`).slice(1, -1));
        for (const r of server.requests) {
          expect(r.path).toMatch(c.apiPath);
          expect(r.headers.authorization === `Bearer ${KEY}` || r.headers['x-api-key'] === KEY).toBe(true);
          expect((r.body as { model?: string }).model).toBe(MODEL);
        }

        if (strace) {
          const port = new URL(server.url).port;
          const destinations = networkDestinations(readFileSync(straceLog, 'utf8'));
          expect(destinations.length).toBeGreaterThan(0);
          expect(destinations.filter((d) => d !== `127.0.0.1:${port}`)).toEqual([]);
        }

        const logNames = expandGlobs(launch.logGlobs);
        expect(logNames.length, `no file matched ${launch.logGlobs.join(' ')}`).toBeGreaterThan(0);
        for (const name of logNames) expect(name.startsWith(`${home}/`)).toBe(true);
        const logs = logNames.map((name) => ({ name, text: readFileSync(name, 'utf8') }));
        const transcript = parseCliTranscript(c.agent, { stdout: exited.stdout, logs });

        const callAt = transcript.steps.findIndex((s) => s.kind === 'model' && s.toolCall !== undefined && JSON.stringify(s.toolCall.arguments).includes(COMMAND));
        expect(callAt, JSON.stringify(transcript.steps, null, 1)).toBeGreaterThanOrEqual(0);
        expect(transcript.steps[callAt + 1]).toMatchObject({ kind: 'tool', exitCode: 0 });
        expect(transcript.steps.some((s) => s.kind === 'model' && s.message === FINAL)).toBe(true);
        expect(transcript.steps.map((s) => s.index)).toEqual(transcript.steps.map((_, i) => i));
        expect(transcript.finalMessage).toBe(FINAL);

        const sent = server.requests.map((r) => r.usageSent);
        expect(transcript.agentUsage).toEqual({
          inputTokens: sum(sent, 'promptTokens'),
          cachedTokens: sum(sent, 'cachedTokens'),
          outputTokens: sum(sent, 'completionTokens'),
          reasoningTokens: c.reportsReasoning ? sum(sent, 'reasoningTokens') : 0,
        });

        if (c.agent === 'codex') {
          // Only function tools: web search and the sub-agent namespace are switched off, which
          // OpenAI-compatible servers other than OpenAI's reject.
          const tools = (server.requests[0]!.body as { tools: { type: string; name: string }[] }).tools;
          expect(tools.every((t) => t.type === 'function')).toBe(true);
          expect(tools.map((t) => t.name)).toContain('exec_command');
        }
        if (c.agent === 'opencode') {
          // The config folder looked installed, so opencode tried no npm install.
          expect(existsSync(path.join(home, '.npm'))).toBe(false);
        }
      } finally {
        await server.close();
      }
    },
    10 * MINUTE,
  );
});
