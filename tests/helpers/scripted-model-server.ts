/**
 * A real HTTP server that speaks the OpenAI Chat Completions, OpenAI Responses and Anthropic
 * Messages wire formats and answers each model call with the next entry of a script. Tests of
 * agents and of the metering proxy use it instead of a model: no weights exist on these machines,
 * and a script makes every reply (text, tool calls, errors, usage) exact and repeatable.
 *
 * It behaves like the real servers where it matters to a client: streams are real SSE written in
 * several chunks, chat streams carry usage only when `stream_options.include_usage` is true,
 * tool-call arguments arrive split across deltas, Responses usage is in `response.completed`,
 * and Anthropic usage is split between `message_start` and `message_delta`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Token counts one reply reports; missing fields get deterministic defaults from the lengths. */
export interface ScriptedUsage {
  promptTokens: number;
  completionTokens: number;
  /** Part of promptTokens read from a cache. */
  cachedTokens: number;
  /** Part of completionTokens spent reasoning. */
  reasoningTokens: number;
}

interface ReplyOptions {
  /** Usage to report; `null` sends none for this reply. */
  usage?: Partial<ScriptedUsage> | null;
  /** Characters of text (or tool-call arguments) per stream delta; default 8. */
  chunkChars?: number;
  /**
   * Streams only: after this many deltas, stop writing and hold the connection open until the
   * client goes away (the request is then recorded as `aborted`). For abort tests.
   */
  stallAfterChunks?: number;
}

/** One tool call of a reply; `arguments` as a string is sent verbatim, so it may be malformed JSON. */
export interface ScriptedToolCall {
  id?: string;
  name: string;
  arguments: Record<string, unknown> | string;
}

/** One entry of the script. */
export type ScriptedReply =
  | ({ text: string; reasoning?: string } & ReplyOptions)
  | ({ toolCalls: ScriptedToolCall[]; text?: string; reasoning?: string } & ReplyOptions)
  /** An HTTP error; `body` as a string is sent as text, anything else as JSON. */
  | { error: { status: number; body?: unknown } }
  /** Waits, then answers the same request with the next entry. */
  | { delayMs: number };

/** A request as the server saw it. */
export interface RecordedRequest {
  method: string;
  /** Path with query. */
  path: string;
  /** Lower-cased header names; `authorization` and `x-api-key` kept so tests can check which key arrived. */
  headers: Record<string, string>;
  /** Parsed JSON body, the raw text when it is not JSON, or null when empty. */
  body: unknown;
  /** Whether the client went away before the reply ended. */
  aborted: boolean;
  /** The usage the reply reported to the client, or null when it reported none. */
  usageSent: ScriptedUsage | null;
  /** Index of the script entry that answered, or null (auth failure, rejected tools, models, exhausted). */
  scriptIndex: number | null;
}

export interface ScriptedModelServerOptions {
  script: ScriptedReply[];
  /** When set, requests must carry it as `Authorization: Bearer` or `x-api-key`, else 401. */
  requireKey?: string;
  /** Ids served by GET /v1/models; `null` answers 404 there. Default `['scripted-model']`. */
  models?: string[] | null;
  /** Answer any request that carries `tools` with a 400, as a server without tool support does. */
  rejectTools?: boolean;
  /** Report no usage in any reply. */
  omitUsage?: boolean;
  /** Listen on this port (a server coming back where an earlier one was); a free one otherwise. */
  port?: number;
}

