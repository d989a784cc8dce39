/**
 * Reads what a CLI coding agent printed and logged into the workbench's transcript steps, plus
 * the agent's own token count and its final message.
 *
 * Sources, per agent (shapes checked against the real binaries, see the fixtures):
 * - Codex: the rollout JSONL in $CODEX_HOME/sessions (timestamps, the real tool names and the
 *   text the model was sent back), else the `exec --json` events on stdout (no timestamps).
 *   Tokens: `turn.completed.usage` and the rollout's `token_count` totals, both running totals.
 * - opencode: the `run --format json` events (text, reasoning, tool_use, step_finish); tokens
 *   are per step and are summed.
 * - Claude Code: `--output-format stream-json` (assistant/user messages with content blocks,
 *   then `result`), else the same lines from its project log.
 * - Qwen Code: its chat log (Gemini-style parts, with timestamps), else its stream-json, which
 *   has Claude's shape without timestamps. Tokens from `result.usage`.
 *
 * Token counts are normalised to the workbench's meaning: input counts every prompt token,
 * cached ones included; output counts every completion token, reasoning included. The agents
 * disagree (Claude and opencode leave cache reads out of input, opencode leaves reasoning out of
 * output), so each reader converts.
 *
 * Everything here is lenient: a line that is not JSON, an unknown event or a field of the wrong
 * type is skipped, never thrown on, since a killed agent leaves half a line and versions change.
 */
import type { CliAgentName } from '../../../../shared/cli-agents';
import type { AgentStep, StepUsage } from '../builtin/types';
import { truncateMiddle } from '../builtin/context';

export interface CliTranscript {
  steps: AgentStep[];
  /** The agent's own token count for the whole session, when its output says it. */
  agentUsage: StepUsage | null;
  finalMessage: string | null;
}

export interface CliTranscriptInput {
  stdout: string;
  /** The files matched by the launch's logGlobs: name (path) and text. */
  logs: { name: string; text: string }[];
  /** ISO time the agent started; steps whose source has no time get it. */
  startedAt?: string;
}

/** Longest observation kept in a step; longer ones keep their head and tail. */
export const CLI_OBSERVATION_MAX_CHARS = 100_000;

export function parseCliTranscript(agent: CliAgentName, input: CliTranscriptInput): CliTranscript {
  switch (agent) {
    case 'codex':
      return parseCodex(input);
    case 'opencode':
      return parseOpencode(input);
    case 'claude-code':
      return parseClaudeCode(input);
    case 'qwen-code':
      return parseQwenCode(input);
    default:
      return { steps: [], agentUsage: null, finalMessage: null };
  }
}

// ---- lenient JSON access ----

type Json = Record<string, unknown>;

function jsonLines(text: string): Json[] {
  const out: Json[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(trimmed);
      if (isObj(value)) out.push(value);
    } catch {
      // A half-written last line, or something else the agent printed.
    }
  }
  return out;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Json => (isObj(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const count = (v: unknown): number => Math.max(0, num(v) ?? 0);

/** An ISO time from an ISO string or epoch milliseconds; undefined when neither. */
function isoTime(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v).toISOString();
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  return undefined;
}

/** A tool's arguments: parsed when they are a JSON string, kept as they are otherwise. */
function parseArguments(v: unknown): { arguments: unknown; raw?: string } {
  if (typeof v !== 'string') return { arguments: v ?? {} };
  try {
    return { arguments: JSON.parse(v) as unknown, raw: v };
  } catch {
    return { arguments: v, raw: v };
  }
}

/** Text out of a tool result's content: a string, or an array of `{type: 'text', text}` blocks. */
function contentText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    return v
      .map((part) => {
        if (typeof part === 'string') return part;
        const p = obj(part);
        return str(p.text) ?? str(p.output) ?? (str(p.type) === 'image' || str(p.type) === 'input_image' ? '[image]' : '');
      })
      .filter((s) => s !== '')
      .join('\n');
  }
  if (isObj(v)) return str(v.text) ?? str(v.output) ?? str(v.content) ?? JSON.stringify(v);
  return v === undefined || v === null ? '' : String(v);
}

