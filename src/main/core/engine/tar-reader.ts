/**
 * Reads the single file Docker's archive endpoint returns, checking what it gets: a tar from a
 * container is untrusted input (the agent controls the container), so names that climb out
 * with `..` or are absolute are refused, headers must carry a valid checksum, and sizes are
 * bounded before anything is copied. Every error names the header's offset and, once known,
 * the entry.
 */

import { BLOCK, checksumMatches, field, MAX_META_BYTES, numeric, paxRecords, TarError } from '../tar-format';

export { TarError };

export interface TarEntry {
  name: string;
  type: string;
  size: number;
  data: Buffer;
}

/** Checks a member name the way an extractor must: relative, no `..`, no absolute root. */
export function checkEntryName(name: string): string {
  const clean = name.replace(/^\.\//, '');
  if (clean.startsWith('/') || clean.split('/').some((s) => s === '..')) {
    throw new TarError(`refusing tar entry ${JSON.stringify(name)}: it points outside the archive`);
  }
  if (clean === '' || clean.includes('\0')) throw new TarError(`refusing tar entry ${JSON.stringify(name)}: not a usable name`);
  return clean;
}

/**
 * Parses the entries of a tar buffer (ustar with pax `path`/`size` records and GNU long names).
 * `maxBytes` bounds every member; the buffer itself is bounded by the caller while it streams.
 * Throws TarError naming the offset (and entry) of the first problem.
 */
export function readTar(buffer: Buffer, maxBytes: number): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  // What pax ('x') or GNU ('L') headers say about the next entry.
  let nextPath: string | undefined;
  let nextSize: number | undefined;
  let ended = false;
  while (offset + BLOCK <= buffer.length) {
    const header = buffer.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) {
      ended = true;
      break;
    }
    const at = offset;
    const base = field(header, 0, 100);
    if (!checksumMatches(header)) throw new TarError(`corrupt tar header at offset ${at} (checksum mismatch, name ${JSON.stringify(base)})`);
    const type = field(header, 156, 1) || '0';
    const prefix = field(header, 345, 155);
    const rawName = nextPath ?? (prefix ? `${prefix}/${base}` : base);
    const headerSize = numeric(header, 124, 12);
    if (headerSize === null) throw new TarError(`bad size field in the tar header at offset ${at} (${JSON.stringify(rawName)})`);
    const size = nextSize ?? headerSize;
    const isMeta = type === 'x' || type === 'g' || type === 'L';
    // Name and size are refused before the size is trusted for an offset or a buffer.
    const name = isMeta ? rawName : checkEntryName(rawName);
    const limit = isMeta ? MAX_META_BYTES : maxBytes;
    if (size > limit) throw new TarError(`${JSON.stringify(name)} at offset ${at} is ${size} bytes, over the ${limit}-byte limit`);
    const dataStart = offset + BLOCK;
    if (size > buffer.length - dataStart) {
      throw new TarError(`truncated tar archive: ${JSON.stringify(rawName)} at offset ${at} declares ${size} bytes, ${buffer.length - dataStart} remain`);
    }
    const data = buffer.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      const records = paxRecords(data, at);
      const path = records.get('path');
      const sizeText = records.get('size');
      if (sizeText !== undefined && !/^[0-9]{1,15}$/.test(sizeText)) throw new TarError(`malformed pax header at offset ${at}: size ${JSON.stringify(sizeText)}`);
      nextPath = path ?? nextPath;
      nextSize = sizeText === undefined ? nextSize : Number(sizeText);
      continue;
    }
    if (type === 'L') {
      nextPath = field(data, 0, data.length);
      continue;
    }
    if (type === 'g') continue;
    nextPath = undefined;
    nextSize = undefined;
    entries.push({ name, type, size, data: Buffer.from(data) });
  }
  // Docker ends every archive with zero blocks; a stream that stops inside a header was cut.
  if (!ended && offset < buffer.length) throw new TarError(`truncated tar archive: ${buffer.length - offset} bytes of a header at offset ${offset}`);
  return entries;
}
