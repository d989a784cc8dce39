/**
 * "Test" for an endpoint: asks the server for its model list and sends one small chat completion
 * carrying a trivial tool, then reports what answered. Users point the workbench at llama.cpp,
 * vLLM, Ollama, LM Studio or a hosted API; these servers differ exactly in whether they list
 * models and whether native tool calls come back, which decides the protocol to pick.
 */
import type { EndpointTestResult } from '../../../../shared/endpoints';
import { scrubSecrets } from '../proxy/secret-scrubber';
import type { ResolvedEndpoint } from './endpoint-service';

/** The whole test's deadline; a Settings button should not spin for minutes. */
export const PROBE_TIMEOUT_MS = 30_000;

/** Longest error or reply text reported; enough for a server's reason, short enough for a table cell. */
const MAX_TEXT = 300;

/** Ids reported from GET /models; hosted routers list hundreds. */
const MAX_MODEL_IDS = 500;

const PING_TOOL = {
  type: 'function',
  function: {
    name: 'ping',
    description: 'Answers a connection test.',
    parameters: { type: 'object', properties: { reply: { type: 'string' } }, required: ['reply'] },
  },
};

const PROMPT = 'This is a connection test. Call the function "ping" with {"reply": "pong"}. Do not answer in text.';

export interface ProbeOptions {
  /** Defaults to {@link PROBE_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Cancels the test (the window closed, Ctrl-C). */
  signal?: AbortSignal;
}

type HttpAnswer = { ok: true; status: number; text: string; ms: number } | { ok: false; error: string; ms: number };

const clip = (s: string): string => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s);

/** A server's error message from an OpenAI-style `{error: {message}}`, a flat `{message}` or text. */
function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const e = body.error;
    if (typeof e === 'string') return e;
    if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
    if (typeof body.message === 'string') return body.message;
    if (typeof body.detail === 'string') return body.detail;
  } catch {
    // Not JSON: the text is the message (an HTML error page, a proxy's plain text).
  }
  return text.replace(/\s+/g, ' ').trim();
}

