/**
 * A CLI coding agent (Codex CLI, opencode, Claude Code, Qwen Code) or a custom command line as
 * an attempt's solver. The agent runs inside the task container, from its binaries' cache
 * mounted read-only, on a network where only the metering proxy answers; it holds the run's own
 * key for the proxy, never the real one.
 *
 * It runs in a session of its own under `timeout`, so at the wall-time limit, when its budget is
 * spent, or on cancel, its whole process tree is killed (a process that left the session on
 * purpose is what the footprint's "processes left running" reports). Afterwards its stdout and
 * its own session logs are kept as artifacts and turned into transcript steps.
 */
import path from 'node:path';
import type { StopReason } from '../../../../shared/agents';
import type { CliAgentName } from '../../../../shared/cli-agents';
import type { TaskDetail } from '../../../../shared/tasks';
import { shellQuote, type TaskContainer } from '../../engine/container-runtime';
import type { SolveContext, SolveResult } from '../../solvers/solver';
import type { AgentStep } from '../builtin/builtin-agent';
import { buildTaskPrompt } from '../builtin/prompts';
import { cliLaunch, SYSTEM_PATH, type CliLaunch } from './launch';
import { CLI_OBSERVATION_MAX_CHARS, parseCliTranscript, type CliTranscript } from './transcripts';

/**
 * Everything of the agent's own lives here in the container (not in the repository). Not under
 * /tmp: Codex refuses to set up its helper programs in a temporary folder.
 */
export const AGENT_DIR = '/var/tmp/lancer-agent';
const SESSION_FILE = `${AGENT_DIR}/sid`;
const STDERR_FILE = `${AGENT_DIR}/stderr.log`;
const PROMPT_FILE = `${AGENT_DIR}/prompt.txt`;
/** Kept of the agent's stdout and of each log file. */
const MAX_LOG_BYTES = 50 * 1024 * 1024;
/** After the budget is spent, the agent gets this long to stop by itself (they exit within seconds). */
const BUDGET_GRACE_MS = 10_000;

/** The instructions a CLI agent gets after the task prompt: its own tools, no user tool. */
export const CLI_AGENT_INSTRUCTIONS = [
  'Work in the repository with the tools you have. The machine has no internet access.',
  'Read the relevant code before you change it. When you have completely finished, stop: the changes in the working tree are graded then.',
].join('\n');

export type CliAgentChoice = { name: CliAgentName; version: string } | { name: 'custom'; command: string; env: Record<string, string> };

export interface CliSolveSetup {
  agent: CliAgentChoice;
  /** Where the agent's cache is mounted in the container (CLI agents). */
  cacheDir: string | null;
  model: string;
  params: { temperature?: number; reasoningEffort?: string; maxTokens?: number };
  maxTurns: number;
  wallTimeSec: number;
  /** The proxy as the container reaches it, for this attempt. */
  proxy: { openaiBaseUrl: string; anthropicBaseUrl: string; apiKey: string };
  /** Whether the attempt's or the run's budget is spent (the proxy refuses further calls). */
  budgetSpent(): boolean;
  onStep(step: AgentStep): void;
  keep(name: string, data: Buffer): void;
}

export interface CliSolveOutcome extends SolveResult {
  stopReason: StopReason;
  transcript: CliTranscript;
}

/** The task prompt for a CLI agent: the official wording, without the user tool it does not have. */
export function cliTaskPrompt(task: TaskDetail, cwd: string): string {
  return `${buildTaskPrompt(task, 'official', cwd, { userTool: false })}\n\n${CLI_AGENT_INSTRUCTIONS}`;
}

/** The command line, environment and files of a custom agent. */
function customLaunch(choice: { command: string; env: Record<string, string> }, setup: CliSolveSetup, home: string): CliLaunch {
  return {
    argv: ['bash', '-c', choice.command],
    env: [
      `HOME=${home}`,
      `PATH=${SYSTEM_PATH.join(':')}`,
      ...Object.entries(choice.env).map(([k, v]) => `${k}=${v}`),
      `OPENAI_BASE_URL=${setup.proxy.openaiBaseUrl}`,
      `OPENAI_API_KEY=${setup.proxy.apiKey}`,
      `ANTHROPIC_BASE_URL=${setup.proxy.anthropicBaseUrl}`,
      `ANTHROPIC_API_KEY=${setup.proxy.apiKey}`,
      `LANCER_MODEL=${setup.model}`,
      `LANCER_PROMPT_FILE=${PROMPT_FILE}`,
    ],
    files: [],
    logGlobs: [],
    promptOnStdin: false,
  };
}