// ---- building steps ----

interface Draft {
  at?: string;
  kind: AgentStep['kind'];
  message?: string;
  toolCall?: AgentStep['toolCall'];
  observation?: string;
  exitCode?: number | null;
  durationMs?: number;
  note?: string;
  /** Set on a tool call: the id its result carries. */
  callId?: string;
  /** Set on a tool result: the id of the call it answers. */
  resultOf?: string;
}

/** Collects drafts in the order the source gives them, then makes the steps. */
class StepList {
  readonly drafts: Draft[] = [];

  add(d: Draft): void {
    this.drafts.push(d);
  }

  get size(): number {
    return this.drafts.length;
  }

  /**
   * The steps, indexed from 0. Each result is placed right after its call, as the transcript
   * and the ATIF export pair them (a reply with two calls lists both calls before either
   * result). A step without a time takes the one before it, else the first known time, else
   * `startedAt`, else the epoch.
   */
  finish(startedAt?: string): AgentStep[] {
    const callIds = new Set(this.drafts.map((d) => d.callId).filter((id): id is string => id !== undefined));
    const results = new Map<string, Draft[]>();
    for (const d of this.drafts) {
      if (d.resultOf !== undefined && callIds.has(d.resultOf)) results.set(d.resultOf, [...(results.get(d.resultOf) ?? []), d]);
    }
    const ordered: Draft[] = [];
    for (const d of this.drafts) {
      if (d.resultOf !== undefined && callIds.has(d.resultOf)) continue;
      ordered.push(d);
      if (d.callId !== undefined) {
        ordered.push(...(results.get(d.callId) ?? []));
        results.delete(d.callId);
      }
    }
    const firstKnown = ordered.find((d) => d.at !== undefined)?.at;
    let last = firstKnown ?? isoTime(startedAt) ?? new Date(0).toISOString();
    return ordered.map((d, index) => {
      const at = d.at ?? last;
      last = at;
      const step: AgentStep = { index, at, kind: d.kind, durationMs: Math.max(0, Math.round(d.durationMs ?? 0)), fallback: false };
      if (d.message !== undefined) step.message = d.message;
      if (d.toolCall !== undefined) step.toolCall = d.toolCall;
      if (d.observation !== undefined) {
        step.observation = truncateMiddle(d.observation, CLI_OBSERVATION_MAX_CHARS);
        step.observationBytes = Buffer.byteLength(d.observation, 'utf8');
      }
      if (d.exitCode !== undefined) step.exitCode = d.exitCode;
      if (d.note !== undefined) step.note = d.note;
      return step;
    });
  }
}

const REASONING_NOTE = 'reasoning';

function usageOf(inputTokens: number, cachedTokens: number, outputTokens: number, reasoningTokens: number): StepUsage {
  return { inputTokens, cachedTokens, outputTokens, reasoningTokens };
}

const usageSize = (u: StepUsage | null): number => (u ? u.inputTokens + u.outputTokens : -1);

// ---- Codex ----

/** Codex's token usage object (`turn.completed.usage`, rollout `total_token_usage`): input includes cached, output includes reasoning. */
function codexUsage(v: unknown): StepUsage | null {
  if (!isObj(v)) return null;
  return usageOf(count(v.input_tokens), count(v.cached_input_tokens), count(v.output_tokens), count(v.reasoning_output_tokens));
}

