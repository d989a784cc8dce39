/**
 * The metering proxy against a scripted model server, over real sockets and real SSE: usage
 * totals, keys, budgets, aborts and the stored raw exchanges.
 */
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startScriptedModelServer, type ScriptedModelServer, type ScriptedModelServerOptions, type ScriptedUsage } from '../../../../../tests/helpers/scripted-model-server';
import { MeteringProxy, RAW_EXCHANGES_NAME, type ExchangeRecord, type MeteringProxyOptions, type Upstream } from './metering-proxy';
import type { Prices } from './usage';

const REAL_KEY = 'sk-real-upstream-key-0123456789abcdef';
const PRICES: Prices = { inputPerM: 2, cachedInputPerM: 0.5, outputPerM: 8 };

interface Setup {
  server: ScriptedModelServer;
  proxy: MeteringProxy;
  records: ExchangeRecord[];
  raw: Map<string, Buffer>;
  runKey: string;
  baseUrl: string;
  anthropicBaseUrl: string;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(
  serverOpts: Omit<ScriptedModelServerOptions, 'requireKey'>,
  o: { upstream?: Partial<Upstream>; budgetUsd?: number; attempt?: { maxTokens?: number; maxUsd?: number }; proxy?: MeteringProxyOptions } = {},
): Promise<Setup> {
  const server = await startScriptedModelServer({ ...serverOpts, requireKey: REAL_KEY });
  cleanups.push(() => server.close());
  const records: ExchangeRecord[] = [];
  const raw = new Map<string, Buffer>();
  const proxy = new MeteringProxy({
    onExchange: (r) => records.push(r),
    storeRaw: (attemptId, name, gz) => raw.set(`${attemptId}/${name}`, gz),
    ...o.proxy,
  });
  await proxy.start();
  cleanups.push(() => proxy.stop());
  const { runKey } = proxy.openRun('run-1', { baseUrl: server.url, apiKey: REAL_KEY, prices: PRICES, ...o.upstream }, { budgetUsd: o.budgetUsd });
  const { baseUrl, anthropicBaseUrl, apiKey } = proxy.openAttempt('run-1', 'att-1', o.attempt);
  expect(apiKey).toBe(runKey);
  return { server, proxy, records, raw, runKey, baseUrl, anthropicBaseUrl };
}

function post(url: string, key: string, body: unknown, anthropic = false, signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (anthropic) {
    headers['x-api-key'] = key;
    headers['anthropic-version'] = '2023-06-01';
  } else {
    headers.authorization = `Bearer ${key}`;
  }
  return fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal });
}

/** The `data:` payloads of an SSE text, parsed when they are JSON. */
function sseData(text: string): unknown[] {
  return text
    .split(/\n\n/)
    .flatMap((block) => block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)))
    .map((d) => {
      try {
        return JSON.parse(d) as unknown;
      } catch {
        return d;
      }
    });
}

const chatBody = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: 'scripted-model',
  messages: [{ role: 'user', content: 'Fix the bug in the checkout page.' }],
  ...extra,
});
const responsesBody = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ model: 'scripted-model', input: 'Fix the bug.', ...extra });
const messagesBody = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: 'scripted-model',
  max_tokens: 1024,
  messages: [{ role: 'user', content: 'Fix the bug.' }],
  ...extra,
});

function expectTokens(s: Setup, sent: (ScriptedUsage | null)[]): void {
  const want = sent.reduce(
    (t, u) => {
      if (!u) throw new Error('test: the server sent no usage');
      return { input: t.input + u.promptTokens, cached: t.cached + u.cachedTokens, output: t.output + u.completionTokens, reasoning: t.reasoning + u.reasoningTokens };
    },
    { input: 0, cached: 0, output: 0, reasoning: 0 },
  );
  const got = s.proxy.attemptUsage('att-1');
  expect({ input: got.inputTokens, cached: got.cachedTokens, output: got.outputTokens, reasoning: got.reasoningTokens }).toEqual(want);
  expect(got.requests).toBe(sent.length);
  expect(got.estimated).toBe(false);
  expect(s.proxy.runUsage('run-1')).toEqual(got);
}