export interface ScriptedModelServer {
  /** Base URL including `/v1`. */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * The server's requests less the model list (GET /v1/models): a run's creation asks for it, to
 * refuse a run whose server does not answer (AgentService.checkReady), before any model call.
 */
export function modelCalls(server: Pick<ScriptedModelServer, 'requests'>): RecordedRequest[] {
  return server.requests.filter((r) => !(r.method === 'GET' && r.path.startsWith('/v1/models')));
}

type Api = 'chat' | 'responses' | 'messages';

interface Reply {
  text: string;
  reasoning: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  usage: ScriptedUsage | null;
  chunkChars: number;
  stallAfterChunks: number | null;
}

/** Starts the server on 127.0.0.1 and a free port. */
export async function startScriptedModelServer(opts: ScriptedModelServerOptions): Promise<ScriptedModelServer> {
  const requests: RecordedRequest[] = [];
  let next = 0;
  const models = opts.models === undefined ? ['scripted-model'] : opts.models;

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `scripted model server: ${String(err)}` } });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: unknown = null;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const rec: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers, body, aborted: false, usageSent: null, scriptIndex: null };
    requests.push(rec);
    res.on('close', () => {
      if (!res.writableFinished) rec.aborted = true;
    });

    if (opts.requireKey !== undefined) {
      const bearer = /^Bearer (.+)$/i.exec(headers.authorization ?? '')?.[1];
      if (bearer !== opts.requireKey && headers['x-api-key'] !== opts.requireKey) {
        sendJson(res, 401, { error: { message: 'scripted model server: invalid api key', type: 'invalid_request_error', code: 'invalid_api_key' } });
        return;
      }
    }

    const pathname = new URL(rec.path, 'http://x').pathname;
    if (req.method === 'GET' && pathname === '/v1/models') {
      if (models === null) sendJson(res, 404, { error: { message: 'scripted model server: no /v1/models here' } });
      else sendJson(res, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'script' })) });
      return;
    }
    if (req.method === 'POST' && pathname === '/v1/messages/count_tokens') {
      // Anthropic's token counter (Claude Code asks it): a rough count of the request's text, no script step used.
      sendJson(res, 200, { input_tokens: Math.ceil(raw.length / 4) });
      return;
    }
    const api: Api | null =
      pathname === '/v1/chat/completions' ? 'chat' : pathname === '/v1/responses' ? 'responses' : pathname === '/v1/messages' ? 'messages' : null;
    if (req.method !== 'POST' || api === null) {
      sendJson(res, 404, { error: { message: `scripted model server: no route ${req.method} ${pathname}` } });
      return;
    }
    const request = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (opts.rejectTools && Array.isArray(request.tools) && request.tools.length > 0) {
      sendJson(res, 400, {
        error: { message: '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set', type: 'BadRequestError', code: 400 },
      });
      return;
    }

    for (;;) {
      const index = next;
      const entry = opts.script[index];
      if (entry === undefined) {
        sendJson(res, 500, { error: { message: `scripted model server: script exhausted after ${opts.script.length} replies`, type: 'script_exhausted' } });
        return;
      }
      next += 1;
      rec.scriptIndex = index;
      if ('delayMs' in entry) {
        await new Promise((resolve) => setTimeout(resolve, entry.delayMs));
        continue;
      }
      if ('error' in entry) {
        const { status, body: errBody } = entry.error;
        if (typeof errBody === 'string') {
          res.writeHead(status, { 'content-type': 'text/plain' });
          res.end(errBody);
        } else {
          sendJson(res, status, errBody ?? { error: { message: `scripted error ${status}` } });
        }
        return;
      }
      const reply = toReply(entry, raw, opts.omitUsage === true);
      const stream = request.stream === true;
      if (api === 'chat') await serveChat(res, reply, request, stream, rec);
      else if (api === 'responses') await serveResponses(res, reply, request, stream, rec);
      else await serveMessages(res, reply, request, stream, rec);
      return;
    }
  }

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function toReply(entry: Exclude<ScriptedReply, { error: unknown } | { delayMs: number }>, requestText: string, omitUsage: boolean): Reply {
  const toolCalls =
    'toolCalls' in entry
      ? entry.toolCalls.map((c, i) => ({
          id: c.id ?? `call_${i + 1}`,
          name: c.name,
          arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
        }))
      : [];
  const text = entry.text ?? '';
  const reasoning = entry.reasoning ?? '';
  const outChars = text.length + reasoning.length + toolCalls.reduce((n, c) => n + c.name.length + c.arguments.length, 0);
  // Defaults depend only on lengths, so a test can recompute them; explicit fields win.
  const defaults: ScriptedUsage = {
    promptTokens: Math.ceil(requestText.length / 4),
    completionTokens: Math.ceil(outChars / 4) + 1,
    cachedTokens: 0,
    reasoningTokens: Math.ceil(reasoning.length / 4),
  };
  const usage = omitUsage || entry.usage === null ? null : { ...defaults, ...(entry.usage ?? {}) };
  return { text, reasoning, toolCalls, usage, chunkChars: entry.chunkChars ?? 8, stallAfterChunks: entry.stallAfterChunks ?? null };
}