function parseCodex(input: CliTranscriptInput): CliTranscript {
  const fromStdout = parseCodexExec(input.stdout);
  const rollouts = input.logs.filter((l) => /rollout-[^/]*\.jsonl$/.test(l.name)).sort((a, b) => a.name.localeCompare(b.name));
  const fromRollout = parseCodexRollout(rollouts.map((l) => l.text).join('\n'));
  const steps = fromRollout.steps.size > 0 ? fromRollout.steps : fromStdout.steps;
  // Both counts are running totals of the session; the larger one has seen more of it.
  const agentUsage = usageSize(fromStdout.usage) >= usageSize(fromRollout.usage) ? fromStdout.usage : fromRollout.usage;
  return {
    steps: steps.finish(input.startedAt),
    agentUsage,
    finalMessage: fromStdout.finalMessage ?? fromRollout.finalMessage,
  };
}

interface SourceParse {
  steps: StepList;
  usage: StepUsage | null;
  finalMessage: string | null;
}

/** `codex exec --json`: thread/turn/item events, no timestamps. */
function parseCodexExec(stdout: string): SourceParse {
  const steps = new StepList();
  let usage: StepUsage | null = null;
  let finalMessage: string | null = null;
  for (const event of jsonLines(stdout)) {
    const type = str(event.type);
    if (type === 'turn.completed') {
      const u = codexUsage(event.usage);
      if (u && usageSize(u) >= usageSize(usage)) usage = u;
    } else if (type === 'turn.failed') {
      steps.add({ kind: 'note', note: `turn failed: ${str(obj(event.error).message) ?? 'unknown error'}` });
    } else if (type === 'error') {
      steps.add({ kind: 'note', note: `error: ${str(event.message) ?? 'unknown error'}` });
    } else if (type === 'item.completed') {
      const item = obj(event.item);
      const id = str(item.id) ?? `item_${steps.size}`;
      switch (str(item.type)) {
        case 'agent_message': {
          const text = str(item.text) ?? '';
          if (text === '') break;
          steps.add({ kind: 'model', message: text });
          finalMessage = text;
          break;
        }
        case 'reasoning': {
          const text = str(item.text) ?? '';
          if (text !== '') steps.add({ kind: 'model', message: text, note: REASONING_NOTE });
          break;
        }
        case 'command_execution':
          steps.add({ kind: 'model', toolCall: { name: 'shell', arguments: { command: str(item.command) ?? '' } }, callId: id });
          steps.add({ kind: 'tool', observation: str(item.aggregated_output) ?? '', exitCode: num(item.exit_code) ?? null, resultOf: id });
          break;
        case 'file_change': {
          const changes = arr(item.changes).map(obj);
          steps.add({ kind: 'model', toolCall: { name: 'file_change', arguments: { changes } }, callId: id });
          const lines = changes.map((c) => `${str(c.kind) ?? 'change'} ${str(c.path) ?? '?'}`);
          steps.add({ kind: 'tool', observation: `${str(item.status) ?? 'completed'}: ${lines.join(', ')}`, resultOf: id });
          break;
        }
        case 'mcp_tool_call': {
          const name = [str(item.server), str(item.tool)].filter(Boolean).join('.') || 'mcp_tool';
          steps.add({ kind: 'model', toolCall: { name, ...parseArguments(item.arguments) }, callId: id });
          const error = str(obj(item.error).message);
          steps.add({ kind: 'tool', observation: error ?? contentText(obj(item.result).content ?? item.result), resultOf: id });
          break;
        }
        case 'web_search':
          steps.add({ kind: 'note', note: `web search: ${str(item.query) ?? ''}` });
          break;
        case 'todo_list':
          steps.add({ kind: 'note', note: `plan: ${arr(item.items).map((t) => `${obj(t).completed === true ? '[x]' : '[ ]'} ${str(obj(t).text) ?? ''}`).join('; ')}` });
          break;
        case 'error':
          steps.add({ kind: 'note', note: `error: ${str(item.message) ?? ''}` });
          break;
        default:
          break;
      }
    }
  }
  return { steps, usage, finalMessage };
}

