/**
 * A small streaming tar extractor for npm package tarballs, and the Subresource Integrity check
 * their downloads pass first.
 *
 * npm tarballs hold hundreds of megabytes (a 400 MB native binary), so entries stream to disk
 * instead of being buffered as the engine's tar reader does. A tarball is untrusted input:
 * absolute names and `..` are refused, links and devices are refused (npm never packs them, and
 * a link is how an archive writes outside its folder), headers must carry a valid checksum, and
 * the unpacked bytes are bounded. Modes are kept as npm keeps them: an executable stays 0755,
 * anything else is 0644.
 */
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { BLOCK, checksumMatches, field, MAX_META_BYTES, numeric, paxRecords, TarError } from '../../tar-format';

export { TarError };

/** A file written by {@link untar}: its path relative to the destination, with `/` separators. */
export interface UntarFile {
  path: string;
  size: number;
  mode: number;
  sha256: string;
}

export interface UntarOptions {
  /** Leading path components to drop, as npm drops `package/` (default 1). */
  stripComponents?: number;
  /** Refuse an archive whose files add up to more than this (default 4 GiB). */
  maxBytes?: number;
}

/** Pulls exact byte counts out of a stream of chunks of any size. */
class ChunkReader {
  private readonly pieces: Buffer[] = [];
  private length = 0;
  private ended = false;
  /** Bytes handed out so far: the offset of the next byte, for error messages. */
  offset = 0;

  constructor(private readonly source: AsyncIterator<unknown>) {}

  private async fill(n: number): Promise<void> {
    while (this.length < n && !this.ended) {
      const next = await this.source.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as Uint8Array);
      if (chunk.length === 0) continue;
      this.pieces.push(chunk);
      this.length += chunk.length;
    }
  }

  private shift(n: number): Buffer {
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const head = this.pieces[0]!;
      if (head.length <= need) {
        parts.push(head);
        this.pieces.shift();
        need -= head.length;
      } else {
        parts.push(head.subarray(0, need));
        this.pieces[0] = head.subarray(need);
        need = 0;
      }
    }
    this.length -= n;
    this.offset += n;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Exactly `n` bytes, fewer only at the end of the stream. */
  async take(n: number): Promise<Buffer> {
    await this.fill(n);
    return this.shift(Math.min(n, this.length));
  }

  /** `n` bytes as they arrive; throws when the stream ends first. */
  async *stream(n: number, what: string): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.length === 0) await this.fill(1);
      if (this.length === 0) throw new TarError(`truncated tar archive: ${what} ends ${left} bytes early`);
      const piece = this.shift(Math.min(left, this.pieces[0]!.length));
      left -= piece.length;
      yield piece;
    }
  }

  async skip(n: number, what: string): Promise<void> {
    for await (const piece of this.stream(n, what)) void piece;
  }
}

/**
 * Checks a member name as an extractor must and returns its path segments: relative, no `..`,
 * no NUL. Throws TarError naming the entry.
 */
export function entrySegments(name: string): string[] {
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.includes('\\')) {
    throw new TarError(`refusing tar entry ${JSON.stringify(name)}: an absolute path`);
  }
  if (name.includes('\0')) throw new TarError(`refusing tar entry ${JSON.stringify(name)}: not a usable name`);
  const segments = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw new TarError(`refusing tar entry ${JSON.stringify(name)}: it points outside the archive`);
  return segments;
}

const typeNames: Record<string, string> = { '1': 'a hard link', '2': 'a symbolic link', '3': 'a character device', '4': 'a block device', '6': 'a FIFO' };

/**
 * Unpacks an uncompressed tar stream into `dest` (which must exist) and returns the files
 * written, each with its size, mode and sha256. A later entry of the same path replaces an
 * earlier one, as tar does.
 */