function chunksOf(s: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += n) out.push(s.slice(i, i + n));
  return out;
}

/** Writes SSE events one at a time, yielding between them so they leave as separate TCP writes. */
class SseWriter {
  private deltas = 0;

  constructor(
    private readonly res: ServerResponse,
    private readonly stallAfter: number | null,
  ) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
  }

  /** Returns false when the stream stalled or the client left; the caller stops then. */
  async send(data: unknown, event?: string, isDelta = false): Promise<boolean> {
    if (this.res.destroyed) return false;
    if (isDelta) {
      if (this.stallAfter !== null && this.deltas >= this.stallAfter) {
        // Hold the connection open until the client leaves, as a model that hangs would.
        await new Promise<void>((resolve) => this.res.once('close', () => resolve()));
        return false;
      }
      this.deltas += 1;
    }
    const payload = typeof data === 'string' ? data : JSON.stringify(data);
    this.res.write(`${event ? `event: ${event}\n` : ''}data: ${payload}\n\n`);
    await new Promise((resolve) => setImmediate(resolve));
    return true;
  }

  end(): void {
    if (!this.res.destroyed) this.res.end();
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const modelOf = (request: Record<string, unknown>): string => (typeof request.model === 'string' ? request.model : 'scripted-model');

// ---- Chat Completions ----

function chatUsage(u: ScriptedUsage): Record<string, unknown> {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens },
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
  };
}

async function serveChat(res: ServerResponse, r: Reply, request: Record<string, unknown>, stream: boolean, rec: RecordedRequest): Promise<void> {
  const id = 'chatcmpl-script';
  const model = modelOf(request);
  const finish = r.toolCalls.length > 0 ? 'tool_calls' : 'stop';
  if (!stream) {
    const message: Record<string, unknown> = { role: 'assistant', content: r.text === '' && r.toolCalls.length > 0 ? null : r.text };
    if (r.reasoning) message.reasoning_content = r.reasoning;
    if (r.toolCalls.length > 0) message.tool_calls = r.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
    const body: Record<string, unknown> = { id, object: 'chat.completion', created: 0, model, choices: [{ index: 0, message, finish_reason: finish }] };
    if (r.usage) body.usage = chatUsage(r.usage);
    rec.usageSent = r.usage;
    sendJson(res, 200, body);
    return;
  }
  const streamOptions = request.stream_options as { include_usage?: unknown } | undefined;
  const includeUsage = streamOptions?.include_usage === true && r.usage !== null;
  const w = new SseWriter(res, r.stallAfterChunks);
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null): Record<string, unknown> => ({
    id,
    object: 'chat.completion.chunk',
    created: 0,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
    // Real servers put `usage: null` on every chunk once usage was asked for.
    ...(includeUsage ? { usage: null } : {}),
  });
  if (!(await w.send(chunk({ role: 'assistant', content: '' })))) return;
  for (const piece of chunksOf(r.reasoning, r.chunkChars)) if (!(await w.send(chunk({ reasoning_content: piece }), undefined, true))) return;
  for (const piece of chunksOf(r.text, r.chunkChars)) if (!(await w.send(chunk({ content: piece }), undefined, true))) return;
  for (const [index, c] of r.toolCalls.entries()) {
    if (!(await w.send(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }), undefined, true))) return;
    for (const piece of chunksOf(c.arguments, r.chunkChars)) {
      if (!(await w.send(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }), undefined, true))) return;
    }
  }
  if (!(await w.send(chunk({}, finish)))) return;
  if (includeUsage && r.usage) {
    rec.usageSent = r.usage;
    if (!(await w.send({ id, object: 'chat.completion.chunk', created: 0, model, choices: [], usage: chatUsage(r.usage) }))) return;
  }
  await w.send('[DONE]');
  w.end();
}

