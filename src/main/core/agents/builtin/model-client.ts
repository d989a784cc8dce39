/**
 * One chat completion from an OpenAI-compatible server, with the reference agent's retries
 * (rate limits, server errors, timeouts, connection errors, unreadable replies; bounded, with
 * backoff) and the answers the loop must tell apart: a spent budget (the metering proxy's
 * `budget_exceeded`), a context overflow, a server that does not take `tools`.
 *
 * Plain fetch, non-streaming: every server returns `usage` in non-streamed replies.
 */
import type { ChatMessage } from './context';
import type { RetryPolicy, StepUsage } from './types';

/** What the loop sends; `tools` only under the tools protocol. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: unknown[];
  temperature?: number;
  reasoning_effort?: string;
  max_tokens?: number;
}

export interface NativeToolCall {
  id: string;
  name: string;
  /** As the server sent it: normally a JSON string. */
  arguments: unknown;
}

export interface ModelReply {
  content: string;
  toolCalls: NativeToolCall[];
  usage: StepUsage;
  /** The server's own usage.cost when it sends one (OpenRouter does). */
  costUsd?: number;
  latencyMs: number;
}

/** The outcome of a call after retries. Aborts are thrown (AbortedError), not returned. */
export type ModelOutcome =
  | { kind: 'reply'; reply: ModelReply }
  | { kind: 'budget'; detail: string }
  | { kind: 'context_length'; detail: string }
  | { kind: 'tools_rejected'; detail: string }
  | { kind: 'error'; detail: string };

/** Thrown when the caller's signal aborted a request or a backoff wait. */
export class AbortedError extends Error {
  constructor() {
    super('aborted');
    this.name = 'AbortedError';
  }
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 6, baseDelayMs: 1000, maxDelayMs: 60_000 };

export interface CallOptions {
  baseUrl: string;
  apiKey: string;
  requestTimeoutMs: number;
  retry: RetryPolicy;
  signal: AbortSignal;
  /** Told before each backoff wait, so the transcript shows retries. */
  onRetry?(info: { attempt: number; delayMs: number; detail: string }): void;
}

type Failure = { retryable: true; detail: string; retryAfterMs?: number } | { retryable: false; outcome: ModelOutcome };

const CONTEXT_PATTERN =
  /context[_ ]length|context window|maximum context|max(?:imum)?_?(?:model_)?len|too many tokens|prompt is too long|input is too long|exceeds? (?:the )?(?:model'?s? )?(?:maximum |max )?context|reduce the length/i;
const TOOLS_PATTERN = /\btools?\b|tool_choice|tool[_ ]call|\bfunctions?\b/i;

/** Reads a server's error body into code, type and message (OpenAI's `{error: {…}}` or flat). */
function readError(text: string): { code: string; type: string; message: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { code: '', type: '', message: text };
  }
  const o = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const e = (typeof o.error === 'object' && o.error !== null ? o.error : o) as Record<string, unknown>;
  const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
  return { code: str(e.code), type: str(e.type), message: str(e.message) || (typeof o.error === 'string' ? o.error : text) };
}

