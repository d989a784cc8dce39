/**
 * The built-in model agent: a Solver that drives any OpenAI-compatible chat endpoint (in
 * production, the metering proxy) inside the task container, under either protocol:
 * - `official`: the reference agent's loop exactly (harness doc §5.1, §2.10);
 * - `tools`: native tool calls, with text fallbacks, switching to `official` when the server
 *   does not take `tools`.
 *
 * Every step goes to hooks.onStep as it happens. The loop ends with a StopReason, never with a
 * thrown error for anything the model or its server did; container failures still throw, since
 * those are system errors the engine retries.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { AppError, assertNever } from '../../../../shared/result';
import type { TaskDetail } from '../../../../shared/tasks';
import { CancelledError, ExecTimeoutError, shellQuote } from '../../engine/container-runtime';
import type { SolveContext } from '../../solvers/solver';
import { DEFAULT_CONTEXT_TOKENS, TokenEstimator, trimToFit, truncateMiddle, type ChatMessage } from './context';
import { callModel, DEFAULT_RETRY, type ChatRequest, type ModelReply } from './model-client';
import {
  defaultInstructions,
  firstUserMessage,
  NO_CODE_BLOCK_WARNING,
  NO_OUTPUT_MESSAGE,
  resolveInstructions,
  taskCwd,
  timeoutMessage,
  userToolDoneMessage,
  withTurnsLeft,
} from './prompts';
import { dedent, firstPythonBlock, isDoneReply, pythonCommand, USER_TOOL_TAG } from './text-protocol';
import { callFromText, isToolName, parseArguments, toolsFor, type ToolName } from './tool-calls';
import type { AgentHooks, AgentProtocol, AgentSolveResult, AgentStep, BuiltinAgent, BuiltinAgentConfig, StepUsage, StopReason } from './types';

export type * from './types';

/** Sent for every tool call after the first in one reply (they are not run). */
export const ONE_CALL_AT_A_TIME = 'Not run: only the first tool call of a reply is run. Call this tool again in a later reply if you still need it.';

/** Sent when a `tools` reply has neither a tool call nor anything that reads as one. */
export const NO_TOOL_CALL_MESSAGE = 'No tool call was found in your reply. Use the tools to work on the task, and call `finish` when you are done.';

/** Largest file edit_file reads back from the container. */
const MAX_EDIT_BYTES = 10 * 1024 * 1024;

/** Ends the loop from anywhere inside it. */
class Stop extends Error {
  constructor(
    readonly reason: StopReason,
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'Stop';
  }
}

/** The server rejected `tools`; the attempt goes on under `official`. */
class ToolsRejected extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'ToolsRejected';
  }
}

/** What one action returned, before it is worded for the model. */
interface ActionOutput {
  output: string;
  exitCode: number | null;
  timedOut: boolean;
}

/** What a `tools` call sends back, and whether it ends the loop. */
interface ToolResult {
  observation: string;
  finish: boolean;
}

function validate(config: BuiltinAgentConfig): void {
  const bad = (what: string): never => {
    throw new AppError('invalid_input', `built-in agent: ${what}`);
  };
  if (!config.baseUrl) bad('baseUrl is empty');
  if (!config.model) bad('model is empty');
  const { maxTurns, actionTimeoutSec, observationMaxChars } = config.limits;
  if (!Number.isInteger(maxTurns) || maxTurns < 1) bad(`limits.maxTurns must be a positive integer (got ${maxTurns})`);
  if (!(actionTimeoutSec > 0)) bad(`limits.actionTimeoutSec must be positive (got ${actionTimeoutSec})`);
  if (!Number.isInteger(observationMaxChars) || observationMaxChars < 1) bad(`limits.observationMaxChars must be a positive integer (got ${observationMaxChars})`);
  if (config.contextTokens !== undefined && !(config.contextTokens > 0)) bad(`contextTokens must be positive (got ${config.contextTokens})`);
}

