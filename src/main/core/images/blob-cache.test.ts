import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../tests/helpers/temp-dir';
import { BlobCache } from './blob-cache';
import { parseReference, RegistryClient } from './registry-client';

/**
 * The download cache against a plain HTTP registry (the v2 blob path, real sockets): resume from
 * a partial file with a range request, a server that ignores ranges, a corrupt partial file, a
 * cancel in the middle.
 */
describe('BlobCache', () => {
  const blob = randomBytes(3_000_000);
  const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
  const layer = { digest, size: blob.length };
  const ranges: Array<string | undefined> = [];
  let honourRanges = true;
  let server: Server;
  let host: string;
  const tmp = makeTempDir('lancer-blobs-');
  let cache: BlobCache;
  let n = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url !== `/v2/swelancer/swelancer_x86_1/blobs/${digest}`) {
        res.statusCode = 404;
        res.end();
        return;
      }
      ranges.push(req.headers.range);
      const from = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1];
      if (honourRanges && from !== undefined) {
        res.statusCode = 206;
        res.setHeader('Content-Range', `bytes ${from}-${blob.length - 1}/${blob.length}`);
        res.end(blob.subarray(Number(from)));
      } else {
        res.end(blob);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    tmp.cleanup();
  });
  beforeEach(() => {
    ranges.length = 0;
    honourRanges = true;
    cache = new BlobCache(path.join(tmp.dir, `cache-${n++}`));
  });

  const ref = (): ReturnType<typeof parseReference> => parseReference(`${host}/swelancer/swelancer_x86_1:releasev1`);
  const partialPath = (): string => path.join(cache.dir, `${digest.slice(7)}.partial`);

  it('fetches a blob, checks its digest and keeps it; a second download fetches nothing', async () => {
    const file = await cache.download(new RegistryClient(), ref(), layer);
    expect(readFileSync(file).equals(blob)).toBe(true);
    expect(await cache.cachedBytes(digest)).toBe(blob.length);
    await cache.download(new RegistryClient(), ref(), layer);
    expect(ranges).toEqual([undefined]);
    await cache.remove(digest);
    expect(await cache.cachedBytes(digest)).toBe(0);
  });

  it('resumes a partial download with a range request from where it stopped', async () => {
    await cache.download(new RegistryClient(), ref(), layer).then(() => cache.remove(digest));
    ranges.length = 0;
    writeFileSync(partialPath(), blob.subarray(0, 1_234_567));
    expect(await cache.cachedBytes(digest)).toBe(1_234_567);
    const seen: number[] = [];
    const file = await cache.download(new RegistryClient(), ref(), layer, { onProgress: (current) => seen.push(current) });
    expect(ranges).toEqual(['bytes=1234567-']);
    expect(seen[0]).toBe(1_234_567);
    expect(seen.at(-1)).toBe(blob.length);
    expect(readFileSync(file).equals(blob)).toBe(true);
    expect(existsSync(partialPath())).toBe(false);
  });

  it('finishes a partial file that already has every byte without asking the server', async () => {
    mkdirSync(cache.dir, { recursive: true });
    writeFileSync(partialPath(), blob);
    const file = await cache.download(new RegistryClient(), ref(), layer);
    expect(ranges).toEqual([]);
    expect(readFileSync(file).equals(blob)).toBe(true);
  });

  it('starts over when the server ignores the range', async () => {
    honourRanges = false;
    const client = new RegistryClient();
    await cache.download(client, ref(), layer).then(() => cache.remove(digest));
    writeFileSync(partialPath(), blob.subarray(0, 1000));
    const file = await cache.download(client, ref(), layer);
    expect(ranges.at(-1)).toBe('bytes=1000-');
    expect(readFileSync(file).equals(blob)).toBe(true);
  });

  it('discards a partial file whose bytes are wrong, naming the layer, and the next download is right', async () => {
    const client = new RegistryClient();
    await cache.download(client, ref(), layer).then(() => cache.remove(digest));
    writeFileSync(partialPath(), Buffer.alloc(1000, 0x55));
    await expect(cache.download(client, ref(), layer)).rejects.toThrow(`layer ${digest}: the download has digest sha256:`);
    expect(existsSync(partialPath())).toBe(false);
    expect(readFileSync(await cache.download(client, ref(), layer)).equals(blob)).toBe(true);
  });

  it('lets one pull at a time use the cache, and takes over a lock whose process is gone', () => {
    const release = cache.lock();
    expect(() => cache.lock()).toThrow(`another pull (process ${process.pid}) is using ${cache.dir}`);
    release();
    cache.lock()();
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(path.join(cache.dir, 'pull.lock'), String(gone));
    const again = cache.lock();
    expect(readFileSync(path.join(cache.dir, 'pull.lock'), 'utf8')).toBe(String(process.pid));
    again();
  });

  it('stops on cancel with the reason, keeping a correct prefix to resume from', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled by the test');
    await expect(
      cache.download(new RegistryClient(), ref(), layer, {
        signal: controller.signal,
        onProgress: (current) => {
          if (current >= 1_000_000) controller.abort(reason);
        },
      }),
    ).rejects.toBe(reason);
    const kept = existsSync(partialPath()) ? readFileSync(partialPath()) : Buffer.alloc(0);
    expect(kept.length).toBeLessThan(blob.length);
    expect(kept.equals(blob.subarray(0, kept.length))).toBe(true);
    expect(readdirSync(cache.dir).filter((f) => f.endsWith('.blob'))).toEqual([]);
    // And the next download finishes from there.
    expect(readFileSync(await cache.download(new RegistryClient(), ref(), layer)).equals(blob)).toBe(true);
  });
});
