/**
 * The download cache of layer blobs, under the data dir: what makes a pull resumable.
 *
 * Docker's classic image store (overlay2, Docker ≤ 24 by default) throws away the layers a
 * cancelled `docker pull` had finished, so a second pull starts from zero; for 14 GB images that
 * is hours. The workbench therefore fetches blobs itself into `<hex>.partial` files, resumes them
 * with HTTP range requests, checks each against its digest, and hands the finished image to the
 * daemon with `docker load` (see image-pull.ts). A blob is deleted once its image is loaded.
 */
import { takeProcessLock } from '../processes';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, truncate } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ImageReference, ManifestLayer, RegistryClient } from './registry-client';
import { hashFile, sizeOf } from '../files';

/** Options of {@link BlobCache.download}. */
export interface BlobDownloadOptions {
  signal?: AbortSignal;
  /** Called as bytes arrive, with the bytes on disk so far (a resumed download starts above 0). */
  onProgress?: (current: number, total: number) => void;
  /** A download that receives nothing for this long is aborted (default 60 s). */
  stallMs?: number;
}

export class BlobCache {
  constructor(readonly dir: string) {}

  /** Where a finished blob is kept. */
  pathOf(digest: string): string {
    return path.join(this.dir, `${hexOf(digest)}.blob`);
  }

  private partialOf(digest: string): string {
    return path.join(this.dir, `${hexOf(digest)}.partial`);
  }

  /** Bytes of a blob already here, finished or partial: what a download will not fetch again. */
  async cachedBytes(digest: string): Promise<number> {
    const done = await sizeOf(this.pathOf(digest));
    return done ?? (await sizeOf(this.partialOf(digest))) ?? 0;
  }

  /**
   * Makes sure the blob of `layer` is in the cache, fetching only what is missing, and returns
   * its path. Errors name the layer; the caller adds the image.
   */
  async download(client: RegistryClient, ref: ImageReference, layer: ManifestLayer, opts: BlobDownloadOptions = {}): Promise<string> {
    const final = this.pathOf(layer.digest);
    if ((await sizeOf(final)) === layer.size) return final;
    await mkdir(this.dir, { recursive: true });
    const partial = this.partialOf(layer.digest);
    let offset = (await sizeOf(partial)) ?? 0;
    if (offset > layer.size) {
      await truncate(partial, 0);
      offset = 0;
    }
    let hash = createHash('sha256');
    if (offset > 0) await hashFile(partial, hash);

    // A stalled connection never ends on its own; a watchdog that any arriving byte resets does.
    const stallMs = opts.stallMs ?? 60_000;
    const watchdog = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const bump = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => watchdog.abort(new Error(`no data for ${Math.round(stallMs / 1000)} s`)), stallMs);
    };
    const signal = opts.signal ? AbortSignal.any([opts.signal, watchdog.signal]) : watchdog.signal;
    bump();
    try {
      // A cancel can land after the last byte was written but before the file was renamed:
      // then there is nothing to fetch (and a range from the end would be refused with 416).
      if (offset === layer.size) return await this.finish(layer, partial, final, hash.digest('hex'));
      const opened = await client.openBlob(ref, layer.digest, offset, signal);
      if (opened.offset === 0 && offset > 0) {
        // The server ignored the range: start the file and the hash over.
        await truncate(partial, 0);
        hash = createHash('sha256');
        offset = 0;
      }
      if (!opened.response.body) throw new Error('the registry sent no body');
      opts.onProgress?.(offset, layer.size);
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          bump();
          hash.update(chunk);
          offset += chunk.length;
          opts.onProgress?.(offset, layer.size);
          callback(null, chunk);
        },
      });
      await pipeline(
        Readable.fromWeb(opened.response.body as WebReadableStream<Uint8Array>),
        counter,
        createWriteStream(partial, { flags: offset > 0 ? 'a' : 'w' }),
        { signal },
      );
    } catch (error) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (watchdog.signal.aborted) throw new Error(`layer ${layer.digest}: ${(watchdog.signal.reason as Error).message}; pull again to resume`);
      const message = (error as Error).message;
      throw new Error(message.includes(layer.digest) ? message : `layer ${layer.digest}: ${message}`);
    } finally {
      clearTimeout(timer);
    }
    if (offset !== layer.size) {
      throw new Error(`layer ${layer.digest}: the registry sent ${offset} of ${layer.size} bytes; pull again to resume`);
    }
    return this.finish(layer, partial, final, hash.digest('hex'));
  }

  /** Checks a complete partial file against its digest and makes it the blob. */
  private async finish(layer: ManifestLayer, partial: string, final: string, hex: string): Promise<string> {
    const actual = `sha256:${hex}`;
    if (actual !== layer.digest) {
      // A corrupt partial file would fail every resume, so it goes.
      await rm(partial, { force: true });
      throw new Error(`layer ${layer.digest}: the download has digest ${actual}; it was discarded and the next pull fetches it again`);
    }
    await rename(partial, final);
    return final;
  }

  /**
   * Takes the cache for one pull: the window and the CLI share a data dir, and two pulls
   * appending to the same partial file would corrupt it. A lock whose process is gone is taken
   * over. Returns the release function; throws naming the process that holds it.
   */
  lock(): () => void {
    return takeProcessLock(this.dir, 'pull.lock', (pid) => `another pull (process ${pid}) is using ${this.dir}; wait for it or cancel it`);
  }

  /** Deletes a blob and any partial download of it. */
  async remove(digest: string): Promise<void> {
    await rm(this.pathOf(digest), { force: true });
    await rm(this.partialOf(digest), { force: true });
  }

  /** Bytes and files in the cache (finished and partial). */
  async usage(): Promise<{ bytes: number; files: number }> {
    let bytes = 0;
    let files = 0;
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (!name.endsWith('.blob') && !name.endsWith('.partial')) continue;
      const size = await sizeOf(path.join(this.dir, name));
      if (size === undefined) continue;
      bytes += size;
      files += 1;
    }
    return { bytes, files };
  }
}


function hexOf(digest: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m) throw new Error(`"${digest}" is not a sha256 digest`);
  return m[1]!;
}

