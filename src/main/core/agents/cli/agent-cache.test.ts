import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentFetchEvent } from '../../../../shared/cli-agents';
import { makeTempDir } from '../../../../../tests/helpers/temp-dir';
import { AgentCache } from './agent-cache';
import { cliAgentProfiles, entryArgv, type CliAgentProfile } from './profiles';
import { npmTarball } from './test-tarballs';

/**
 * A small npm registry on loopback: version documents and tarballs, HEAD and Range like
 * registry.npmjs.org, with switches for the faults a download meets.
 */
class FakeRegistry {
  readonly requests: { method: string; url: string; range?: string }[] = [];
  readonly docs = new Map<string, object>();
  readonly tarballs = new Map<string, Buffer>();
  /** Cut the connection after this many body bytes of the platform tarball (once). */
  cutAfter: number | undefined;
  /** Ignore Range headers. */
  ignoreRange = false;
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    this.requests.push({ method: req.method ?? 'GET', url, range: req.headers.range });
    const doc = this.docs.get(url);
    if (doc) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
      return;
    }
    const body = this.tarballs.get(url);
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'content-length': body.length }).end();
      return;
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const from = m && !this.ignoreRange ? Number(m[1]) : 0;
    const part = body.subarray(from);
    res.writeHead(from > 0 ? 206 : 200, { 'content-length': part.length, ...(from > 0 ? { 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` } : {}) });
    if (this.cutAfter !== undefined && url.includes('fake-platform')) {
      const cut = this.cutAfter;
      this.cutAfter = undefined;
      // The cut comes a moment after the bytes, as on a real network: what arrived is read first.
      res.write(part.subarray(0, cut), () => setTimeout(() => res.destroy(), 200));
      return;
    }
    res.end(part);
  }

  /** Publishes a package version: its document and its tarball. */
  publish(name: string, version: string, tgz: Buffer, integrity: string, extra: object = {}): string {
    const tarball = `${this.url}tarballs/${name.replace('/', '-')}-${version}.tgz`;
    this.docs.set(`/${name.replace('/', '%2f')}/${version}`, { name, version, dist: { tarball, integrity }, ...extra });
    this.tarballs.set(new URL(tarball).pathname, tgz);
    return tarball;
  }

  tarballRequests(): number {
    return this.requests.filter((r) => r.method === 'GET' && r.url.startsWith('/tarballs/')).length;
  }
}

const TOOL = '#!/bin/sh\necho "fake-tool 1.0.0"\n';
const launcher = npmTarball([
  { path: 'package.json', data: '{"name":"@fake/launcher","version":"1.0.0"}' },
  { path: 'bin/launch.js', data: 'console.log("stub")\n', mode: 0o755 },
]);
const platform = npmTarball([
  { path: 'package.json', data: '{"name":"fake-platform","version":"1.0.0"}' },
  { path: 'bin/tool', data: TOOL, mode: 0o755 },
  // Incompressible, so the tarball is big enough to cut in the middle.
  { path: 'share/data.bin', data: randomBytes(200_000) },
]);

function fakeProfile(overrides: { platformIntegrity?: string } = {}): CliAgentProfile {
  return {
    name: 'opencode',
    displayName: 'Fake opencode',
    version: '1.0.0',
    packages: [
      { name: '@fake/launcher', version: '1.0.0', installAs: '@fake/launcher', role: 'launcher', integrity: launcher.integrity, bytes: launcher.tgz.length },
      {
        name: 'fake-platform',
        version: '1.0.0',
        installAs: 'fake-platform',
        role: 'platform',
        integrity: overrides.platformIntegrity ?? platform.integrity,
        bytes: platform.tgz.length,
        optionalDependencyOf: { launcher: '@fake/launcher', key: 'fake-platform' },
      },
    ],
    entry: ['node_modules/fake-platform/bin/tool'],
    pathDirs: [],
    libc: 'glibc',
    notes: [],
  };
}

let registry: FakeRegistry;
let dataDir: string;
let cleanup: () => void;

beforeEach(async () => {
  registry = new FakeRegistry();
  await registry.start();
  registry.publish('@fake/launcher', '1.0.0', launcher.tgz, launcher.integrity, { optionalDependencies: { 'fake-platform': '1.0.0' } });
  registry.publish('fake-platform', '1.0.0', platform.tgz, platform.integrity);
  ({ dir: dataDir, cleanup } = makeTempDir('lancer-agent-cache-'));
});

afterEach(async () => {
  await registry.stop();
  cleanup();
});

function cacheWith(profile = fakeProfile()): AgentCache {
  return new AgentCache({ dataDir, registry: registry.url, profiles: { opencode: profile } });
}

describe('AgentCache', () => {
  it('plans from the registry: tarball URLs, integrity, sizes from HEAD, nothing cached yet', async () => {
    const plan = await cacheWith().plan('opencode');
    expect(plan).toMatchObject({ name: 'opencode', version: '1.0.0', state: 'missing', totalBytes: launcher.tgz.length + platform.tgz.length });
    expect(plan.downloadBytes).toBe(plan.totalBytes);
    expect(plan.packages.map((p) => [p.name, p.bytes, p.cachedBytes, p.integrity])).toEqual([
      ['@fake/launcher', launcher.tgz.length, 0, launcher.integrity],
      ['fake-platform', platform.tgz.length, 0, platform.integrity],
    ]);
    expect(registry.requests.filter((r) => r.method === 'HEAD')).toHaveLength(2);
    expect(registry.tarballRequests()).toBe(0);
  });

  it('fetches into node_modules/, keeps the entry point executable, records every file, reports progress', async () => {
    const cache = cacheWith();
    const events: AgentFetchEvent[] = [];
    const info = await cache.fetch('opencode', { onEvent: (e) => events.push(e) });
    expect(info).toMatchObject({ state: 'ready', version: '1.0.0', fetching: false });
    const dir = cache.dirOf('opencode');
    expect(info.cacheDir).toBe(dir);
    const [program] = entryArgv(fakeProfile(), dir);
    expect(execFileSync(program!, ['--version'], { encoding: 'utf8' })).toBe('fake-tool 1.0.0\n');
    expect(existsSync(path.join(dir, 'node_modules/@fake/launcher/bin/launch.js'))).toBe(true);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'cache.json'), 'utf8')) as { files: { path: string; mode: number }[] };
    expect(manifest.files.map((f) => f.path).sort()).toEqual([
      'node_modules/@fake/launcher/bin/launch.js',
      'node_modules/@fake/launcher/package.json',
      'node_modules/fake-platform/bin/tool',
      'node_modules/fake-platform/package.json',
      'node_modules/fake-platform/share/data.bin',
    ]);
    expect(manifest.files.find((f) => f.path.endsWith('bin/tool'))!.mode).toBe(0o755);

    expect(events[0]).toMatchObject({ type: 'plan', plan: { downloadBytes: launcher.tgz.length + platform.tgz.length } });
    expect(events.at(-1)).toMatchObject({ type: 'finished', ok: true });
    const lastOf = (pkg: string): AgentFetchEvent | undefined => events.filter((e) => e.type === 'progress' && e.package === pkg).at(-1);
    expect(lastOf('fake-platform@1.0.0')).toMatchObject({ bytesDone: platform.tgz.length, bytesTotal: platform.tgz.length, totalDone: launcher.tgz.length + platform.tgz.length });
    // The downloaded tarballs go once the cache is in place; no temporary folder is left.
    expect(readdirSync(path.join(cache.root, '.downloads'))).toEqual([]);
    expect(readdirSync(path.join(cache.root, 'opencode'))).toEqual(['1.0.0']);
  });

  it('refuses a tarball that does not match its integrity and leaves the cache missing', async () => {
    const other = npmTarball([{ path: 'bin/tool', data: 'echo swapped', mode: 0o755 }]);
    // The registry serves other bytes under the same URL (a tampering mirror, a corrupt CDN).
    registry.tarballs.set('/tarballs/fake-platform-1.0.0.tgz', Buffer.concat([other.tgz, Buffer.alloc(platform.tgz.length - other.tgz.length)]));
    const cache = cacheWith();
    await expect(cache.fetch('opencode')).rejects.toThrow(/fake-platform@1.0.0: the tarball has integrity sha512-.*not sha512-/);
    expect(await cache.status('opencode')).toEqual({ state: 'missing', sizeOnDisk: null });
    // The bad download is discarded, so the next fetch does not resume from it.
    expect(readdirSync(path.join(cache.root, '.downloads')).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('refuses registry metadata that disagrees with the pinned integrity, or a launcher naming another platform package', async () => {
    const pinnedElsewhere = fakeProfile({ platformIntegrity: 'sha512-' + Buffer.alloc(64, 1).toString('base64') });
    await expect(cacheWith(pinnedElsewhere).plan('opencode')).rejects.toThrow(/the registry says integrity .* the pinned profile .*refusing/);
    registry.publish('@fake/launcher', '1.0.0', launcher.tgz, launcher.integrity, { optionalDependencies: { 'fake-platform': '2.0.0' } });
    await expect(cacheWith().plan('opencode')).rejects.toThrow(/names "2.0.0" for fake-platform, not fake-platform@1.0.0/);
    expect(registry.tarballRequests()).toBe(0);
  });

  it('a fetch cut off mid-download leaves missing, not ready; the next one resumes with a range request', async () => {
    const cache = cacheWith();
    registry.cutAfter = 20_000;
    await expect(cache.fetch('opencode')).rejects.toThrow(/fetch again to resume/);
    expect((await cache.status('opencode')).state).toBe('missing');
    expect(existsSync(cache.dirOf('opencode'))).toBe(false);
    const plan = await cache.plan('opencode');
    const kept = plan.packages.find((p) => p.name === 'fake-platform')!.cachedBytes;
    expect(kept).toBeGreaterThan(0);
    expect(plan.downloadBytes).toBe(plan.totalBytes - kept);

    await expect(cache.fetch('opencode')).resolves.toMatchObject({ state: 'ready' });
    expect(registry.requests.filter((r) => r.url === '/tarballs/fake-platform-1.0.0.tgz' && r.method === 'GET').map((r) => r.range)).toEqual([undefined, `bytes=${kept}-`]);
  });

  it('starts over when the server ignores the range', async () => {
    const cache = cacheWith();
    registry.cutAfter = 20_000;
    await expect(cache.fetch('opencode')).rejects.toThrow();
    registry.ignoreRange = true;
    await expect(cache.fetch('opencode')).resolves.toMatchObject({ state: 'ready' });
  });

  it('a fetch that stops while unpacking, or a process that died with a temporary folder, leaves missing; the next fetch cleans up', async () => {
    const cache = cacheWith();
    const abort = new AbortController();
    const fetching = cache.fetch('opencode', { signal: abort.signal, onEvent: (e) => e.type === 'unpacking' && e.package.startsWith('fake-platform') && abort.abort(new Error('stopped')) });
    await expect(fetching).rejects.toThrow('stopped');
    expect((await cache.status('opencode')).state).toBe('missing');
    expect(readdirSync(path.join(cache.root, 'opencode')).filter((f) => f !== 'fetch.lock')).toEqual([]);

    // What `kill -9` in the middle of unpacking leaves: a whole-looking folder under a temporary name.
    const leftover = path.join(cache.root, 'opencode', '.partial-1.0.0-999999-abcd');
    mkdirSync(path.join(leftover, 'node_modules'), { recursive: true });
    writeFileSync(path.join(leftover, 'cache.json'), '{}');
    expect((await cache.status('opencode')).state).toBe('missing');
    // The checked tarballs of the stopped fetch are used again: no second download.
    const before = registry.tarballRequests();
    await expect(cache.fetch('opencode')).resolves.toMatchObject({ state: 'ready' });
    expect(registry.tarballRequests()).toBe(before);
    expect(existsSync(leftover)).toBe(false);
  });

  it('sees damage (a changed, missing, unexpected or no longer executable file, a broken manifest) and a fetch refills the cache', async () => {
    const cache = cacheWith();
    await cache.fetch('opencode');
    const dir = cache.dirOf('opencode');
    const tool = path.join(dir, 'node_modules/fake-platform/bin/tool');
    const data = path.join(dir, 'node_modules/fake-platform/share/data.bin');
    expect(await cache.status('opencode')).toMatchObject({ state: 'ready' });

    const damages: [string, () => void, RegExp][] = [
      ['same size, other bytes', () => writeFileSync(data, Buffer.alloc(200_000, 1)), /share\/data.bin changed/],
      ['deleted', () => rmSync(tool), /bin\/tool is missing/],
      ['not executable', () => chmodSync(tool, 0o644), /bin\/tool has mode 644, not 755/],
      ['a file added', () => writeFileSync(path.join(dir, 'node_modules/fake-platform/bin/extra'), 'planted'), /bin\/extra is not part of the cache/],
      ['manifest broken', () => writeFileSync(path.join(dir, 'cache.json'), '{"format":'), /cache.json is unreadable/],
    ];
    for (const [what, damage, problem] of damages) {
      damage();
      const status = await cache.status('opencode');
      expect(status.state, what).toBe('damaged');
      expect(status.problem, what).toMatch(problem);
      expect((await cache.info('opencode')).state, what).toBe('damaged');
      const before = registry.tarballRequests();
      await expect(cache.fetch('opencode'), what).resolves.toMatchObject({ state: 'ready' });
      expect(registry.tarballRequests(), what).toBe(before + 2);
      expect(execFileSync(tool, { encoding: 'utf8' }), what).toBe('fake-tool 1.0.0\n');
      expect(readdirSync(path.join(cache.root, 'opencode')).sort(), what).toEqual(['1.0.0']);
    }
  });

  it('a new cache object (a restart) finds the cache ready without a request; fetch on a ready cache downloads nothing', async () => {
    await cacheWith().fetch('opencode');
    const count = registry.requests.length;
    const restarted = cacheWith();
    expect(await restarted.status('opencode')).toMatchObject({ state: 'ready' });
    const events: AgentFetchEvent[] = [];
    await expect(restarted.fetch('opencode', { onEvent: (e) => events.push(e) })).resolves.toMatchObject({ state: 'ready' });
    expect(events.map((e) => e.type)).toEqual(['plan', 'finished']);
    expect(events[0]).toMatchObject({ plan: { downloadBytes: 0, state: 'ready' } });
    expect(registry.requests.length).toBe(count);
  });

  it('runs one fetch per agent: a second start joins the first', async () => {
    const cache = cacheWith();
    const first = cache.start('opencode');
    const joined: AgentFetchEvent[] = [];
    const second = cache.start('opencode', { onEvent: (e) => joined.push(e) });
    expect(second.fetchId).toBe(first.fetchId);
    expect(cache.isFetching('opencode')).toBe(true);
    await Promise.all([first.done, second.done]);
    expect(joined.at(-1)).toMatchObject({ type: 'finished', ok: true, fetchId: first.fetchId });
    expect(cache.isFetching('opencode')).toBe(false);
    expect(registry.tarballRequests()).toBe(2);
  });

  it('refuses an unknown agent and a lock held by a live process', async () => {
    const cache = cacheWith();
    expect(() => cache.start('aider')).toThrow(/unknown CLI agent "aider" \(known: opencode\)/);
    mkdirSync(path.join(cache.root, 'opencode'), { recursive: true });
    // PID 1 is alive in every container and host.
    writeFileSync(path.join(cache.root, 'opencode', 'fetch.lock'), '1');
    await expect(cache.fetch('opencode')).rejects.toThrow(/another fetch \(process 1\)/);
    writeFileSync(path.join(cache.root, 'opencode', 'fetch.lock'), '999999999');
    await expect(cache.fetch('opencode')).resolves.toMatchObject({ state: 'ready' });
  });
});

describe('the real profiles', () => {
  it('pin every package with an sha512 integrity and a size, and their entry points lie inside a fetched package', () => {
    for (const profile of Object.values(cliAgentProfiles)) {
      for (const pkg of profile.packages) {
        expect(pkg.integrity, `${profile.name} ${pkg.name}`).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
        expect(pkg.bytes, `${profile.name} ${pkg.name}`).toBeGreaterThan(0);
        if (pkg.optionalDependencyOf) expect(profile.packages.some((p) => p.role === 'launcher' && p.name === pkg.optionalDependencyOf!.launcher)).toBe(true);
      }
      for (const rel of [...profile.entry, ...profile.pathDirs]) {
        expect(profile.packages.some((p) => rel.startsWith(`node_modules/${p.installAs}/`)), `${profile.name}: ${rel}`).toBe(true);
      }
      expect(entryArgv(profile, '/opt/lancer-agents/x/1')[0]).toMatch(/^\/opt\/lancer-agents\/x\/1\/node_modules\//);
    }
  });
});