/** Kills every process of the agent's session (its whole tree, whatever process group it made). */
const KILL_SESSION = [
  `sid=$(cat ${SESSION_FILE} 2>/dev/null) || exit 0`,
  'for d in /proc/[0-9]*; do',
  '  s=$(sed "s/^.*) //" "$d/stat" 2>/dev/null | cut -d" " -f4)',
  '  [ "$s" = "$sid" ] && kill -KILL "${d#/proc/}" 2>/dev/null',
  'done',
  'true',
].join('\n');

async function killSession(container: TaskContainer): Promise<void> {
  await container.exec(KILL_SESSION, { timeoutMs: 30_000 }).catch(() => undefined);
}

export async function solveWithCliAgent(ctx: SolveContext, setup: CliSolveSetup): Promise<CliSolveOutcome> {
  const { container, cwd } = ctx;
  const home = `${AGENT_DIR}/home`;
  const prompt = cliTaskPrompt(ctx.task, cwd);
  const launch =
    setup.agent.name === 'custom'
      ? customLaunch(setup.agent, setup, home)
      : cliLaunch({
          agent: setup.agent.name,
          cacheDir: setup.cacheDir!,
          proxy: setup.proxy,
          model: setup.model,
          prompt,
          cwd,
          home,
          params: setup.params,
          maxTurns: setup.maxTurns,
        });
  await container.exec(`rm -rf ${AGENT_DIR} && mkdir -p ${home}`, { timeoutMs: 30_000, signal: ctx.signal });
  if (setup.agent.name !== 'custom') {
    // Docker mounts a missing host folder as an empty one: say what is wrong instead of "not found".
    const present = await container.exec(`test -x ${shellQuote(launch.argv[0] ?? '')}`, { timeoutMs: 30_000, signal: ctx.signal });
    if (present.exitCode !== 0) throw new Error(`the ${setup.agent.name} binaries are not in its cache any more: fetch them again (lancer agents fetch ${setup.agent.name})`);
  }
  await container.putFile(PROMPT_FILE, prompt, { signal: ctx.signal });
  // A file's folder must exist before Docker can put the file there.
  const folders = [...new Set(launch.files.map((f) => path.posix.dirname(f.path)))];
  if (folders.length > 0) await container.exec(`mkdir -p ${folders.map(shellQuote).join(' ')}`, { timeoutMs: 30_000, signal: ctx.signal });
  for (const file of launch.files) await container.putFile(file.path, file.content, { mode: file.mode, signal: ctx.signal });

  // The command line is logged; the key travels only in the environment, which is not.
  const argv = launch.argv.map(shellQuote).join(' ');
  ctx.log(`$ ${argv.length > 400 ? `${argv.slice(0, 400)}…` : argv}\n`);
  const command = `echo $$ > ${SESSION_FILE}; exec timeout -k 5 ${setup.wallTimeSec} ${argv} < ${launch.promptOnStdin ? PROMPT_FILE : '/dev/null'} 2> ${STDERR_FILE}`;
  let stdout = '';
  let budgetSpentAt: number | null = null;
  let killedForBudget = false;
  // The proxy refuses calls once a budget is spent; an agent that does not stop by itself soon
  // after is stopped.
  const watchdog = setInterval(() => {
    if (!setup.budgetSpent()) return;
    budgetSpentAt ??= Date.now();
    if (!killedForBudget && Date.now() - budgetSpentAt > BUDGET_GRACE_MS) {
      killedForBudget = true;
      ctx.log('budget spent and the agent still runs: its processes are killed\n');
      void killSession(container);
    }
  }, 1000);
  let exitCode: number | null = null;
  const startedAt = Date.now();
  try {
    const result = await container.exec(`setsid -w sh -c ${shellQuote(command)}`, {
      // `timeout` stops the agent; the exec's own limit only guards against a hung daemon.
      timeoutMs: (setup.wallTimeSec + 60) * 1000,
      signal: ctx.signal,
      workdir: cwd,
      env: launch.env,
      onOutput: (text) => {
        if (stdout.length < MAX_LOG_BYTES) stdout += text;
      },
    });
    exitCode = result.exitCode;
  } catch (error) {
    if (!ctx.signal.aborted) throw error;
  } finally {
    clearInterval(watchdog);
    // Whatever ended the wait (the agent, the wall time, a cancel), nothing of its session stays.
    await killSession(container);
  }
  const elapsedSec = Math.round((Date.now() - startedAt) / 1000);

  const logs = await collectLogs(container, launch.logGlobs, ctx.signal).catch(() => []);
  const stderr = (await container.getFile(STDERR_FILE, MAX_LOG_BYTES).catch(() => null))?.toString('utf8') ?? '';
  setup.keep('agent-stdout.jsonl', Buffer.from(stdout));
  if (stderr) setup.keep('agent-stderr.log', Buffer.from(stderr));
  for (const log of logs) setup.keep(`agent-log-${path.posix.basename(log.name)}`, Buffer.from(log.text));
  for (const line of stderr.trim().split('\n').slice(-20)) if (line) ctx.log(`agent stderr: ${line}\n`);

  const transcript = setup.agent.name === 'custom' ? customTranscript(stdout, startedAt) : parseCliTranscript(setup.agent.name, { stdout, logs, startedAt: new Date(startedAt).toISOString() });
  transcript.steps.forEach((step) => setup.onStep(step));

  let stopReason: StopReason;
  if (ctx.signal.aborted) stopReason = 'cancelled';
  else if (killedForBudget || budgetSpentAt !== null) stopReason = 'budget';
  else if (exitCode === 124 || exitCode === 137) stopReason = 'time';
  else if (exitCode === 0) stopReason = 'finished';
  else stopReason = 'model_error';
  ctx.log(`agent exited with ${exitCode ?? 'no exit code'} after ${elapsedSec} s (${stopReason})\n`);
  return {
    stopReason,
    transcript,
    ...(stopReason === 'finished' ? {} : { note: `the agent stopped: ${stopReason} (exit ${exitCode ?? '?'})` }),
    ...(ctx.task.variant === 'swe_manager' ? { decision: await readDecision(container, cwd) } : {}),
  };
}