/**
 * Creates the built-in agent. The additional instructions (inline, from a file, or the
 * protocol's default) are resolved here, so a bad path fails before any container starts.
 * solve() returns the SolveResult plus why it stopped (`stopReason`, `note`).
 */
export function createBuiltinAgent(config: BuiltinAgentConfig, hooks: AgentHooks): BuiltinAgent {
  validate(config);
  const instructions = resolveInstructions(config);
  return {
    name: 'builtin-agent',
    solve: (ctx) => new AgentRun(config, hooks, ctx, instructions).run(),
  };
}

/** One attempt's loop and its state. */
class AgentRun {
  private readonly task: TaskDetail;
  private readonly cwd: string;
  private readonly estimator = new TokenEstimator();
  private readonly totals: StepUsage = { inputTokens: 0, cachedTokens: 0, outputTokens: 0, reasoningTokens: 0 };
  private readonly wall = new AbortController();
  /** Aborts on the engine's signal or at the wall-time limit; every request and exec gets it. */
  private readonly signal: AbortSignal;
  private readonly python: string;
  private protocol: AgentProtocol;
  private contextLimit: number;
  private stepIndex = 0;
  private turns = 0;
  private costUsd = 0;
  private decision: unknown = undefined;

  constructor(
    private readonly config: BuiltinAgentConfig,
    private readonly hooks: AgentHooks,
    private readonly ctx: SolveContext,
    private readonly instructions: string,
  ) {
    this.task = ctx.task;
    this.cwd = ctx.cwd || taskCwd(ctx.task);
    this.protocol = config.protocol;
    this.contextLimit = config.contextTokens ?? DEFAULT_CONTEXT_TOKENS;
    this.python = config.pythonCommand ?? 'python';
    this.signal = AbortSignal.any([ctx.signal, this.wall.signal]);
  }

  async run(): Promise<AgentSolveResult> {
    const wallSec = this.config.limits.wallTimeSec;
    const timer = wallSec !== undefined ? setTimeout(() => this.wall.abort(), wallSec * 1000) : undefined;
    let stop: Stop;
    try {
      try {
        stop = this.protocol === 'tools' ? await this.toolsLoop() : await this.officialLoop(this.instructions);
      } catch (error) {
        if (error instanceof Stop) stop = error;
        else if (this.signal.aborted) stop = this.abortStop();
        else throw error;
      }
    } finally {
      clearTimeout(timer);
    }
    this.emit({ kind: 'note', durationMs: 0, note: `stopped (${stop.reason}): ${stop.detail}` });
    this.log(`stopped (${stop.reason}): ${stop.detail}`);
    if (this.task.variant === 'swe_manager' && stop.reason !== 'cancelled' && this.decision === undefined) await this.readDecision();
    return {
      ...(this.decision !== undefined ? { decision: this.decision } : {}),
      stopReason: stop.reason,
      note: stop.detail,
      protocol: this.protocol,
      turns: this.turns,
      usage: { ...this.totals },
    };
  }

  // ---- the two protocols