/** Codex's rollout JSONL: `{timestamp, type, payload}` lines; response_item payloads are what the model saw. */
function parseCodexRollout(text: string): SourceParse {
  const steps = new StepList();
  let usage: StepUsage | null = null;
  let finalMessage: string | null = null;
  let lastAssistant: string | null = null;
  // Exit codes and durations of commands, by call id, from the item_completed events.
  const commands = new Map<string, { exitCode: number | null; durationMs?: number }>();
  const outputs: Draft[] = [];
  for (const line of jsonLines(text)) {
    const at = isoTime(line.timestamp);
    const payload = obj(line.payload);
    const ptype = str(payload.type);
    if (line.type === 'response_item') {
      const callId = str(payload.call_id);
      switch (ptype) {
        case 'message': {
          if (payload.role !== 'assistant') break;
          const message = arr(payload.content)
            .map((c) => str(obj(c).text) ?? '')
            .join('');
          if (message === '') break;
          steps.add({ at, kind: 'model', message });
          lastAssistant = message;
          break;
        }
        case 'reasoning': {
          const parts = [...arr(payload.summary), ...arr(payload.content)].map((c) => str(obj(c).text) ?? '').filter((s) => s !== '');
          if (parts.length > 0) steps.add({ at, kind: 'model', message: parts.join('\n'), note: REASONING_NOTE });
          break;
        }
        case 'function_call':
          steps.add({ at, kind: 'model', toolCall: { name: str(payload.name) ?? 'function', ...parseArguments(payload.arguments) }, callId });
          break;
        case 'custom_tool_call':
          steps.add({ at, kind: 'model', toolCall: { name: str(payload.name) ?? 'custom_tool', ...parseArguments(payload.input) }, callId });
          break;
        case 'local_shell_call':
          steps.add({ at, kind: 'model', toolCall: { name: 'local_shell', arguments: payload.action ?? {} }, callId });
          break;
        case 'function_call_output':
        case 'custom_tool_call_output': {
          const draft: Draft = { at, kind: 'tool', observation: contentText(payload.output), resultOf: callId };
          steps.add(draft);
          outputs.push(draft);
          break;
        }
        case 'web_search_call':
          steps.add({ at, kind: 'note', note: `web search: ${str(obj(payload.action).query) ?? ''}` });
          break;
        default:
          break;
      }
    } else if (line.type === 'event_msg') {
      if (ptype === 'token_count') {
        const u = codexUsage(obj(payload.info).total_token_usage);
        if (u && usageSize(u) >= usageSize(usage)) usage = u;
      } else if (ptype === 'task_complete') {
        finalMessage = str(payload.last_agent_message) ?? finalMessage;
      } else if (ptype === 'item_completed') {
        const item = obj(payload.item);
        const id = str(item.id);
        if (item.type === 'CommandExecution' && id !== undefined) {
          const d = obj(item.duration);
          const durationMs = num(d.secs) !== undefined ? count(d.secs) * 1000 + count(d.nanos) / 1e6 : undefined;
          commands.set(id, { exitCode: num(item.exit_code) ?? null, durationMs });
        }
      } else if (ptype === 'error' || ptype === 'stream_error' || ptype === 'warning') {
        steps.add({ at, kind: 'note', note: `${ptype}: ${str(payload.message) ?? ''}` });
      } else if (ptype === 'turn_aborted') {
        steps.add({ at, kind: 'note', note: `turn aborted: ${str(payload.reason) ?? ''}` });
      }
    }
  }
  for (const draft of outputs) {
    const command = draft.resultOf !== undefined ? commands.get(draft.resultOf) : undefined;
    if (command) {
      draft.exitCode = command.exitCode;
      draft.durationMs = command.durationMs;
    } else {
      // exec_command answers with a header that says how the process ended.
      const exited = /^Process exited with code (-?\d+)$/m.exec(draft.observation ?? '');
      if (exited) draft.exitCode = Number(exited[1]);
    }
  }
  return { steps, usage, finalMessage: finalMessage ?? lastAssistant };
}

// ---- opencode ----