// ---- Responses ----

function responsesUsage(u: ScriptedUsage): Record<string, unknown> {
  return {
    input_tokens: u.promptTokens,
    input_tokens_details: { cached_tokens: u.cachedTokens },
    output_tokens: u.completionTokens,
    output_tokens_details: { reasoning_tokens: u.reasoningTokens },
    total_tokens: u.promptTokens + u.completionTokens,
  };
}

function responsesOutput(r: Reply): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  if (r.reasoning) out.push({ type: 'reasoning', id: 'rs_1', summary: [], content: [{ type: 'reasoning_text', text: r.reasoning }] });
  if (r.text) {
    out.push({ type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: r.text, annotations: [] }] });
  }
  for (const c of r.toolCalls) out.push({ type: 'function_call', id: `fc_${c.id}`, call_id: c.id, name: c.name, arguments: c.arguments, status: 'completed' });
  return out;
}

async function serveResponses(res: ServerResponse, r: Reply, request: Record<string, unknown>, stream: boolean, rec: RecordedRequest): Promise<void> {
  const model = modelOf(request);
  const base = { id: 'resp_script', object: 'response', created_at: 0, model };
  const final: Record<string, unknown> = { ...base, status: 'completed', output: responsesOutput(r) };
  if (r.usage) final.usage = responsesUsage(r.usage);
  rec.usageSent = r.usage;
  if (!stream) {
    sendJson(res, 200, final);
    return;
  }
  rec.usageSent = null; // set again only if response.completed is actually sent
  const w = new SseWriter(res, r.stallAfterChunks);
  let seq = 0;
  const send = (type: string, data: Record<string, unknown>, isDelta = false): Promise<boolean> =>
    w.send({ type, sequence_number: seq++, ...data }, type, isDelta);
  if (!(await send('response.created', { response: { ...base, status: 'in_progress', output: [] } }))) return;
  if (!(await send('response.in_progress', { response: { ...base, status: 'in_progress', output: [] } }))) return;
  let outputIndex = 0;
  if (r.reasoning) {
    const item = { type: 'reasoning', id: 'rs_1', summary: [] };
    if (!(await send('response.output_item.added', { output_index: outputIndex, item }))) return;
    for (const piece of chunksOf(r.reasoning, r.chunkChars)) {
      if (!(await send('response.reasoning_text.delta', { item_id: 'rs_1', output_index: outputIndex, content_index: 0, delta: piece }, true))) return;
    }
    if (!(await send('response.output_item.done', { output_index: outputIndex, item: responsesOutput({ ...r, text: '', toolCalls: [] })[0] }))) return;
    outputIndex += 1;
  }
  if (r.text) {
    const item = { type: 'message', id: 'msg_1', role: 'assistant', status: 'in_progress', content: [] };
    if (!(await send('response.output_item.added', { output_index: outputIndex, item }))) return;
    if (!(await send('response.content_part.added', { item_id: 'msg_1', output_index: outputIndex, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }))) return;
    for (const piece of chunksOf(r.text, r.chunkChars)) {
      if (!(await send('response.output_text.delta', { item_id: 'msg_1', output_index: outputIndex, content_index: 0, delta: piece }, true))) return;
    }
    if (!(await send('response.output_text.done', { item_id: 'msg_1', output_index: outputIndex, content_index: 0, text: r.text }))) return;
    if (!(await send('response.content_part.done', { item_id: 'msg_1', output_index: outputIndex, content_index: 0, part: { type: 'output_text', text: r.text, annotations: [] } }))) return;
    const done = { ...item, status: 'completed', content: [{ type: 'output_text', text: r.text, annotations: [] }] };
    if (!(await send('response.output_item.done', { output_index: outputIndex, item: done }))) return;
    outputIndex += 1;
  }
  for (const c of r.toolCalls) {
    const itemId = `fc_${c.id}`;
    const item = { type: 'function_call', id: itemId, call_id: c.id, name: c.name, arguments: '', status: 'in_progress' };
    if (!(await send('response.output_item.added', { output_index: outputIndex, item }))) return;
    for (const piece of chunksOf(c.arguments, r.chunkChars)) {
      if (!(await send('response.function_call_arguments.delta', { item_id: itemId, output_index: outputIndex, delta: piece }, true))) return;
    }
    if (!(await send('response.function_call_arguments.done', { item_id: itemId, output_index: outputIndex, arguments: c.arguments }))) return;
    if (!(await send('response.output_item.done', { output_index: outputIndex, item: { ...item, arguments: c.arguments, status: 'completed' } }))) return;
    outputIndex += 1;
  }
  if (!(await send('response.completed', { response: final }))) return;
  rec.usageSent = r.usage;
  w.end();
}

