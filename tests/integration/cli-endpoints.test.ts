/**
 * `lancer endpoints` end to end: the real CLI process against a temp data dir and a scripted
 * model server over real HTTP. The key goes in once on stdin and must never come out again:
 * not on stdout or stderr, not in the database file.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { makeTempDir } from '../helpers/temp-dir';
import { sampleCsv, sampleIssues } from '../helpers/sample-images';
import { startScriptedModelServer, type ScriptedModelServer } from '../helpers/scripted-model-server';
import { repoRoot } from '../helpers/workbench-server';

const KEY = 'sk-cli-SECRET-abcdefghijklmnop-0123456789';
const { dir, cleanup } = makeTempDir('lancer-cli-endpoints-');
const lancerJs = path.join(repoRoot, 'bin', 'lancer.js');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Everything the CLI printed in this file, checked for the key at the end. */
const printed: string[] = [];

/**
 * Runs the CLI without blocking this process's event loop: the scripted server lives here and
 * must answer while the CLI waits on it.
 */
function lancer(args: string[], stdin?: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [lancerJs, ...args, '--data-dir', dir], { cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      printed.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

// Each CLI start loads TypeScript through tsx (seconds on a busy machine); tests run several.
describe('lancer endpoints', { timeout: 120_000 }, () => {
  let server: ScriptedModelServer;

  beforeAll(async () => {
    server = await startScriptedModelServer({
      script: [{ toolCalls: [{ name: 'ping', arguments: { reply: 'pong' } }] }],
      models: ['scripted-model'],
      requireKey: KEY,
    });
  });
  afterAll(async () => {
    await server.close();
    cleanup();
  });

  it('adds an endpoint with the key from stdin and lists it masked', async () => {
    const added = await lancer(
      ['endpoints', 'add', 'scripted', '--base-url', server.url, '--model', 'scripted-model', '--api-key-stdin', '--protocol', 'tools', '--price-input', '2.5', '--price-cached', '0.5', '--price-output', '10', '--context', '32768'],
      `  ${KEY}\n`,
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('added scripted');

    const list = await lancer(['endpoints', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const endpoints = JSON.parse(list.stdout) as unknown[];
    expect(endpoints).toEqual([
      expect.objectContaining({
        name: 'scripted',
        baseUrl: server.url,
        model: 'scripted-model',
        protocol: 'tools',
        prices: { inputPerM: 2.5, cachedInputPerM: 0.5, outputPerM: 10 },
        contextTokens: 32768,
        apiKey: { source: 'stored', masked: 'sk-…6789' },
      }),
    ]);
    const human = await lancer(['endpoints', 'list']);
    expect(human.stdout).toMatch(/^scripted\s+tools\s+scripted-model\s+http:\/\/127\.0\.0\.1:\d+\/v1\s+2\.5\/0\.5\/10\s+32768\s+stored sk-…6789$/m);
  });

  it.runIf(process.platform !== 'win32')('keeps the key only in the 0600 secret file, nowhere in the database', () => {
    const secrets = path.join(dir, 'secrets');
    expect(statSync(secrets).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(secrets, 'endpoint.scripted')).mode & 0o777).toBe(0o600);
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (name === 'secrets' || !statSync(file).isFile()) continue;
      expect(readFileSync(file).includes(KEY), file).toBe(false);
    }
    expect(readdirSync(dir)).toContain('lancer.db');
  });

  it('tests the endpoint against the server with the stored key', async () => {
    const r = await lancer(['endpoints', 'test', 'scripted', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      name: 'scripted',
      ok: true,
      status: 200,
      toolCalls: true,
      toolsRejected: false,
      models: { available: true, ids: ['scripted-model'], includesModel: true },
    });
    const chat = server.requests.find((q) => q.path.endsWith('/chat/completions'));
    expect(chat?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('reports a failed test with exit code 1', async () => {
    // The script is spent: the server answers 500, which the test must report, not hide.
    const r = await lancer(['endpoints', 'test', 'scripted']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/scripted: FAILED \(HTTP 500\)/);
    expect(r.stderr).toContain('endpoint scripted: the test failed');
  });

  it('refuses bad flags with exit code 2, naming the flag', async () => {
    const url = await lancer(['endpoints', 'add', 'bad', '--base-url', 'ftp://example.com', '--model', 'm']);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('endpoints.save: --base-url (input.baseUrl): must start with http:// or https://');
    const price = await lancer(['endpoints', 'add', 'bad', '--base-url', 'http://x/v1', '--model', 'm', '--price-output', 'cheap']);
    expect(price.code).toBe(2);
    expect(price.stderr).toContain('--price-output must be a number');
    const both = await lancer(['endpoints', 'add', 'bad', '--base-url', 'http://x/v1', '--model', 'm', '--api-key-env', 'K', '--api-key-stdin'], 'k');
    expect(both.code).toBe(2);
    const list = await lancer(['endpoints', 'list', '--json']);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((e) => e.name)).toEqual(['scripted']);
  });

  it('refuses a run on an endpoint whose server does not answer, before any run is made', async () => {
    expect((await lancer(['import', sampleCsv, '--issues', sampleIssues, '--name', 'sample'])).code).toBe(0);
    // Where a server answered a moment ago: nothing listens there now.
    const gone = await startScriptedModelServer({ script: [] });
    await gone.close();
    const down = gone.url;
    expect((await lancer(['endpoints', 'add', 'down', '--base-url', down, '--model', 'm'])).code).toBe(0);

    const run = await lancer(['run', '--dataset', 'sample', '--tasks', '9101-manager-0', '--agent', 'builtin', '--endpoint', 'down']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`endpoint down does not answer (GET ${down}/models: connection failed: ECONNREFUSED)`);
    const bare = await lancer(['run', '--dataset', 'sample', '--tasks', '9101-manager-0', '--agent', 'builtin', '--base-url', down, '--model', 'm']);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain('the model server does not answer');
    // Nothing was queued: no run full of attempts that never reached a model.
    const db = new Database(path.join(dir, 'lancer.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM runs').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    expect((await lancer(['endpoints', 'remove', 'down'])).code).toBe(0);
  });

  it('removes the endpoint and its key', async () => {
    const removed = await lancer(['endpoints', 'remove', 'scripted']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('removed scripted');
    expect(readdirSync(path.join(dir, 'secrets'))).toEqual([]);
    expect(JSON.parse((await lancer(['endpoints', 'list', '--json'])).stdout)).toEqual([]);
    const again = await lancer(['endpoints', 'remove', 'scripted']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('no endpoint named "scripted"');
  });

  it('never printed the key', () => {
    expect(printed.length).toBeGreaterThan(10);
    for (const text of printed) expect(text).not.toContain(KEY);
  });
});