/** opencode's step tokens: input and output leave out cache reads/writes and reasoning. */
function parseOpencode(input: CliTranscriptInput): CliTranscript {
  const steps = new StepList();
  let usage: StepUsage | null = null;
  let finalMessage: string | null = null;
  for (const event of jsonLines(input.stdout)) {
    const type = str(event.type);
    const part = obj(event.part);
    const time = obj(part.time);
    const at = isoTime(time.start) ?? isoTime(event.timestamp);
    const span = num(time.end) !== undefined && num(time.start) !== undefined ? count(time.end) - count(time.start) : undefined;
    switch (type) {
      case 'text': {
        const text = str(part.text) ?? '';
        if (text === '') break;
        steps.add({ at, kind: 'model', message: text, durationMs: span });
        finalMessage = text;
        break;
      }
      case 'reasoning': {
        const text = str(part.text) ?? '';
        if (text !== '') steps.add({ at, kind: 'model', message: text, note: REASONING_NOTE, durationMs: span });
        break;
      }
      case 'tool_use': {
        const state = obj(part.state);
        const stateTime = obj(state.time);
        const callId = str(part.callID) ?? str(part.id) ?? `call_${steps.size}`;
        const startedAt = isoTime(stateTime.start) ?? isoTime(event.timestamp);
        steps.add({ at: startedAt, kind: 'model', toolCall: { name: str(part.tool) ?? 'tool', arguments: state.input ?? {} }, callId });
        const failed = state.status === 'error';
        const observation = failed ? `error: ${str(state.error) ?? contentText(state.error)}` : contentText(state.output);
        const exit = num(obj(state.metadata).exit);
        const toolSpan = num(stateTime.end) !== undefined && num(stateTime.start) !== undefined ? count(stateTime.end) - count(stateTime.start) : undefined;
        steps.add({ at: startedAt, kind: 'tool', observation, exitCode: exit ?? null, durationMs: toolSpan, resultOf: callId });
        break;
      }
      case 'step_finish': {
        const tokens = obj(part.tokens);
        const cache = obj(tokens.cache);
        const step = usageOf(
          count(tokens.input) + count(cache.read) + count(cache.write),
          count(cache.read),
          count(tokens.output) + count(tokens.reasoning),
          count(tokens.reasoning),
        );
        usage = usage
          ? usageOf(usage.inputTokens + step.inputTokens, usage.cachedTokens + step.cachedTokens, usage.outputTokens + step.outputTokens, usage.reasoningTokens + step.reasoningTokens)
          : step;
        break;
      }
      case 'error': {
        const error = obj(event.error);
        const message = str(obj(error.data).message) ?? str(error.message) ?? str(error.name) ?? 'unknown error';
        steps.add({ at: isoTime(event.timestamp), kind: 'note', note: `error: ${message}` });
        break;
      }
      default:
        break;
    }
  }
  return { steps: steps.finish(input.startedAt), agentUsage: usage, finalMessage };
}

// ---- Claude Code and Qwen Code stream-json ----

interface StreamDialect {
  /** The usage of a `result` line, normalised. */
  resultUsage(u: Json): StepUsage;
  /** An exit code read from a tool result, when the tool ran a command. */
  exitCode(toolName: string | undefined, text: string, isError: boolean): number | null;
}

const claudeDialect: StreamDialect = {
  // Anthropic's input_tokens leave out cache reads and cache writes.
  resultUsage: (u) =>
    usageOf(
      count(u.input_tokens) + count(u.cache_read_input_tokens) + count(u.cache_creation_input_tokens),
      count(u.cache_read_input_tokens),
      count(u.output_tokens),
      count(obj(u.output_tokens_details).thinking_tokens),
    ),
  exitCode(toolName, text, isError) {
    if (toolName !== 'Bash') return null;
    const failed = /^(?:Error: )?Exit code (-?\d+)/.exec(text);
    if (failed) return Number(failed[1]);
    // Claude Code reports a non-zero exit as an error with "Exit code N"; anything else ran clean.
    return isError ? null : 0;
  },
};

