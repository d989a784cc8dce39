/**
 * Serve mode over real HTTP and WebSocket: the token, Host/Origin checks, body errors and the
 * event push, against the same handlers the window uses.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { makeTempDir } from '../helpers/temp-dir';
import { repoRoot, startTestServer, type TestServer } from '../helpers/workbench-server';

function post(t: TestServer, channel: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${t.base}/api/invoke/${channel}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${t.server.token}`, ...headers },
    body,
  });
}

describe('serve mode', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ maxBodyBytes: 4096, maxUploadBytes: 64 * 1024 });
  });
  afterAll(() => t.stop());

  it('binds loopback only and prints a URL carrying the token', () => {
    expect(t.server.url).toBe(`http://127.0.0.1:${t.server.port}/?token=${t.server.token}`);
    expect(t.server.token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers a call with the token', async () => {
    const res = await post(t, 'app.info', '{"input":{}}');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, value: { version: 'test', dataDir: t.dataDir, transport: 'serve' } });
  });

  it('refuses a call without the token with 401, and does nothing', async () => {
    const res = await fetch(`${t.base}/api/invoke/settings.update`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ input: { concurrency: 9 } }),
    });
    expect(res.status).toBe(401);
    expect(t.wb.settings.get().concurrency).toBe(2);
  });

  it('refuses a wrong token, in the header or the query', async () => {
    expect((await post(t, 'app.info', '{}', { Authorization: 'Bearer nope' })).status).toBe(401);
    expect((await fetch(`${t.base}/?token=nope`)).status).toBe(401);
  });

  it('refuses a foreign Origin (a web page calling in) with 403', async () => {
    const res = await post(t, 'settings.update', '{"input":{"concurrency":9}}', { Origin: 'http://evil.example' });
    expect(res.status).toBe(403);
    expect(t.wb.settings.get().concurrency).toBe(2);
  });

  /** A request with a Host (and Origin) of our choosing: fetch() forbids setting Host. */
  const statusWith = (headers: Record<string, string>, path = `/?token=${t.server.token}`, method = 'GET', body?: string): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      import('node:http').then(({ request }) => {
        const req = request({ host: '127.0.0.1', port: t.server.port, path, method, headers }, (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(body);
      }, reject);
    });

  it('refuses a foreign Host header (DNS rebinding) with 403', async () => {
    expect(await statusWith({ Host: `attacker.example:${t.server.port}` })).toBe(403);
    expect(await statusWith({ Host: `127.0.0.1.attacker.example:${t.server.port}` })).toBe(403);
  });

  it('accepts loopback names on any port (an SSH tunnel: ssh -L 9000:127.0.0.1:PORT), Origin still checked', async () => {
    for (const host of ['127.0.0.1:9000', 'localhost:9000', '[::1]:9000', 'localhost']) expect(await statusWith({ Host: host }), host).toBe(200);
    const invoke = (headers: Record<string, string>): Promise<number> =>
      statusWith({ ...headers, Authorization: `Bearer ${t.server.token}`, 'Content-Type': 'application/json' }, '/api/invoke/app.info', 'POST', '{"input":{}}');
    expect(await invoke({ Host: 'localhost:9000', Origin: 'http://localhost:9000' })).toBe(200);
    // Another port's page (another local app) or another site is not our origin.
    expect(await invoke({ Host: 'localhost:9000', Origin: 'http://localhost:9001' })).toBe(403);
    expect(await invoke({ Host: 'localhost:9000', Origin: 'http://evil.example' })).toBe(403);
  });

  it('answers a malformed body with 400 naming the problem', async () => {
    const res = await post(t, 'settings.update', '{"input": {');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { ok: false; error: { message: string } };
    expect(body.error.message).toMatch(/not valid JSON/);
  });

  it('answers input that breaks the schema with 400 naming the field', async () => {
    const res = await post(t, 'settings.update', '{"input":{"maxRetries":"many"}}');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { ok: false; error: { message: string } };
    expect(body.error.message).toMatch(/input\.maxRetries/);
  });

  it('answers an oversized body with 413', async () => {
    const res = await post(t, 'settings.update', JSON.stringify({ input: { pad: 'x'.repeat(10_000) } }));
    expect(res.status).toBe(413);
  });

  it('answers an unknown channel with 404', async () => {
    expect((await post(t, 'nope.nothing', '{}')).status).toBe(404);
  });

  it('does not serve files outside the UI folder', async () => {
    const res = await fetch(`${t.base}/..%2f..%2fpackage.json`, { headers: { Authorization: `Bearer ${t.server.token}` } });
    const text = await res.text();
    expect(text).not.toContain('"lancer-workbench"');
  });

  it('stores an upload inside the upload folder under a safe name, and imports it', async () => {
    const csv = readFileSync(path.join(repoRoot, 'tests/fixtures/tasks-current.csv'));
    const res = await fetch(`${t.base}/api/upload?name=${encodeURIComponent('../../evil name.csv')}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${t.server.token}` },
      body: csv,
    });
    expect(res.status).toBe(200);
    const { value } = (await res.json()) as { value: { path: string } };
    expect(path.dirname(value.path)).toBe(path.join(t.dataDir, 'uploads'));
    expect(path.basename(value.path)).toMatch(/^[0-9a-f]{12}-evil_name\.csv$/);
    const imported = await post(t, 'datasets.import', JSON.stringify({ input: { path: value.path, name: 'uploaded' } }));
    expect(await imported.json()).toMatchObject({ ok: true, value: { datasetId: 'uploaded', taskCount: 6 } });
  });

  it('refuses an upload without the token or over the limit, keeping nothing', async () => {
    const noToken = await fetch(`${t.base}/api/upload?name=a.csv`, { method: 'POST', body: 'x' });
    expect(noToken.status).toBe(401);
    const big = await fetch(`${t.base}/api/upload?name=big.csv`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${t.server.token}` },
      body: Buffer.alloc(100 * 1024),
    });
    expect(big.status).toBe(413);
    const uploads = path.join(t.dataDir, 'uploads');
    const left = existsSync(uploads) ? readdirSync(uploads).filter((f) => f.endsWith('a.csv') || f.endsWith('big.csv')) : [];
    expect(left).toEqual([]);
  });

  it('pushes events over the WebSocket to an authenticated client', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${t.server.port}/api/events?token=${t.server.token}`, {
      headers: { Origin: `http://127.0.0.1:${t.server.port}` },
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const received = new Promise<{ event: string; payload: { ok: boolean } }>((resolve) => {
      ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()) as { event: string; payload: { ok: boolean } }));
    });
    const res = await post(t, 'docker.status', '{"input":{}}');
    const { value } = (await res.json()) as { value: { ok: boolean } };
    const message = await received;
    expect(message.event).toBe('docker.status');
    expect(message.payload.ok).toBe(value.ok);
    ws.close();
  });

  it('refuses a WebSocket without the token or from a foreign Origin', async () => {
    const attempt = (url: string, origin: string): Promise<number> =>
      new Promise((resolve) => {
        const ws = new WebSocket(url, { headers: { Origin: origin } });
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('open', () => {
          ws.close();
          resolve(101);
        });
        ws.once('error', () => resolve(-1));
      });
    const own = `http://127.0.0.1:${t.server.port}`;
    expect(await attempt(`ws://127.0.0.1:${t.server.port}/api/events`, own)).toBe(401);
    expect(await attempt(`ws://127.0.0.1:${t.server.port}/api/events?token=${t.server.token}`, 'http://evil.example')).toBe(403);
  });
});

describe('npx lancer serve', () => {
  let child: ChildProcess;
  let url: string;
  const { dir, cleanup } = makeTempDir('lancer-cli-serve-');

  beforeAll(async () => {
    child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'lancer.js'), 'serve', '--json', '--data-dir', dir], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve((JSON.parse(line) as { url: string }).url);
      });
      child.on('exit', (code) => reject(new Error(`lancer serve exited with ${code}`)));
    });
  }, 120_000);
  afterAll(() => {
    child.kill('SIGTERM');
    cleanup();
  });

  it('answers 200 with its token and 401 without', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
    const withToken = await fetch(url);
    expect(withToken.status).toBe(200);
    expect(await withToken.text()).toContain('<div id="root">');
    expect(withToken.headers.get('content-security-policy')).toContain("script-src 'self'");
    const without = await fetch(url.replace(/\?token=.*/, ''));
    expect(without.status).toBe(401);
  });
});