  /** The reference agent's loop (§5.1), message for message. */
  private async officialLoop(instructions: string): Promise<Stop> {
    const messages: ChatMessage[] = [{ role: 'user', content: firstUserMessage(this.task, 'official', instructions, this.cwd) }];
    for (;;) {
      this.checkLimits();
      const reply = await this.ask(messages, undefined);
      const text = reply.content;
      messages.push({ role: 'assistant', content: text });
      const turnsLeft = this.config.limits.maxTurns - this.turns;
      const started = Date.now();
      let output: ActionOutput;
      let kind: 'tool' | 'user_tool';
      let toolCall: AgentStep['toolCall'];
      if (text.includes(USER_TOOL_TAG)) {
        kind = 'user_tool';
        toolCall = { name: 'user_tool', arguments: {} };
        output = await this.userTool();
      } else if (isDoneReply(text)) {
        return new Stop('finished', `the model replied ${JSON.stringify(text)} after ${this.turns} turns`);
      } else {
        const block = firstPythonBlock(text);
        if (block === null) {
          // As the reference agent: the warning uses up the turn and has no "Turns left" line.
          messages.push({ role: 'user', content: NO_CODE_BLOCK_WARNING });
          this.emit({ kind: 'note', durationMs: 0, observation: NO_CODE_BLOCK_WARNING, note: 'no ```python block in the reply' });
          continue;
        }
        const code = dedent(block);
        kind = 'tool';
        toolCall = { name: 'python', arguments: { code }, raw: block };
        output = await this.exec(pythonCommand(code, this.python));
      }
      let body = output.timedOut ? timeoutMessage(this.config.limits.actionTimeoutSec) : output.output;
      if (body === '') body = NO_OUTPUT_MESSAGE;
      const observation = withTurnsLeft(truncateMiddle(body, this.config.limits.observationMaxChars), turnsLeft);
      messages.push({ role: 'user', content: observation });
      this.emit({
        kind,
        toolCall,
        observation,
        observationBytes: Buffer.byteLength(body),
        exitCode: output.exitCode,
        durationMs: Date.now() - started,
        at: new Date(started).toISOString(),
      });
    }
  }