const qwenDialect: StreamDialect = {
  // OpenAI's meaning: input includes the cached tokens. Reasoning is not in the result.
  resultUsage: (u) => usageOf(count(u.input_tokens), count(u.cache_read_input_tokens), count(u.output_tokens), 0),
  exitCode(_toolName, text) {
    const exit = /^Exit Code: (-?\d+)$/m.exec(text);
    return exit ? Number(exit[1]) : null;
  },
};

/** stream-json lines: `assistant` and `user` messages with content blocks, then `result`. */
function parseStreamJson(lines: Json[], dialect: StreamDialect): SourceParse & { hasMessages: boolean } {
  const steps = new StepList();
  const toolNames = new Map<string, string>();
  let usage: StepUsage | null = null;
  let finalMessage: string | null = null;
  let lastText: string | null = null;
  let hasMessages = false;
  let lastAt: number | undefined;
  for (const line of lines) {
    const type = str(line.type);
    const at = isoTime(line.timestamp);
    const message = obj(line.message);
    if (type === 'assistant') {
      hasMessages = true;
      // A model step lasts from the line before it (the previous result or message) to its own.
      const atMs = at !== undefined ? Date.parse(at) : undefined;
      const durationMs = atMs !== undefined && lastAt !== undefined ? atMs - lastAt : undefined;
      for (const block of arr(message.content).map(obj)) {
        const btype = str(block.type);
        if (btype === 'text') {
          const text = str(block.text) ?? '';
          if (text === '') continue;
          steps.add({ at, kind: 'model', message: text, durationMs });
          lastText = text;
        } else if (btype === 'thinking') {
          const thinking = str(block.thinking) ?? '';
          if (thinking !== '') steps.add({ at, kind: 'model', message: thinking, note: REASONING_NOTE, durationMs });
        } else if (btype === 'tool_use') {
          const id = str(block.id) ?? `call_${steps.size}`;
          const name = str(block.name) ?? 'tool';
          toolNames.set(id, name);
          steps.add({ at, kind: 'model', toolCall: { name, arguments: block.input ?? {} }, callId: id, durationMs });
        }
      }
      if (atMs !== undefined) lastAt = atMs;
    } else if (type === 'user') {
      for (const block of arr(message.content).map(obj)) {
        if (block.type !== 'tool_result') continue;
        hasMessages = true;
        const id = str(block.tool_use_id);
        const text = contentText(block.content);
        const isError = block.is_error === true;
        steps.add({ at, kind: 'tool', observation: text, exitCode: dialect.exitCode(id ? toolNames.get(id) : undefined, text, isError), resultOf: id });
      }
      const atMs = at !== undefined ? Date.parse(at) : undefined;
      if (atMs !== undefined) lastAt = atMs;
    } else if (type === 'result') {
      if (isObj(line.usage)) usage = dialect.resultUsage(line.usage);
      finalMessage = str(line.result) ?? finalMessage;
      const subtype = str(line.subtype);
      if (line.is_error === true || (subtype !== undefined && subtype !== 'success')) {
        const errors = arr(line.errors).map((e) => (typeof e === 'string' ? e : contentText(e)));
        steps.add({ at, kind: 'note', note: `ended: ${subtype ?? 'error'}${errors.length > 0 ? ` (${errors.join('; ')})` : ''}` });
      }
    } else if (type === 'system') {
      const subtype = str(line.subtype);
      if (subtype === 'compact_boundary' || subtype === 'api_retry') steps.add({ at, kind: 'note', note: subtype.replace('_', ' ') });
    }
  }
  return { steps, usage, finalMessage: finalMessage ?? lastText, hasMessages };
}