export async function untar(source: AsyncIterable<unknown>, dest: string, opts: UntarOptions = {}): Promise<UntarFile[]> {
  const strip = opts.stripComponents ?? 1;
  const maxBytes = opts.maxBytes ?? 4 * 1024 ** 3;
  const root = path.resolve(dest);
  const reader = new ChunkReader(source[Symbol.asyncIterator]());
  const files = new Map<string, UntarFile>();
  let total = 0;
  let nextPath: string | undefined;
  let nextSize: number | undefined;
  for (;;) {
    const at = reader.offset;
    const header = await reader.take(BLOCK);
    // The end: two zero blocks, or (some writers) the stream ending at a block boundary.
    if (header.length === 0 || header.every((b) => b === 0)) break;
    if (header.length < BLOCK) throw new TarError(`truncated tar archive: ${header.length} bytes of a header at offset ${at}`);
    const base = field(header, 0, 100);
    if (!checksumMatches(header)) throw new TarError(`corrupt tar header at offset ${at} (checksum mismatch, name ${JSON.stringify(base)})`);
    const type = field(header, 156, 1) || '0';
    const prefix = field(header, 345, 155);
    const rawName = nextPath ?? (prefix ? `${prefix}/${base}` : base);
    const headerSize = numeric(header, 124, 12);
    if (headerSize === null) throw new TarError(`bad size field in the tar header at offset ${at} (${JSON.stringify(rawName)})`);
    const size = nextSize ?? headerSize;
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    const what = `${JSON.stringify(rawName)} at offset ${at}`;

    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      if (size > MAX_META_BYTES) throw new TarError(`${what}: a ${size}-byte metadata record, over the ${MAX_META_BYTES}-byte limit`);
      const data = await reader.take(padded);
      if (data.length < padded) throw new TarError(`truncated tar archive: ${what} ends early`);
      const body = data.subarray(0, size);
      if (type === 'x') {
        const records = paxRecords(body, at);
        const sizeText = records.get('size');
        if (sizeText !== undefined && !/^[0-9]{1,15}$/.test(sizeText)) throw new TarError(`malformed pax header at offset ${at}: size ${JSON.stringify(sizeText)}`);
        nextPath = records.get('path') ?? nextPath;
        nextSize = sizeText === undefined ? nextSize : Number(sizeText);
      } else if (type === 'L') {
        nextPath = field(body, 0, body.length);
      }
      continue;
    }
    nextPath = undefined;
    nextSize = undefined;

    const segments = entrySegments(rawName).slice(strip);
    if (typeNames[type]) throw new TarError(`refusing tar entry ${what}: ${typeNames[type]} (npm packages hold files and folders only)`);
    if (type !== '0' && type !== '7' && type !== '5') throw new TarError(`refusing tar entry ${what}: unknown type ${JSON.stringify(type)}`);
    const rel = segments.join('/');
    const target = path.join(root, ...segments);
    // Belt and braces: the joined path must still be inside the destination.
    if (rel !== '' && !target.startsWith(root + path.sep)) throw new TarError(`refusing tar entry ${what}: it points outside the archive`);

    if (type === '5' || rel === '') {
      if (rel !== '') await mkdir(target, { recursive: true, mode: 0o755 });
      await reader.skip(padded, what);
      continue;
    }
    total += size;
    if (total > maxBytes) throw new TarError(`the archive unpacks to more than ${maxBytes} bytes (at ${what})`);
    await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    const mode = (numeric(header, 100, 8) ?? 0) & 0o111 ? 0o755 : 0o644;
    const hash = createHash('sha256');
    const counted = async function* (pieces: AsyncGenerator<Buffer>, h: Hash): AsyncGenerator<Buffer> {
      for await (const piece of pieces) {
        h.update(piece);
        yield piece;
      }
    };
    await pipeline(Readable.from(counted(reader.stream(size, what), hash)), createWriteStream(target, { mode }));
    await chmod(target, mode);
    await reader.skip(padded - size, what);
    files.set(rel, { path: rel, size, mode, sha256: hash.digest('hex') });
  }
  return [...files.values()];
}

const sriAlgorithms = ['sha512', 'sha384', 'sha256', 'sha1'] as const;

/** The strongest hash of a Subresource Integrity string (`sha512-<base64>`, maybe several). */
export function parseIntegrity(sri: string): { algorithm: (typeof sriAlgorithms)[number]; digest: string } {
  const found = new Map<string, string>();
  for (const token of sri.trim().split(/\s+/)) {
    const m = /^(sha512|sha384|sha256|sha1)-([A-Za-z0-9+/]+={0,2})(\?.*)?$/.exec(token);
    if (m) found.set(m[1]!, m[2]!);
  }
  for (const algorithm of sriAlgorithms) {
    const digest = found.get(algorithm);
    if (digest) return { algorithm, digest };
  }
  throw new Error(`"${sri}" is not a usable integrity string (sha512-…)`);
}
