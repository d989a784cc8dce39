/**
 * Hand-made tar archives for the agent cache's tests: raw headers, so an archive can hold what
 * a well-behaved writer refuses to write (absolute names, `..`, links, bad checksums).
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

const BLOCK = 512;

export interface RawEntry {
  name: string;
  data?: Buffer | string;
  /** Permission bits (default 0o644). */
  mode?: number;
  /** The type flag (default '0', a file). */
  type?: string;
  linkName?: string;
  /** Written in the ustar prefix field. */
  prefix?: string;
}

function octal(value: number, length: number): string {
  return value.toString(8).padStart(length - 1, '0') + '\0';
}

/** One 512-byte header with a correct checksum. */
export function tarHeader(entry: RawEntry, size: number): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  h.write(entry.name, 0, 100, 'utf8');
  h.write(octal(entry.mode ?? 0o644, 8), 100, 8, 'ascii');
  h.write(octal(0, 8), 108, 8, 'ascii');
  h.write(octal(0, 8), 116, 8, 'ascii');
  h.write(octal(size, 12), 124, 12, 'ascii');
  h.write(octal(499162500, 12), 136, 12, 'ascii');
  h.write(' '.repeat(8), 148, 8, 'ascii');
  h.write(entry.type ?? '0', 156, 1, 'ascii');
  if (entry.linkName) h.write(entry.linkName, 157, 100, 'utf8');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  if (entry.prefix) h.write(entry.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

/** An uncompressed tar of the entries, with the two zero blocks at the end. */
export function rawTar(entries: RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = Buffer.from(entry.data ?? '');
    parts.push(tarHeader(entry, data.length), data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** An npm-style tarball (`package/…`, gzipped) and its Subresource Integrity. */
export function npmTarball(files: { path: string; data: string | Buffer; mode?: number }[]): { tgz: Buffer; integrity: string } {
  const tgz = gzipSync(rawTar(files.map((f) => ({ name: `package/${f.path}`, data: f.data, mode: f.mode }))));
  return { tgz, integrity: `sha512-${createHash('sha512').update(tgz).digest('base64')}` };
}
