/**
 * The agent binary cache against the real npm registry, with the smallest real profile:
 * opencode (opencode-ai + opencode-linux-x64, 60.3 MB of tarballs; Codex CLI is 172 MB, Claude
 * Code 186 MB, Qwen Code with Node 22 85 MB). The registry is a requirement here and in CI, so
 * nothing skips.
 *
 * The cache is kept in .lancer-test/agent-cache between runs (the first run downloads, later
 * ones find it ready); damaging it and refilling it downloads once more per run.
 */
import { execFileSync } from 'node:child_process';
import { openSync, closeSync, writeSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentFetchEvent } from '../../src/shared/cli-agents';
import { AgentCache } from '../../src/main/core/agents/cli/agent-cache';
import { cliAgentProfiles, entryArgv } from '../../src/main/core/agents/cli/profiles';
import { repoRoot } from '../helpers/workbench-server';

const MINUTE = 60_000;
const dataDir = path.join(repoRoot, '.lancer-test', 'agent-cache');
const profile = cliAgentProfiles.opencode;

/** A cache whose HTTP requests are counted. */
function countingCache(): { cache: AgentCache; requests: string[] } {
  const requests: string[] = [];
  const cache = new AgentCache({
    dataDir,
    fetch: (input, init) => {
      requests.push(`${init?.method ?? 'GET'} ${String(input)}`);
      return fetch(input, init);
    },
  });
  return { cache, requests };
}

function version(program: string): string {
  return execFileSync(program, ['--version'], { encoding: 'utf8', timeout: MINUTE }).trim();
}

describe('the opencode cache from registry.npmjs.org', () => {
  it('plans from the real registry: the pinned tarballs, their integrity and sizes', async () => {
    const { cache } = countingCache();
    const plan = await cache.plan('opencode');
    expect(plan.packages.map((p) => [p.name, p.version, p.tarball, p.integrity, p.bytes])).toEqual(
      profile.packages.map((p) => [p.name, p.version, `https://registry.npmjs.org/${p.name}/-/${p.name}-${p.version}.tgz`, p.integrity, p.bytes]),
    );
    expect(plan.totalBytes).toBe(60_275_143 + 3046);
  });

  it(
    'fetches, runs the cached binary, sees damage, refills, and survives a restart without a download',
    async () => {
      const { cache } = countingCache();
      const started = Date.now();
      const events: AgentFetchEvent[] = [];
      const info = await cache.fetch('opencode', { onEvent: (e) => events.push(e) });
      const plan = events.find((e) => e.type === 'plan');
      const downloaded = plan?.type === 'plan' ? plan.plan.downloadBytes : 0;
      console.log(`opencode fetch: ${downloaded > 0 ? `downloaded ${(downloaded / 1e6).toFixed(1)} MB` : 'already cached'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      expect(info).toMatchObject({ state: 'ready', version: profile.version });
      expect(info.sizeOnDisk).toBeGreaterThan(150_000_000);

      const [program] = entryArgv(profile, cache.dirOf('opencode'));
      expect(statSync(program!).mode & 0o111).not.toBe(0);
      expect(version(program!)).toBe(profile.version);

      // Damage: one byte in the middle of the binary, the size unchanged.
      const fd = openSync(program!, 'r+');
      const at = Math.floor(statSync(program!).size / 2);
      const byte = Buffer.alloc(1);
      readSync(fd, byte, 0, 1, at);
      writeSync(fd, Buffer.from([byte[0]! ^ 0xff]), 0, 1, at);
      closeSync(fd);
      const damaged = await cache.status('opencode');
      expect(damaged.state).toBe('damaged');
      expect(damaged.problem).toMatch(/opencode-linux-x64\/bin\/opencode changed/);

      const refillStarted = Date.now();
      await expect(cache.fetch('opencode')).resolves.toMatchObject({ state: 'ready' });
      console.log(`opencode refill after damage: ${((Date.now() - refillStarted) / 1000).toFixed(1)} s`);
      expect(version(program!)).toBe(profile.version);

      // A restart: a new cache object reads the manifest, hashes the files and downloads nothing.
      const restarted = countingCache();
      expect(await restarted.cache.status('opencode')).toMatchObject({ state: 'ready' });
      await expect(restarted.cache.fetch('opencode')).resolves.toMatchObject({ state: 'ready' });
      expect((await restarted.cache.list()).find((a) => a.name === 'opencode')).toMatchObject({ state: 'ready', fetching: false });
      expect(restarted.requests).toEqual([]);
    },
    10 * MINUTE,
  );
});