function parseClaudeCode(input: CliTranscriptInput): CliTranscript {
  const fromStdout = parseStreamJson(jsonLines(input.stdout), claudeDialect);
  let steps = fromStdout.steps;
  let finalMessage = fromStdout.finalMessage;
  if (!fromStdout.hasMessages) {
    // Its project log holds the same message lines (with timestamps), minus the `result`.
    const projectLines = input.logs.filter((l) => l.name.endsWith('.jsonl')).flatMap((l) => jsonLines(l.text));
    const fromLog = parseStreamJson(
      projectLines.filter((l) => l.isSidechain !== true),
      claudeDialect,
    );
    // The log's messages first, then what stdout did say (how the run ended).
    steps = new StepList();
    for (const d of [...fromLog.steps.drafts, ...fromStdout.steps.drafts]) steps.add(d);
    finalMessage = finalMessage ?? fromLog.finalMessage;
  }
  return { steps: steps.finish(input.startedAt), agentUsage: fromStdout.usage, finalMessage };
}

function parseQwenCode(input: CliTranscriptInput): CliTranscript {
  const fromStdout = parseStreamJson(jsonLines(input.stdout), qwenDialect);
  const chat = parseQwenChat(input.logs.filter((l) => l.name.endsWith('.jsonl')).flatMap((l) => jsonLines(l.text)));
  const steps = chat.steps.size > 0 ? chat.steps : fromStdout.steps;
  let agentUsage = fromStdout.usage ?? chat.usage;
  // The stream's result has no reasoning count; the chat log has it per reply.
  if (agentUsage && chat.usage) agentUsage = { ...agentUsage, reasoningTokens: chat.usage.reasoningTokens };
  return { steps: steps.finish(input.startedAt), agentUsage, finalMessage: fromStdout.finalMessage ?? chat.finalMessage };
}

/** Qwen Code's chat log: Gemini-style `parts` (thought, text, functionCall, functionResponse) with usageMetadata. */
function parseQwenChat(lines: Json[]): SourceParse {
  const steps = new StepList();
  let usage: StepUsage | null = null;
  let lastText: string | null = null;
  for (const line of lines) {
    const at = isoTime(line.timestamp);
    const parts = arr(obj(line.message).parts).map(obj);
    if (line.type === 'assistant') {
      for (const part of parts) {
        const call = obj(part.functionCall);
        if (isObj(part.functionCall)) {
          steps.add({ at, kind: 'model', toolCall: { name: str(call.name) ?? 'tool', arguments: call.args ?? {} }, callId: str(call.id) });
        } else if (typeof part.text === 'string') {
          if (part.thought === true) {
            if (part.text !== '') steps.add({ at, kind: 'model', message: part.text, note: REASONING_NOTE });
          } else {
            steps.add({ at, kind: 'model', message: part.text });
            lastText = part.text;
          }
        }
      }
      const meta = obj(line.usageMetadata);
      if (isObj(line.usageMetadata)) {
        // promptTokenCount includes the cached tokens and candidatesTokenCount the thoughts, as the stream's result counts them.
        const reply = usageOf(count(meta.promptTokenCount), count(meta.cachedContentTokenCount), count(meta.candidatesTokenCount), count(meta.thoughtsTokenCount));
        usage = usage
          ? usageOf(usage.inputTokens + reply.inputTokens, usage.cachedTokens + reply.cachedTokens, usage.outputTokens + reply.outputTokens, usage.reasoningTokens + reply.reasoningTokens)
          : reply;
      }
    } else if (line.type === 'tool_result') {
      for (const part of parts) {
        if (!isObj(part.functionResponse)) continue;
        const response = obj(part.functionResponse);
        const result = obj(response.response);
        const text = str(result.output) ?? str(result.error) ?? contentText(response.response);
        const name = str(response.name);
        steps.add({ at, kind: 'tool', observation: text, exitCode: qwenDialect.exitCode(name, text, false), resultOf: str(response.id) });
      }
    }
  }
  return { steps, usage, finalMessage: lastText };
}