function retryAfterMs(headers: Headers): number | undefined {
  const ms = Number(headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Classifies an HTTP error answer. */
function classifyHttp(status: number, text: string, headers: Headers, sentTools: boolean): Failure {
  const { code, type, message } = readError(text);
  const detail = `HTTP ${status}${code || type ? ` (${code || type})` : ''}: ${message.slice(0, 500)}`;
  // Checked at any status: the proxy's refusal must never be retried.
  if (code === 'budget_exceeded' || type === 'budget_exceeded') return { retryable: false, outcome: { kind: 'budget', detail } };
  if (status === 408 || status === 409 || status === 429 || status >= 500) return { retryable: true, detail, retryAfterMs: retryAfterMs(headers) };
  if (status === 400 || status === 413 || status === 422) {
    if (code === 'context_length_exceeded' || CONTEXT_PATTERN.test(message)) return { retryable: false, outcome: { kind: 'context_length', detail } };
    if (sentTools && (TOOLS_PATTERN.test(message) || TOOLS_PATTERN.test(code))) return { retryable: false, outcome: { kind: 'tools_rejected', detail } };
  }
  return { retryable: false, outcome: { kind: 'error', detail } };
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** Reads a 200 reply; null when it has no usable message (retried, as the reference agent does). */
function readReply(body: unknown, latencyMs: number): ModelReply | null {
  if (typeof body !== 'object' || body === null) return null;
  const o = body as Record<string, unknown>;
  const choice = Array.isArray(o.choices) ? (o.choices[0] as Record<string, unknown> | undefined) : undefined;
  const message = choice && typeof choice.message === 'object' && choice.message !== null ? (choice.message as Record<string, unknown>) : null;
  if (!message) return null;
  let content = '';
  if (typeof message.content === 'string') content = message.content;
  else if (Array.isArray(message.content)) {
    // Some servers send content parts; the text parts are the reply.
    content = message.content.map((p: unknown) => (typeof p === 'object' && p !== null && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
  }
  const toolCalls: NativeToolCall[] = [];
  if (Array.isArray(message.tool_calls)) {
    message.tool_calls.forEach((c: unknown, i: number) => {
      if (typeof c !== 'object' || c === null) return;
      const call = c as Record<string, unknown>;
      const fn = (typeof call.function === 'object' && call.function !== null ? call.function : {}) as Record<string, unknown>;
      toolCalls.push({
        id: typeof call.id === 'string' && call.id ? call.id : `call_${i}`,
        name: typeof fn.name === 'string' ? fn.name : '',
        arguments: fn.arguments,
      });
    });
  }
  const u = (typeof o.usage === 'object' && o.usage !== null ? o.usage : {}) as Record<string, unknown>;
  const inDetails = (u.prompt_tokens_details ?? {}) as Record<string, unknown>;
  const outDetails = (u.completion_tokens_details ?? {}) as Record<string, unknown>;
  const usage: StepUsage = {
    inputTokens: num(u.prompt_tokens),
    cachedTokens: num(inDetails.cached_tokens),
    outputTokens: num(u.completion_tokens),
    reasoningTokens: num(outDetails.reasoning_tokens),
  };
  const reply: ModelReply = { content, toolCalls, usage, latencyMs };
  if (typeof u.cost === 'number' && Number.isFinite(u.cost)) reply.costUsd = u.cost;
  return reply;
}

/** Waits, or throws AbortedError as soon as the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new AbortedError());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function once(request: ChatRequest, opts: CallOptions): Promise<{ ok: true; reply: ModelReply } | { ok: false; failure: Failure }> {
  if (opts.signal.aborted) throw new AbortedError();
  const started = performance.now();
  const timeout = AbortSignal.timeout(opts.requestTimeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${opts.baseUrl.replace(/\/+$/, '')}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.apiKey}` },
      body: JSON.stringify(request),
      signal: AbortSignal.any([opts.signal, timeout]),
    });
    text = await response.text();
  } catch (error) {
    if (opts.signal.aborted) throw new AbortedError();
    if (timeout.aborted) return { ok: false, failure: { retryable: true, detail: `no answer within ${Math.round(opts.requestTimeoutMs / 1000)} s` } };
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, failure: { retryable: true, detail: `connection error: ${cause?.code ?? cause?.message ?? (error as Error).message}` } };
  }
  if (!response.ok) return { ok: false, failure: classifyHttp(response.status, text, response.headers, request.tools !== undefined) };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, failure: { retryable: true, detail: `the reply is not JSON: ${text.slice(0, 200)}` } };
  }
  const reply = readReply(body, performance.now() - started);
  if (!reply) return { ok: false, failure: { retryable: true, detail: `the reply has no choices[0].message: ${text.slice(0, 200)}` } };
  return { ok: true, reply };
}

/**
 * POSTs {baseUrl}/chat/completions until a reply, a final answer, or the retries run out
 * (then `error`). Throws AbortedError when `opts.signal` aborts.
 */
export async function callModel(request: ChatRequest, opts: CallOptions): Promise<ModelOutcome> {
  for (let attempt = 0; ; attempt++) {
    const result = await once(request, opts);
    if (result.ok) return { kind: 'reply', reply: result.reply };
    const failure = result.failure;
    if (!failure.retryable) return failure.outcome;
    if (attempt >= opts.retry.maxRetries) return { kind: 'error', detail: `${failure.detail} (after ${attempt + 1} tries)` };
    const backoff = Math.min(opts.retry.maxDelayMs, opts.retry.baseDelayMs * 2 ** attempt) * (0.5 + Math.random() * 0.5);
    const delayMs = Math.round(Math.min(opts.retry.maxDelayMs, failure.retryAfterMs ?? backoff));
    opts.onRetry?.({ attempt: attempt + 1, delayMs, detail: failure.detail });
    await sleep(delayMs, opts.signal);
  }
}