  /** Native tool calls, one run per reply, with text fallbacks. */
  private async toolsLoop(): Promise<Stop> {
    const messages: ChatMessage[] = [{ role: 'user', content: firstUserMessage(this.task, 'tools', this.instructions, this.cwd) }];
    const tools = toolsFor(this.task.variant);
    for (;;) {
      this.checkLimits();
      let reply: ModelReply;
      try {
        reply = await this.ask(messages, tools);
      } catch (error) {
        if (!(error instanceof ToolsRejected)) throw error;
        const note = `the server does not take tools (${error.detail}); the attempt goes on with the official text protocol`;
        this.emit({ kind: 'note', durationMs: 0, note });
        this.log(note);
        this.protocol = 'official';
        // The configured text was written for tools; the official protocol needs its own.
        return this.officialLoop(this.config.protocol === 'official' ? this.instructions : defaultInstructions('official'));
      }
      const [first, ...rest] = reply.toolCalls;
      if (first) {
        messages.push({
          role: 'assistant',
          content: reply.content === '' ? null : reply.content,
          tool_calls: reply.toolCalls.map((c) => ({
            id: c.id,
            type: 'function' as const,
            function: { name: c.name, arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments ?? {}) },
          })),
        });
        if (rest.length > 0) {
          this.emit({ kind: 'note', durationMs: 0, note: `the reply had ${reply.toolCalls.length} tool calls; only the first (${first.name}) runs` });
        }
        const raw = typeof first.arguments === 'string' ? first.arguments : JSON.stringify(first.arguments ?? null);
        const result = await this.runTool(first.name, first.arguments, raw, false);
        messages.push({ role: 'tool', tool_call_id: first.id, content: result.observation });
        for (const other of rest) messages.push({ role: 'tool', tool_call_id: other.id, content: ONE_CALL_AT_A_TIME });
        if (result.finish) return new Stop('finished', `the model called finish after ${this.turns} turns`);
        continue;
      }
      messages.push({ role: 'assistant', content: reply.content });
      const textCall = callFromText(reply.content);
      if (textCall) {
        const result = await this.runTool(textCall.name, textCall.arguments, textCall.raw, true);
        messages.push({ role: 'user', content: result.observation });
        if (result.finish) return new Stop('finished', `the model asked to finish (in text) after ${this.turns} turns`);
        continue;
      }
      if (reply.content.trim().toLowerCase() === 'done') {
        this.emit({ kind: 'note', durationMs: 0, fallback: true, note: 'the model replied DONE instead of calling finish' });
        return new Stop('finished', `the model replied DONE after ${this.turns} turns`);
      }
      messages.push({ role: 'user', content: NO_TOOL_CALL_MESSAGE });
      this.emit({ kind: 'note', durationMs: 0, observation: NO_TOOL_CALL_MESSAGE, note: 'no tool call in the reply' });
    }
  }

  // ---- the model

  /** Limits checked before each model call. */
  private checkLimits(): void {
    if (this.signal.aborted) throw this.abortStop();
    const { maxTurns, maxTokens, maxUsd } = this.config.limits;
    if (this.turns >= maxTurns) throw new Stop('turns', `reached the limit of ${maxTurns} turns`);
    const used = this.hooks.usage?.() ?? { inputTokens: this.totals.inputTokens, outputTokens: this.totals.outputTokens, costUsd: this.costUsd };
    const tokens = used.inputTokens + used.outputTokens;
    if (maxTokens !== undefined && tokens >= maxTokens) throw new Stop('tokens', `used ${tokens} tokens, the limit is ${maxTokens}`);
    if (maxUsd !== undefined && used.costUsd >= maxUsd) throw new Stop('budget', `spent $${used.costUsd.toFixed(4)}, the limit is $${maxUsd}`);
  }

  private abortStop(): Stop {
    if (this.ctx.signal.aborted) return new Stop('cancelled', 'the attempt was cancelled');
    return new Stop('time', `reached the wall-time limit of ${this.config.limits.wallTimeSec} s`);
  }

  /**
   * One model call: trims the history to the context limit, retries what is worth retrying,
   * trims harder once after a context-length error, and reports the reply as a step. A spent
   * budget or a failing model stops the loop; a refusal of `tools` throws ToolsRejected.
   */
  private async ask(messages: ChatMessage[], tools: unknown[] | undefined): Promise<ModelReply> {
    const toolsText = tools ? JSON.stringify(tools) : '';
    const estimate = (m: readonly ChatMessage[]): number => this.estimator.estimate(m, toolsText);
    const trim = (why: string): number => {
      const before = estimate(messages);
      const dropped = trimToFit(messages, this.contextLimit, estimate);
      if (dropped > 0) {
        this.emit({ kind: 'note', durationMs: 0, note: `${why}: dropped the ${dropped} oldest messages after the first (about ${before} → ${estimate(messages)} tokens, limit ${this.contextLimit})` });
      }
      return dropped;
    };
    trim('context over the limit');
    const { params } = this.config;
    let retriedContext = false;
    for (;;) {
      const request: ChatRequest = {
        model: this.config.model,
        messages,
        ...(tools ? { tools } : {}),
        ...(params?.temperature !== undefined ? { temperature: params.temperature } : {}),
        ...(params?.reasoningEffort !== undefined ? { reasoning_effort: params.reasoningEffort } : {}),
        ...(params?.maxTokens !== undefined ? { max_tokens: params.maxTokens } : {}),
      };
      const costBefore = this.hooks.usage?.().costUsd;
      const at = new Date().toISOString();
      const outcome = await callModel(request, {
        baseUrl: this.config.baseUrl,
        apiKey: this.config.apiKey,
        requestTimeoutMs: (this.config.limits.requestTimeoutSec ?? 600) * 1000,
        retry: { ...DEFAULT_RETRY, ...this.config.retry },
        signal: this.signal,
        onRetry: ({ attempt, delayMs, detail }) => {
          const note = `model call failed (${detail}); retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s`;
          this.emit({ kind: 'note', durationMs: 0, note });
          this.log(note);
        },
      });
      switch (outcome.kind) {
        case 'reply': {
          const { reply } = outcome;
          this.turns++;
          this.estimator.calibrate(messages, toolsText, reply.usage.inputTokens);
          this.totals.inputTokens += reply.usage.inputTokens;
          this.totals.cachedTokens += reply.usage.cachedTokens;
          this.totals.outputTokens += reply.usage.outputTokens;
          this.totals.reasoningTokens += reply.usage.reasoningTokens;
          const costAfter = this.hooks.usage?.().costUsd;
          const cost = reply.costUsd ?? (costBefore !== undefined && costAfter !== undefined ? Math.max(0, costAfter - costBefore) : undefined);
          if (cost !== undefined) this.costUsd += cost;
          const first = reply.toolCalls[0];
          const args = first ? parseArguments(first.arguments) : null;
          this.emit({
            kind: 'model',
            at,
            message: reply.content,
            ...(first && args
              ? { toolCall: { name: first.name, arguments: args.ok ? args.value : first.arguments, ...(typeof first.arguments === 'string' ? { raw: first.arguments } : {}) } }
              : {}),
            usage: reply.usage,
            ...(cost !== undefined ? { costUsd: cost } : {}),
            durationMs: Math.round(reply.latencyMs),
          });
          this.log(`turn ${this.turns}: ${reply.usage.inputTokens} tokens in, ${reply.usage.outputTokens} out, ${(reply.latencyMs / 1000).toFixed(1)} s`);
          return reply;
        }
        case 'budget':
          throw new Stop('budget', `the proxy refused the call: ${outcome.detail}`);
        case 'context_length': {
          if (retriedContext) throw new Stop('model_error', `the context is still too long after trimming: ${outcome.detail}`);
          retriedContext = true;
          // The server's window is smaller than we thought: aim well under what was just refused.
          this.contextLimit = Math.min(this.contextLimit, Math.floor(estimate(messages) * 0.7));
          if (trim('the server said the context is too long') === 0) throw new Stop('model_error', `the context is too long and nothing is left to drop: ${outcome.detail}`);
          continue;
        }
        case 'tools_rejected':
          throw new ToolsRejected(outcome.detail);
        case 'error':
          throw new Stop('model_error', outcome.detail);
        default:
          return assertNever(outcome, 'model outcome');
      }
    }
  }

  // ---- actions in the container

  /** `sh -c` in the repo under the action timeout; a timeout is an answer, an abort is not. */
  private async exec(command: string): Promise<ActionOutput> {
    const timeoutMs = this.config.limits.actionTimeoutSec * 1000;
    this.log(`$ ${command.length > 300 ? `${command.slice(0, 300)}…` : command}`);
    try {
      const result = await this.ctx.container.exec(command, { timeoutMs, signal: this.signal, workdir: this.cwd });
      return { output: result.output, exitCode: result.exitCode, timedOut: false };
    } catch (error) {
      if (this.signal.aborted) throw this.abortStop();
      if (error instanceof ExecTimeoutError) return { output: '', exitCode: null, timedOut: true };
      throw error;
    }
  }

  /** The official user tool (§2.10) through the engine's hook, under the action timeout. */
  private async userTool(): Promise<ActionOutput> {
    const run = this.hooks.runUserTool;
    if (!run || this.task.variant !== 'ic_swe') {
      return { output: 'Error: the user tool is not available for this task', exitCode: null, timedOut: false };
    }
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    this.signal.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
        reject(new ExecTimeoutError('user-tool', this.config.limits.actionTimeoutSec * 1000));
      }, this.config.limits.actionTimeoutSec * 1000);
    });
    const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(new CancelledError()), { once: true }));
    this.log('running the user tool');
    try {
      const result = await Promise.race([run(controller.signal), deadline, aborted]);
      return { output: result.ok ? userToolDoneMessage(this.cwd) : `Error: ${result.output}`, exitCode: null, timedOut: false };
    } catch (error) {
      if (this.signal.aborted) throw this.abortStop();
      if (timedOut) return { output: '', exitCode: null, timedOut: true };
      return { output: `Error: ${error instanceof Error ? error.message : String(error)}`, exitCode: null, timedOut: false };
    } finally {
      clearTimeout(timer);
      this.signal.removeEventListener('abort', onAbort);
    }
  }

  /** A path from the model, relative to the repo unless absolute. */
  private resolve(p: string): string {
    return path.posix.resolve(this.cwd, p);
  }

  /**
   * Writes a file through a temporary upload and `cat`, so an existing file keeps its mode and
   * owner (an archive upload would reset them) and missing folders are made.
   */
  private async writeFile(target: string, content: string): Promise<string | null> {
    const tmp = `/tmp/lancer-agent-${randomBytes(8).toString('hex')}`;
    await this.ctx.container.putFile(tmp, content, { signal: this.signal });
    const q = shellQuote;
    const result = await this.exec(`mkdir -p ${q(path.posix.dirname(target))} && cat ${q(tmp)} > ${q(target)}; rc=$?; rm -f ${q(tmp)}; exit $rc`);
    if (result.timedOut) return `writing ${target} timed out`;
    return result.exitCode === 0 ? null : `writing ${target} failed (exit ${result.exitCode}): ${result.output.trim()}`;
  }

  /** Runs one `tools` call and reports it as a step; bad calls become error observations. */
  private async runTool(name: string, rawArgs: unknown, raw: string, fallback: boolean): Promise<ToolResult> {
    const started = Date.now();
    const parsed = parseArguments(rawArgs);
    let exitCode: number | null | undefined;
    let full: string;
    let finish = false;
    let kind: 'tool' | 'user_tool' = 'tool';
    const available = toolsFor(this.task.variant).map((t) => t.function.name);
    if (!parsed.ok) {
      full = `Error: the call to ${name} was not run: ${parsed.error}. Send it again with a JSON object as its arguments.`;
    } else if (!isToolName(name) || !available.includes(name)) {
      full = `Error: there is no tool named ${JSON.stringify(name)}. The tools are: ${available.join(', ')}.`;
    } else {
      const r = await this.tool(name, parsed.value);
      full = r.observation;
      exitCode = r.exitCode;
      finish = r.finish;
      if (name === 'user_tool') kind = 'user_tool';
    }
    const observation = truncateMiddle(full, this.config.limits.observationMaxChars);
    this.emit({
      kind,
      at: new Date(started).toISOString(),
      toolCall: { name, arguments: parsed.ok ? parsed.value : rawArgs, raw },
      observation,
      observationBytes: Buffer.byteLength(full),
      ...(exitCode !== undefined ? { exitCode } : {}),
      durationMs: Date.now() - started,
      fallback,
    });
    return { observation, finish };
  }

  /** The tools themselves, arguments already an object. */
  private async tool(name: ToolName, args: Record<string, unknown>): Promise<ToolResult & { exitCode?: number | null }> {
    const str = (key: string): string | null => (typeof args[key] === 'string' ? (args[key] as string) : null);
    const missing = (...keys: string[]): ToolResult => ({
      observation: `Error: ${name} needs the string argument${keys.length > 1 ? 's' : ''} ${keys.join(', ')}.`,
      finish: false,
    });
    const seconds = this.config.limits.actionTimeoutSec;
    const shellResult = (r: ActionOutput): ToolResult & { exitCode: number | null } => {
      if (r.timedOut) return { observation: `Timeout: the command did not finish within ${seconds} seconds.`, finish: false, exitCode: null };
      const body = r.output === '' ? '(no output)' : r.output;
      return { observation: r.exitCode === 0 ? body : `${body}\n[exit code ${r.exitCode}]`, finish: false, exitCode: r.exitCode };
    };
    switch (name) {
      case 'bash': {
        const command = str('command');
        if (command === null) return missing('command');
        return shellResult(await this.exec(`bash -c ${shellQuote(command)}`));
      }
      case 'python': {
        const code = str('code');
        if (code === null) return missing('code');
        return shellResult(await this.exec(pythonCommand(code, this.python)));
      }
      case 'write_file': {
        const p = str('path');
        const content = str('content');
        if (p === null || p === '' || content === null) return missing('path', 'content');
        const target = this.resolve(p);
        const error = await this.writeFile(target, content);
        return { observation: error ? `Error: ${error}` : `Wrote ${Buffer.byteLength(content)} bytes to ${target}.`, finish: false };
      }
      case 'edit_file': {
        const p = str('path');
        const oldStr = str('old_str');
        const newStr = str('new_str');
        if (p === null || p === '' || oldStr === null || newStr === null) return missing('path', 'old_str', 'new_str');
        return { observation: await this.editFile(this.resolve(p), oldStr, newStr), finish: false };
      }
      case 'user_tool': {
        const r = await this.userTool();
        return { observation: r.timedOut ? `Timeout: the user tool did not finish within ${seconds} seconds.` : r.output, finish: false };
      }
      case 'submit_decision':
        return { observation: await this.submitDecision(args.selected_proposal_id), finish: false };
      case 'finish':
        return { observation: 'Finished.', finish: true };
      default:
        return assertNever(name, 'tool');
    }
  }

  private async editFile(target: string, oldStr: string, newStr: string): Promise<string> {
    if (oldStr === '') return 'Error: old_str is empty; give the exact text to replace (use write_file to create a file).';
    let bytes: Buffer | null;
    try {
      bytes = await this.ctx.container.getFile(target, MAX_EDIT_BYTES, this.signal);
    } catch (error) {
      if (this.signal.aborted) throw this.abortStop();
      // A folder, a file over the size limit: the model's mistake to hear about.
      return `Error: cannot read ${target}: ${(error as Error).message}`;
    }
    if (bytes === null) return `Error: ${target} does not exist.`;
    const text = bytes.toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(bytes)) return `Error: ${target} is not a UTF-8 text file; use bash or python to change it.`;
    const at = text.indexOf(oldStr);
    if (at < 0) return `Error: old_str was not found in ${target}. It must match the file exactly, whitespace included.`;
    let count = 0;
    for (let i = at; i >= 0; i = text.indexOf(oldStr, i + 1)) count++;
    if (count > 1) return `Error: old_str occurs ${count} times in ${target}; include more of the surrounding text so that it occurs once.`;
    const error = await this.writeFile(target, text.slice(0, at) + newStr + text.slice(at + oldStr.length));
    if (error) return `Error: ${error}`;
    const line = text.slice(0, at).split('\n').length;
    return `Edited ${target}: replaced the text at line ${line}.`;
  }

  /** Writes manager_decisions.json as the grader reads it: the first value, as an int (§3.3). */
  private async submitDecision(value: unknown): Promise<string> {
    const id = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(id)) return `Error: selected_proposal_id must be an integer (got ${JSON.stringify(value)}).`;
    const ids = this.task.proposals.map((p) => p.id);
    if (ids.length > 0 && !ids.includes(id)) return `Error: there is no proposal ${id}; the proposal ids are ${ids.join(', ')}.`;
    const decision = { selected_proposal_id: id };
    const file = `${this.cwd}/manager_decisions.json`;
    await this.ctx.container.putFile(file, JSON.stringify(decision), { signal: this.signal });
    this.decision = decision;
    return `Saved your decision (proposal ${id}) to ${file}. Call finish when you are done.`;
  }

  /** Manager tasks under the official protocol: what the model wrote, for the attempt record. */
  private async readDecision(): Promise<void> {
    try {
      const bytes = await this.ctx.container.getFile(`${this.cwd}/manager_decisions.json`, 1024 * 1024, this.ctx.signal);
      if (bytes === null) return;
      const text = bytes.toString('utf8');
      try {
        this.decision = JSON.parse(text);
      } catch {
        this.decision = text;
      }
    } catch {
      // Informational only: grading reads the file itself and reports what it found.
    }
  }

  // ---- reporting

  private emit(step: Omit<AgentStep, 'index' | 'at' | 'fallback'> & { at?: string; fallback?: boolean }): void {
    this.hooks.onStep({ ...step, index: this.stepIndex++, at: step.at ?? new Date().toISOString(), fallback: step.fallback ?? false });
  }

  private log(line: string): void {
    this.ctx.log(`[agent] ${line}\n`);
  }
}