// ---- Anthropic Messages ----

async function serveMessages(res: ServerResponse, r: Reply, request: Record<string, unknown>, stream: boolean, rec: RecordedRequest): Promise<void> {
  const model = modelOf(request);
  const stop = r.toolCalls.length > 0 ? 'tool_use' : 'end_turn';
  // Anthropic counts cache reads apart from input_tokens; a cached prompt is input + cache_read.
  const input = r.usage ? { input_tokens: r.usage.promptTokens - r.usage.cachedTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: r.usage.cachedTokens } : null;
  const content: Record<string, unknown>[] = [];
  if (r.reasoning) content.push({ type: 'thinking', thinking: r.reasoning, signature: 'sig' });
  if (r.text) content.push({ type: 'text', text: r.text });
  for (const c of r.toolCalls) {
    let parsed: unknown = c.arguments;
    try {
      parsed = JSON.parse(c.arguments);
    } catch {
      // Malformed on purpose: sent as the raw string so the client has to cope.
    }
    content.push({ type: 'tool_use', id: c.id, name: c.name, input: parsed });
  }
  const base = { id: 'msg_script', type: 'message', role: 'assistant', model };
  if (!stream) {
    const body: Record<string, unknown> = { ...base, content, stop_reason: stop, stop_sequence: null };
    if (r.usage && input) body.usage = { ...input, output_tokens: r.usage.completionTokens };
    rec.usageSent = r.usage;
    sendJson(res, 200, body);
    return;
  }
  const w = new SseWriter(res, r.stallAfterChunks);
  const send = (type: string, data: Record<string, unknown>, isDelta = false): Promise<boolean> => w.send({ type, ...data }, type, isDelta);
  const startUsage = r.usage && input ? { ...input, output_tokens: 1 } : undefined;
  if (!(await send('message_start', { message: { ...base, content: [], stop_reason: null, stop_sequence: null, ...(startUsage ? { usage: startUsage } : {}) } }))) return;
  if (!(await send('ping', {}))) return;
  let index = 0;
  if (r.reasoning) {
    if (!(await send('content_block_start', { index, content_block: { type: 'thinking', thinking: '' } }))) return;
    for (const piece of chunksOf(r.reasoning, r.chunkChars)) if (!(await send('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: piece } }, true))) return;
    if (!(await send('content_block_stop', { index }))) return;
    index += 1;
  }
  if (r.text) {
    if (!(await send('content_block_start', { index, content_block: { type: 'text', text: '' } }))) return;
    for (const piece of chunksOf(r.text, r.chunkChars)) if (!(await send('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }, true))) return;
    if (!(await send('content_block_stop', { index }))) return;
    index += 1;
  }
  for (const c of r.toolCalls) {
    if (!(await send('content_block_start', { index, content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} } }))) return;
    for (const piece of chunksOf(c.arguments, r.chunkChars)) {
      if (!(await send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }, true))) return;
    }
    if (!(await send('content_block_stop', { index }))) return;
    index += 1;
  }
  const deltaUsage = r.usage ? { output_tokens: r.usage.completionTokens } : undefined;
  if (!(await send('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, ...(deltaUsage ? { usage: deltaUsage } : {}) }))) return;
  await send('message_stop', {});
  rec.usageSent = r.usage;
  w.end();
}