/** A custom agent's output has no known format: its stdout is the transcript's one step. */
function customTranscript(stdout: string, startedAt: number): CliTranscript {
  if (stdout.trim() === '') return { steps: [], agentUsage: null, finalMessage: null };
  // Its end says how it finished.
  const observation = stdout.length > CLI_OBSERVATION_MAX_CHARS ? stdout.slice(-CLI_OBSERVATION_MAX_CHARS) : stdout;
  const step: AgentStep = { index: 0, at: new Date(startedAt).toISOString(), kind: 'note', observation, observationBytes: Buffer.byteLength(stdout), durationMs: Date.now() - startedAt, fallback: false, note: 'the custom agent\'s output' };
  return { steps: [step], agentUsage: null, finalMessage: null };
}

/** The agent's own session logs, by the launch's globs: up to 20 files. */
async function collectLogs(container: TaskContainer, globs: string[], signal: AbortSignal): Promise<{ name: string; text: string }[]> {
  if (globs.length === 0) return [];
  // The globs are ours (under the agent's home), expanded by the shell on purpose.
  const listing = await container.exec(`for f in ${globs.join(' ')}; do [ -f "$f" ] && echo "$f"; done; true`, { timeoutMs: 30_000, signal });
  const files = listing.output.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('/')).slice(0, 20);
  const logs: { name: string; text: string }[] = [];
  for (const file of files) {
    const data = await container.getFile(file, MAX_LOG_BYTES, signal).catch(() => null);
    if (data) logs.push({ name: file, text: data.toString('utf8') });
  }
  return logs;
}

/** A manager task's decision as the agent wrote it (graded from the file either way). */
async function readDecision(container: TaskContainer, cwd: string): Promise<unknown> {
  const file = await container.getFile(`${cwd}/manager_decisions.json`, 1024 * 1024).catch(() => null);
  if (!file) return null;
  try {
    return JSON.parse(file.toString('utf8')) as unknown;
  } catch {
    return null;
  }
}
