/**
 * The Test action over real HTTP against the scripted OpenAI-compatible server, through the
 * service (so the key is resolved from the real file secret store as in the app).
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../../tests/helpers/temp-dir';
import { startScriptedModelServer, type ScriptedModelServer, type ScriptedModelServerOptions } from '../../../../../tests/helpers/scripted-model-server';
import type { EndpointSaveInput } from '../../../../shared/endpoints';
import { openDatabase, type Db } from '../../store/database';
import { EndpointService } from './endpoint-service';
import { FileSecretStore } from './secret-store';

const KEY = 'sk-scripted-KEY-0123456789abcdefghij';

describe('endpoint test action', () => {
  let cleanup: () => void;
  let db: Db;
  let env: NodeJS.ProcessEnv;
  let service: EndpointService;
  let server: ScriptedModelServer | undefined;

  beforeEach(() => {
    const tmp = makeTempDir('lancer-probe-');
    cleanup = tmp.cleanup;
    db = openDatabase(path.join(tmp.dir, 'lancer.db'));
    env = {};
    service = new EndpointService({ db, secrets: new FileSecretStore(tmp.dir), env: () => env });
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    db.close();
    cleanup();
  });

  async function endpointOn(opts: ScriptedModelServerOptions, extra: Partial<EndpointSaveInput> = {}): Promise<ScriptedModelServer> {
    server = await startScriptedModelServer(opts);
    service.save({ name: 'ep', baseUrl: server.url, model: 'scripted-model', apiKey: { source: 'stored', value: KEY }, ...extra });
    return server;
  }

  const chatRequests = (s: ScriptedModelServer) => s.requests.filter((r) => r.path.endsWith('/chat/completions'));

  it('lists the models and detects a native tool call, sending the stored key and a trivial tool', async () => {
    const s = await endpointOn({ script: [{ toolCalls: [{ name: 'ping', arguments: { reply: 'pong' } }] }], models: ['other', 'scripted-model'], requireKey: KEY });
    const r = await service.test('ep');
    expect(r).toMatchObject({ name: 'ep', ok: true, status: 200, toolCalls: true, toolsRejected: false, error: null });
    expect(r.models).toEqual({ available: true, ids: ['other', 'scripted-model'], includesModel: true });
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
    const [chat] = chatRequests(s);
    expect(chat?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(chat?.body).toMatchObject({
      model: 'scripted-model',
      tool_choice: 'auto',
      stream: false,
      tools: [{ type: 'function', function: { name: 'ping' } }],
    });
  });

  it('reports a text reply as no tool call, and a model missing from the list', async () => {
    await endpointOn({ script: [{ text: 'pong, as text' }], models: ['something-else'] });
    const r = await service.test('ep');
    expect(r).toMatchObject({ ok: true, toolCalls: false, reply: 'pong, as text', models: { available: true, includesModel: false } });
  });

  it('says when the server refuses tools, and that plain chat still works', async () => {
    const s = await endpointOn({ script: [{ text: 'pong' }], rejectTools: true });
    const r = await service.test('ep');
    expect(r).toMatchObject({ ok: true, status: 200, toolCalls: false, toolsRejected: true, error: null });
    expect(r.toolsError).toMatch(/^HTTP 400: .*tool/);
    const chats = chatRequests(s);
    expect(chats).toHaveLength(2);
    expect(chats[0]?.body).toHaveProperty('tools');
    expect(chats[1]?.body).not.toHaveProperty('tools');
    expect(chats[1]?.body).not.toHaveProperty('tool_choice');
  });

  it('says when GET /models does not exist', async () => {
    await endpointOn({ script: [{ toolCalls: [{ name: 'ping', arguments: {} }] }], models: null });
    const r = await service.test('ep');
    expect(r.ok).toBe(true);
    expect(r.models).toMatchObject({ available: false, status: 404 });
    expect(r.models.available === false && r.models.note).toMatch(/\/models answered 404: this server does not list its models/);
  });

  it('reports a wrong key as HTTP 401 with the key scrubbed from every text', async () => {
    // A server that echoes the key it was sent, as some do in their 401 messages.
    await endpointOn({ script: [{ error: { status: 401, body: { error: { message: `Incorrect API key provided: ${KEY}.`, code: 'invalid_api_key' } } } }] });
    const r = await service.test('ep');
    expect(r).toMatchObject({ ok: false, status: 401, toolCalls: false });
    expect(r.error).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions: HTTP 401: Incorrect API key provided: \[redacted\]\./);
    expect(JSON.stringify(r)).not.toContain(KEY);
  });

  it('reports the 401 of a server that checks keys, on both routes', async () => {
    await endpointOn({ script: [], requireKey: 'the-right-key-0000' });
    const r = await service.test('ep');
    expect(r).toMatchObject({ ok: false, status: 401, models: { available: false, status: 401 } });
    expect(r.error).toContain('HTTP 401');
    expect(JSON.stringify(r)).not.toContain(KEY);
  });

  it('sends no Authorization header for an endpoint without a key, and the endpoint parameters', async () => {
    server = await startScriptedModelServer({ script: [{ text: 'pong' }] });
    service.save({ name: 'ep', baseUrl: server.url, model: 'scripted-model', params: { temperature: 0.3, reasoningEffort: 'low', maxTokens: 64 } });
    expect((await service.test('ep')).ok).toBe(true);
    const [chat] = chatRequests(server);
    expect(chat?.headers).not.toHaveProperty('authorization');
    expect(chat?.body).toMatchObject({ temperature: 0.3, reasoning_effort: 'low', max_tokens: 64 });
  });

  it('reads an environment key at test time and reports a missing one without calling', async () => {
    server = await startScriptedModelServer({ script: [{ text: 'pong' }], requireKey: KEY });
    service.save({ name: 'ep', baseUrl: server.url, model: 'scripted-model', apiKey: { source: 'env', name: 'EP_KEY' } });
    const missing = await service.test('ep');
    expect(missing).toMatchObject({ ok: false, status: null });
    expect(missing.error).toMatch(/EP_KEY.*not set/);
    expect(server.requests).toHaveLength(0);
    env.EP_KEY = KEY;
    expect(await service.test('ep')).toMatchObject({ ok: true, status: 200 });
  });

  it('names the URL when nothing listens there', async () => {
    // A port that was free a moment ago: bind, note it, close.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => resolve(p));
      });
    });
    service.save({ name: 'ep', baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm' });
    const r = await service.test('ep');
    expect(r).toMatchObject({ ok: false, status: null, models: { available: false, status: null } });
    expect(r.error).toBe(`POST http://127.0.0.1:${port}/v1/chat/completions: connection failed: ECONNREFUSED`);
  });

  it('gives up at its deadline with an error saying so', async () => {
    await endpointOn({ script: [{ delayMs: 5_000 }, { text: 'too late' }] });
    const r = await service.test('ep', { timeoutMs: 300 });
    expect(r).toMatchObject({ ok: false, status: null });
    expect(r.error).toMatch(/\/chat\/completions: no answer within 300 ms$/);
  });

  it('does not follow a redirect with the key, and says where it pointed', async () => {
    const target = await startScriptedModelServer({ script: [{ text: 'pong' }] });
    const redirector = createHttpServer((req, res) => {
      res.writeHead(307, { location: `${target.url}${req.url?.replace(/^\/v1/, '') ?? ''}` }).end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    try {
      const port = (redirector.address() as { port: number }).port;
      service.save({ name: 'ep', baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm', apiKey: { source: 'stored', value: KEY } });
      const r = await service.test('ep');
      expect(r).toMatchObject({ ok: false, status: 307 });
      expect(r.error).toContain(`redirected to ${target.url}/chat/completions`);
      expect(target.requests).toHaveLength(0);
    } finally {
      redirector.closeAllConnections();
      await new Promise((resolve) => redirector.close(resolve));
      await target.close();
    }
  });

  it('throws not_found for an unknown endpoint', async () => {
    await expect(service.test('nope')).rejects.toMatchObject({ code: 'not_found' });
  });
});