describe('MeteringProxy usage', () => {
  const usage = { promptTokens: 1200, cachedTokens: 200, completionTokens: 90, reasoningTokens: 30 };

  it('totals what the server reported for whole responses of all three APIs', async () => {
    const s = await setup({
      script: [
        { text: 'Patched the handler.', reasoning: 'Look at checkout.', usage },
        { toolCalls: [{ name: 'bash', arguments: { cmd: 'ls' } }], usage: { promptTokens: 1500, cachedTokens: 1200 } },
        { text: 'Done.', usage: { promptTokens: 800, cachedTokens: 300, completionTokens: 12 } },
      ],
    });
    const chat = await post(`${s.baseUrl}/chat/completions`, s.runKey, chatBody());
    expect(chat.status).toBe(200);
    const chatJson = (await chat.json()) as { choices: { message: { content: string } }[] };
    expect(chatJson.choices[0]?.message.content).toBe('Patched the handler.');
    const resp = await post(`${s.baseUrl}/responses`, s.runKey, responsesBody());
    const respJson = (await resp.json()) as { output: { type: string; arguments?: string }[] };
    expect(respJson.output.find((i) => i.type === 'function_call')?.arguments).toBe('{"cmd":"ls"}');
    const msg = await post(`${s.anthropicBaseUrl}/v1/messages`, s.runKey, messagesBody(), true);
    expect(msg.status).toBe(200);
    await msg.json();
    expectTokens(
      s,
      s.server.requests.map((r) => r.usageSent),
    );
    expect(s.records.map((r) => [r.seq, r.path, r.status, r.stream])).toEqual([
      [1, '/v1/chat/completions', 200, false],
      [2, '/v1/responses', 200, false],
      [3, '/v1/messages', 200, false],
    ]);
  });

  it('totals what the server reported in streams of all three APIs and relays them intact', async () => {
    const text = 'The fix is in src/pages/checkout.tsx; the total was rounded twice.';
    const s = await setup({
      script: [
        { text, reasoning: 'Thinking about rounding.', usage },
        { toolCalls: [{ name: 'bash', arguments: { cmd: 'npm test -- checkout' } }], text: 'Running tests.', usage: { promptTokens: 900, cachedTokens: 100 } },
        { text, usage: { promptTokens: 700, cachedTokens: 650, completionTokens: 40 } },
      ],
    });
    const chat = await post(`${s.baseUrl}/chat/completions`, s.runKey, chatBody({ stream: true, stream_options: { include_usage: true } }));
    expect(chat.headers.get('content-type')).toMatch(/text\/event-stream/);
    const chatEvents = sseData(await chat.text()) as { choices?: { delta: { content?: string } }[]; usage?: unknown }[];
    expect(chatEvents.map((e) => e.choices?.map((c) => c.delta.content ?? '').join('') ?? '').join('')).toBe(text);
    // The client asked for usage, so it gets the usage chunk.
    expect(chatEvents.some((e) => Array.isArray(e.choices) && e.choices.length === 0 && e.usage)).toBe(true);

    const resp = await post(`${s.baseUrl}/responses`, s.runKey, responsesBody({ stream: true }));
    const respEvents = sseData(await resp.text()) as { type: string; delta?: string }[];
    expect(respEvents.filter((e) => e.type === 'response.function_call_arguments.delta').map((e) => e.delta).join('')).toBe('{"cmd":"npm test -- checkout"}');
    expect(respEvents.at(-1)?.type).toBe('response.completed');

    const msg = await post(`${s.anthropicBaseUrl}/v1/messages`, s.runKey, messagesBody({ stream: true }), true);
    const msgEvents = sseData(await msg.text()) as { type: string; delta?: { text?: string } }[];
    expect(msgEvents.filter((e) => e.type === 'content_block_delta').map((e) => e.delta?.text ?? '').join('')).toBe(text);

    expectTokens(
      s,
      s.server.requests.map((r) => r.usageSent),
    );
    expect(s.records.every((r) => r.stream)).toBe(true);
  });

  it('forces include_usage upstream on chat streams and hides the usage chunk from a client that did not ask', async () => {
    const s = await setup({
      script: [{ toolCalls: [{ name: 'apply_patch', arguments: { patch: '--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n' } }], chunkChars: 5, usage }],
    });
    const res = await post(`${s.baseUrl}/chat/completions`, s.runKey, chatBody({ stream: true }));
    const body = await res.text();
    const events = sseData(body) as ({ choices: { delta: { tool_calls?: { function: { arguments?: string } }[] }; finish_reason: string | null }[] } | string)[];
    expect((s.server.requests[0]?.body as { stream_options?: unknown }).stream_options).toEqual({ include_usage: true });
    expect(events.some((e) => typeof e === 'object' && e.choices.length === 0)).toBe(false);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.filter((e): e is Exclude<typeof e, string> => typeof e === 'object');
    expect(chunks.some((e) => e.choices[0]?.finish_reason === 'tool_calls')).toBe(true);
    const args = chunks.flatMap((e) => e.choices[0]?.delta.tool_calls ?? []).map((t) => t.function.arguments ?? '').join('');
    expect(JSON.parse(args)).toEqual({ patch: '--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n' });
    // Hidden from the client, still counted.
    expectTokens(s, [s.server.requests[0]?.usageSent ?? null]);
  });

  it('also turns on include_usage when the client sent stream_options without it', async () => {
    const s = await setup({ script: [{ text: 'hello there', usage }] });
    const res = await post(`${s.baseUrl}/chat/completions`, s.runKey, chatBody({ stream: true, stream_options: { include_usage: false, extra: 1 } }));
    const events = sseData(await res.text());
    expect((s.server.requests[0]?.body as { stream_options?: unknown }).stream_options).toEqual({ include_usage: true, extra: 1 });
    expect(events.some((e) => typeof e === 'object' && (e as { choices: unknown[] }).choices.length === 0)).toBe(false);
    expectTokens(s, [s.server.requests[0]?.usageSent ?? null]);
  });

  it('estimates usage and marks it when the server reports none', async () => {
    const text = 'x'.repeat(400);
    const s = await setup({ script: [{ text }, { text }, { text }], omitUsage: true });
    const body = chatBody();
    await (await post(`${s.baseUrl}/chat/completions`, s.runKey, body)).json();
    const first = s.proxy.attemptUsage('att-1');
    expect(first.estimated).toBe(true);
    expect(first.outputTokens).toBe(100);
    // The prompt estimate counts the prompt's text, not the JSON around it.
    expect(first.inputTokens).toBe(Math.ceil(('user'.length + 'Fix the bug in the checkout page.'.length) / 4));
    expect(first.costUsd).toBeCloseTo((first.inputTokens * 2 + 100 * 8) / 1e6, 12);

    await (await post(`${s.baseUrl}/chat/completions`, s.runKey, chatBody({ stream: true }))).text();
    await (await post(`${s.baseUrl}/responses`, s.runKey, responsesBody({ stream: true }))).text();
    const all = s.proxy.attemptUsage('att-1');
    expect(all.outputTokens).toBe(300);
    expect(all.requests).toBe(3);
    expect(s.records.map((r) => r.estimated)).toEqual([true, true, true]);
  });

  it('prices cached input apart and reasoning as output', async () => {
    const cachedUsage = { promptTokens: 1000, cachedTokens: 400, completionTokens: 300, reasoningTokens: 100 };
    const s = await setup({ script: [{ text: 'a', usage: cachedUsage }, { text: 'b', usage: cachedUsage }] });
    await (await post(`${s.baseUrl}/chat/completions`, s.runKey, chatBody())).json();
    // (600 × $2 + 400 × $0.5 + 300 × $8) / 1e6
    expect(s.records[0]?.usage.costUsd).toBeCloseTo(0.0038, 12);
    // Anthropic reports cache reads apart from input_tokens; the proxy adds them back.
    await (await post(`${s.anthropicBaseUrl}/v1/messages`, s.runKey, messagesBody(), true)).json();
    expect(s.records[1]?.usage).toMatchObject({ inputTokens: 1000, cachedTokens: 400, outputTokens: 300 });
    expect(s.records[1]?.usage.costUsd).toBeCloseTo(0.0038, 12);
    expect(s.proxy.runUsage('run-1').costUsd).toBeCloseTo(0.0076, 12);
  });

  it('forwards /v1/models without counting it as a model call, and relays upstream errors as they are', async () => {
    const s = await setup({ script: [{ error: { status: 429, body: { error: { message: 'slow down', type: 'rate_limit' } } } }] });
    const models = await fetch(`${s.baseUrl}/models`, { headers: { authorization: `Bearer ${s.runKey}` } });
    expect(((await models.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual(['scripted-model']);
    const limited = await post(`${s.baseUrl}/chat/completions`, s.runKey, chatBody());
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ error: { message: 'slow down', type: 'rate_limit' } });
    const u = s.proxy.attemptUsage('att-1');
    expect(u).toMatchObject({ requests: 1, inputTokens: 0, outputTokens: 0, estimated: false });
    expect(s.records[1]?.error).toContain('429');
  });
});

describe('MeteringProxy: Anthropic token counting', () => {
  it('forwards /v1/messages/count_tokens with the real key and the run\'s model, unmetered', async () => {
    const s = await setup({ script: [{ text: 'unused' }] }, { upstream: { model: 'served-model' } });
    const counted = await post(`${s.anthropicBaseUrl}/v1/messages/count_tokens`, s.runKey, messagesBody(), true);
    expect(counted.status).toBe(200);
    expect(((await counted.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(0);
    const upstream = s.server.requests.at(-1)!;
    expect(upstream.path).toBe('/v1/messages/count_tokens');
    expect(upstream.headers['x-api-key']).toBe(REAL_KEY);
    expect((upstream.body as { model: string }).model).toBe('served-model');
    // Counting generates nothing: no model call, no tokens, no dollars.
    expect(s.proxy.attemptUsage('att-1')).toMatchObject({ requests: 0, inputTokens: 0, costUsd: 0 });
  });
});

describe('MeteringProxy keys', () => {
  it('answers 401 without calling upstream for a wrong key, another run’s key or an unknown attempt', async () => {
    const s = await setup({ script: [{ text: 'never' }] });
    const other = s.proxy.openRun('run-2', { baseUrl: s.server.url, apiKey: REAL_KEY, prices: PRICES });
    s.proxy.openAttempt('run-2', 'att-2');
    expect((await post(`${s.baseUrl}/chat/completions`, 'sk-guess', chatBody())).status).toBe(401);
    expect((await post(`${s.baseUrl}/chat/completions`, REAL_KEY, chatBody())).status).toBe(401);
    expect((await post(`${s.baseUrl}/chat/completions`, other.runKey, chatBody())).status).toBe(401);
    expect((await post(`${s.anthropicBaseUrl}/v1/messages`, other.runKey, messagesBody(), true)).status).toBe(401);
    expect((await post(s.baseUrl.replace('att-1', 'att-9') + '/chat/completions', s.runKey, chatBody())).status).toBe(401);
    const noKey = await fetch(`${s.baseUrl}/chat/completions`, { method: 'POST', body: JSON.stringify(chatBody()) });
    expect(noKey.status).toBe(401);
    expect(s.server.requests).toHaveLength(0);
    expect(s.proxy.attemptUsage('att-1').requests).toBe(0);
  });

  it('injects the real key upstream and keeps both keys out of records and raw exchanges', async () => {
    // The model repeats the real key and the agent echoes its own key: both must be scrubbed.
    const s = await setup({ script: [{ text: `the key is ${REAL_KEY}` }, { text: 'ok' }, { text: 'fine' }] });
    await (await post(`${s.baseUrl}/chat/completions`, s.runKey, chatBody({ messages: [{ role: 'user', content: `my key: ${s.runKey}` }] }))).json();
    await (await post(`${s.anthropicBaseUrl}/v1/messages`, s.runKey, messagesBody({ stream: true }), true)).text();
    // Pretty-printed JSON must not break the one-line-per-exchange file.
    const pretty = await fetch(`${s.baseUrl}/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.runKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(responsesBody({ stream: true }), null, 2),
    });
    await pretty.text();
    expect(s.server.requests[0]?.headers.authorization).toBe(`Bearer ${REAL_KEY}`);
    expect(s.server.requests[1]?.headers['x-api-key']).toBe(REAL_KEY);
    expect(s.server.requests[1]?.headers.authorization).toBeUndefined();
    expect(s.server.requests[2]?.headers.authorization).toBe(`Bearer ${REAL_KEY}`);

    s.proxy.closeAttempt('att-1');
    await s.proxy.flushRaw();
    const gz = s.raw.get(`att-1/${RAW_EXCHANGES_NAME}`);
    expect(gz).toBeDefined();
    const text = gunzipSync(gz ?? Buffer.alloc(0)).toString('utf8');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; request: { headers: Record<string, string>; body: unknown }; response: { body: unknown } });
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3]);
    expect(lines[2]?.request.body).toMatchObject({ input: 'Fix the bug.', stream: true });
    expect(lines[0]?.request.headers.authorization).toBe('[redacted]');
    expect(JSON.stringify(lines[0]?.response.body)).toContain('the key is [redacted]');
    expect(JSON.stringify(lines[0]?.request.body)).toContain('my key: [redacted]');
    expect(String(lines[1]?.response.body)).toContain('message_start');
    for (const secret of [REAL_KEY, s.runKey]) {
      expect(text).not.toContain(secret);
      expect(JSON.stringify(s.records)).not.toContain(secret);
    }
    // A closed attempt takes no more calls.
    expect((await post(`${s.baseUrl}/chat/completions`, s.runKey, chatBody())).status).toBe(401);
    expect(s.server.requests).toHaveLength(3);
  });

  it('names the upstream in a 502 when it is unreachable, without the key', async () => {
    const s = await setup({ script: [] });
    s.proxy.openRun('run-dead', { baseUrl: 'http://127.0.0.1:9/v1', apiKey: REAL_KEY, prices: PRICES });
    const dead = s.proxy.openAttempt('run-dead', 'att-dead');
    const res = await post(`${dead.baseUrl}/chat/completions`, dead.apiKey, chatBody());
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain('upstream http://127.0.0.1:9/v1/chat/completions');
    expect(JSON.stringify(body)).not.toContain(REAL_KEY);
    expect(s.proxy.attemptUsage('att-dead')).toMatchObject({ requests: 1, inputTokens: 0 });
  });
});

describe('MeteringProxy budgets', () => {
  const spend = { promptTokens: 1000, cachedTokens: 0, completionTokens: 500, reasoningTokens: 0 };

  async function expectRefused(res: Response, what: RegExp): Promise<void> {
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { type: string; code: string; message: string } };
    expect(body.error.type).toBe('budget_exceeded');
    expect(body.error.code).toBe('budget_exceeded');
    expect(body.error.message).toMatch(what);
  }

  it('refuses the call after an attempt spent its tokens, without forwarding it', async () => {
    const s = await setup({ script: [{ text: 'a', usage: spend }, { text: 'b', usage: spend }] }, { attempt: { maxTokens: 1200 } });
    expect(s.proxy.attemptBudgetSpent('att-1')).toBe(false);
    expect((await post(`${s.baseUrl}/chat/completions`, s.runKey, chatBody())).status).toBe(200);
    expect(s.proxy.attemptBudgetSpent('att-1')).toBe(true);
    await expectRefused(await post(`${s.baseUrl}/chat/completions`, s.runKey, chatBody({ stream: true })), /attempt att-1 token budget exceeded: 1500 of 1200 tokens/);
    await expectRefused(await post(`${s.anthropicBaseUrl}/v1/messages`, s.runKey, messagesBody(), true), /token budget/);
    expect(s.server.requests).toHaveLength(1);
    expect(s.proxy.attemptUsage('att-1').requests).toBe(1);
    expect(s.records.map((r) => r.status)).toEqual([200, 400, 400]);
  });

  it('refuses the call after an attempt spent its dollars', async () => {
    // 1000 × $2 + 500 × $8 = $0.006 per call
    const s = await setup({ script: [{ text: 'a', usage: spend }, { text: 'b', usage: spend }, { text: 'c', usage: spend }] }, { attempt: { maxUsd: 0.01 } });
    expect((await post(`${s.baseUrl}/responses`, s.runKey, responsesBody())).status).toBe(200);
    expect(s.proxy.attemptBudgetSpent('att-1')).toBe(false);
    expect((await post(`${s.baseUrl}/responses`, s.runKey, responsesBody())).status).toBe(200);
    expect(s.proxy.attemptBudgetSpent('att-1')).toBe(true);
    await expectRefused(await post(`${s.baseUrl}/responses`, s.runKey, responsesBody()), /attempt att-1 dollar budget exceeded: \$0\.0120 of \$0\.0100/);
    expect(s.server.requests).toHaveLength(2);
  });

  it('refuses calls of every attempt once the run spent its dollars', async () => {
    const s = await setup({ script: [{ text: 'a', usage: spend }, { text: 'b', usage: spend }] }, { budgetUsd: 0.005 });
    const second = s.proxy.openAttempt('run-1', 'att-2');
    expect(s.proxy.runBudgetExceeded('run-1')).toBe(false);
    expect((await post(`${s.baseUrl}/chat/completions`, s.runKey, chatBody())).status).toBe(200);
    expect(s.proxy.runBudgetExceeded('run-1')).toBe(true);
    // Another attempt of the run, with nothing spent itself, is refused too.
    expect(s.proxy.attemptBudgetSpent('att-2')).toBe(true);
    await expectRefused(await post(`${second.baseUrl}/chat/completions`, second.apiKey, chatBody()), /run run-1 dollar budget exceeded: \$0\.0060 of \$0\.0050/);
    expect(s.server.requests).toHaveLength(1);
    expect(s.proxy.attemptUsage('att-2').requests).toBe(0);
    expect(s.proxy.closeRun('run-1').costUsd).toBeCloseTo(0.006, 12);
  });
});

describe('MeteringProxy forwarding', () => {
  it('aborts the upstream call when the client goes away mid-stream, and meters what passed', async () => {
    const s = await setup({ script: [{ text: 'partial answer that never ends', chunkChars: 4, stallAfterChunks: 2 }] });
    const ac = new AbortController();
    const res = await post(`${s.baseUrl}/chat/completions`, s.runKey, chatBody({ stream: true }), false, ac.signal);
    const reader = res.body?.getReader();
    let seen = '';
    while (!seen.includes('part')) {
      const { value, done } = (await reader?.read()) ?? { done: true, value: undefined };
      if (done) throw new Error('test: stream ended before the stall');
      seen += Buffer.from(value).toString('utf8');
    }
    ac.abort();
    await vi.waitFor(() => expect(s.server.requests[0]?.aborted).toBe(true), { timeout: 10_000 });
    await vi.waitFor(() => expect(s.records).toHaveLength(1), { timeout: 10_000 });
    expect(s.records[0]?.error).toMatch(/client disconnected/);
    expect(s.records[0]?.usage).toMatchObject({ requests: 1, estimated: true });
    expect(s.records[0]?.usage.inputTokens).toBeGreaterThan(0);
  });

  it('cuts calls still in flight when their attempt is closed, and counts them', async () => {
    const s = await setup({ script: [{ text: 'a long answer that hangs', chunkChars: 4, stallAfterChunks: 1 }] });
    const res = await post(`${s.anthropicBaseUrl}/v1/messages`, s.runKey, messagesBody({ stream: true }), true);
    const reader = res.body?.getReader();
    expect((await reader?.read())?.done).toBe(false);
    const usage = s.proxy.closeAttempt('att-1');
    // message_start already gave the exact input; the output is only estimated.
    // (the scripted server's default prompt count is the request's length / 4).
    expect(usage).toMatchObject({ requests: 1, inputTokens: Math.ceil(JSON.stringify(messagesBody({ stream: true })).length / 4), estimated: true });
    expect(usage.outputTokens).toBeGreaterThanOrEqual(1);
    await vi.waitFor(() => expect(s.server.requests[0]?.aborted).toBe(true), { timeout: 10_000 });
    // The agent sees a broken stream, not a clean end.
    await expect((async () => { for (;;) if ((await reader?.read())?.done) return 'ended'; })()).rejects.toThrow();
    expect(s.records[0]?.error).toMatch(/attempt closed/);
  });

  it('strips accept-encoding, rewrites the model to the run’s, and passes other headers through', async () => {
    const s = await setup({ script: [{ text: 'a' }] }, { upstream: { model: 'priced-model', extraHeaders: { 'X-Org': 'lab' } } });
    const res = await fetch(`${s.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.runKey}`, 'content-type': 'application/json', 'accept-encoding': 'zstd, gzip', 'x-client': 'codex' },
      body: JSON.stringify(chatBody({ model: 'expensive-model' })),
    });
    expect(res.status).toBe(200);
    const seen = s.server.requests[0];
    expect(seen?.headers['accept-encoding']).toBe('identity');
    expect(seen?.headers['x-client']).toBe('codex');
    expect(seen?.headers['x-org']).toBe('lab');
    expect((seen?.body as { model: string }).model).toBe('priced-model');
    expect(s.records[0]?.model).toBe('priced-model');
  });

  it('answers 404 for paths that are not model endpoints, without calling upstream', async () => {
    const s = await setup({ script: [] });
    const res = await post(`${s.baseUrl}/embeddings`, s.runKey, { input: 'x' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('/v1/embeddings');
    expect(s.server.requests).toHaveLength(0);
  });
});