/** Probes an endpoint whose key is already resolved; never throws (failures are in the result). */
export async function probeEndpoint(name: string, ep: ResolvedEndpoint, opts: ProbeOptions = {}): Promise<EndpointTestResult> {
  const timeoutMs = opts.timeoutMs ?? PROBE_TIMEOUT_MS;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
  // Every text that leaves here passes through this: servers do echo keys back in errors.
  const scrub = (s: string): string => clip(scrubSecrets(s, [ep.apiKey]));
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (ep.apiKey !== null) headers.authorization = `Bearer ${ep.apiKey}`;

  const call = async (method: 'GET' | 'POST', route: string, body?: unknown): Promise<HttpAnswer> => {
    const started = performance.now();
    const ms = (): number => Math.round(performance.now() - started);
    const where = `${method} ${ep.baseUrl}${route}`;
    try {
      // Redirects are not followed: the key must not travel to wherever a server points, and a
      // redirect (http to https, a missing /v1) means the base URL wants fixing anyway.
      const res = await fetch(`${ep.baseUrl}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, redirect: 'manual' });
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel();
        return { ok: true, status: res.status, text: `redirected to ${res.headers.get('location') ?? '(no location)'}; use that address as the base URL`, ms: ms() };
      }
      const text = await res.text();
      return { ok: true, status: res.status, text, ms: ms() };
    } catch (error) {
      if (deadline.aborted) return { ok: false, error: `${where}: no answer within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}`, ms: ms() };
      if (opts.signal?.aborted) return { ok: false, error: `${where}: cancelled`, ms: ms() };
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { ok: false, error: `${where}: connection failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`, ms: ms() };
    }
  };

  const chatBody = (withTools: boolean): Record<string, unknown> => ({
    model: ep.model,
    messages: [{ role: 'user', content: PROMPT }],
    ...(withTools ? { tools: [PING_TOOL], tool_choice: 'auto' } : {}),
    stream: false,
    // The endpoint's own parameters, so the test also shows whether the server takes them.
    ...(ep.params.temperature !== undefined ? { temperature: ep.params.temperature } : {}),
    ...(ep.params.reasoningEffort !== undefined ? { reasoning_effort: ep.params.reasoningEffort } : {}),
    ...(ep.params.maxTokens !== undefined ? { max_tokens: ep.params.maxTokens } : {}),
  });

  // Both at once: a listing that hangs must not eat the chat call's share of the deadline.
  const [modelsAnswer, firstChat] = await Promise.all([call('GET', '/models'), call('POST', '/chat/completions', chatBody(true))]);

  const models = readModels(modelsAnswer, ep, scrub);

  let chat = firstChat;
  let toolsRejected = false;
  let toolsError: string | null = null;
  // A 400/422 may be the server refusing `tools` (vLLM without a tool parser, old LM Studio) or
  // something else (an unknown parameter); only a retry without tools tells them apart.
  if (firstChat.ok && (firstChat.status === 400 || firstChat.status === 422)) {
    const retry = await call('POST', '/chat/completions', chatBody(false));
    if (retry.ok && retry.status >= 200 && retry.status < 300) {
      toolsRejected = true;
      toolsError = scrub(`HTTP ${firstChat.status}: ${errorMessage(firstChat.text)}`);
      chat = retry;
    }
  }

  const result: EndpointTestResult = {
    name,
    ok: false,
    status: chat.ok ? chat.status : null,
    latencyMs: chat.ms,
    models,
    toolCalls: false,
    toolsRejected,
    toolsError,
    reply: null,
    error: null,
  };
  if (!chat.ok) return { ...result, error: scrub(chat.error) };
  if (chat.status < 200 || chat.status >= 300) {
    return { ...result, error: scrub(`POST ${ep.baseUrl}/chat/completions: HTTP ${chat.status}: ${errorMessage(chat.text) || '(empty body)'}`) };
  }
  const message = readMessage(chat.text);
  if (!message) return { ...result, error: scrub(`POST ${ep.baseUrl}/chat/completions: the reply has no choices[0].message: ${chat.text}`) };
  return { ...result, ok: true, toolCalls: message.toolCalls, reply: message.text ? scrub(message.text) : null };
}

function readModels(answer: HttpAnswer, ep: ResolvedEndpoint, scrub: (s: string) => string): EndpointTestResult['models'] {
  const where = `GET ${ep.baseUrl}/models`;
  if (!answer.ok) return { available: false, status: null, note: scrub(answer.error) };
  if (answer.status === 404 || answer.status === 405 || answer.status === 501) {
    return { available: false, status: answer.status, note: `${where} answered ${answer.status}: this server does not list its models` };
  }
  if (answer.status < 200 || answer.status >= 300) {
    return { available: false, status: answer.status, note: scrub(`${where}: HTTP ${answer.status}: ${errorMessage(answer.text)}`) };
  }
  let ids: string[] | null = null;
  try {
    const body = JSON.parse(answer.text) as { data?: unknown; models?: unknown };
    // OpenAI's shape is {data: [{id}]}; a few servers answer {models: [{name}]} as well or instead.
    const list = Array.isArray(body.data) ? body.data : Array.isArray(body.models) ? body.models : null;
    if (list) {
      ids = list
        .map((m: unknown) => (typeof m === 'object' && m !== null ? ((m as { id?: unknown; name?: unknown }).id ?? (m as { name?: unknown }).name) : m))
        .filter((id): id is string => typeof id === 'string');
    }
  } catch {
    // Reported below as an unreadable list.
  }
  if (ids === null) return { available: false, status: answer.status, note: scrub(`${where}: the answer is not a model list: ${answer.text}`) };
  return { available: true, ids: ids.slice(0, MAX_MODEL_IDS), includesModel: ids.includes(ep.model) };
}

/** The first choice's text and whether it carried native tool calls; null when it has no message. */
function readMessage(text: string): { text: string; toolCalls: boolean } | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  const choices = (body as { choices?: unknown } | null)?.choices;
  const first = Array.isArray(choices) ? (choices[0] as { message?: unknown } | undefined) : undefined;
  const message = first?.message;
  if (typeof message !== 'object' || message === null) return null;
  const m = message as { content?: unknown; tool_calls?: unknown };
  const content = typeof m.content === 'string' ? m.content : '';
  return { text: content.trim(), toolCalls: Array.isArray(m.tool_calls) && m.tool_calls.length > 0 };
}
