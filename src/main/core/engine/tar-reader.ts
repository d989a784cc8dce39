/**
 * Reads the single file Docker's archive endpoint returns, checking what it gets: a tar from a
 * container is untrusted input (the agent controls the container), so names that climb out
 * with `..` or are absolute are refused, headers must carry a valid checksum, and sizes are
 * bounded before anything is copied. Every error names the header's offset and, once known,
 * the entry.
 */

const BLOCK = 512;
/** pax and GNU long-name records hold a path or two, never a file: more than this is hostile. */
const MAX_META_BYTES = 64 * 1024;

/** A malformed, truncated or refused tar archive. */
export class TarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarError';
  }
}

export interface TarEntry {
  name: string;
  type: string;
  size: number;
  data: Buffer;
}

function field(header: Buffer, start: number, length: number): string {
  const raw = header.subarray(start, start + length);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? raw.length : nul).toString('utf8');
}

/**
 * A numeric header field: octal text, or GNU base-256 (high bit of the first byte set), which
 * tar writers use for sizes over 8 GiB. Returns null when the field is neither.
 */
function numeric(header: Buffer, start: number, length: number): number | null {
  const first = header[start] ?? 0;
  if (first & 0x80) {
    // Negative (0xff) never is a size; past 2^53 the value is not exact, but it is refused anyway.
    if (first === 0xff) return null;
    let value = first & 0x7f;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + (header[i] ?? 0);
    return value;
  }
  const text = field(header, start, length).trim();
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : null;
}

/** Whether the header's checksum matches; old tars summed signed bytes, so both sums count. */
function checksumMatches(header: Buffer): boolean {
  const stored = numeric(header, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
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
 * The records of a pax extended header ("<len> <key>=<value>\n", where <len> counts the whole
 * record), parsed by their lengths so a value holding a newline cannot forge another record.
 */
function paxRecords(data: Buffer, at: number): Map<string, string> {
  const records = new Map<string, string>();
  let i = 0;
  while (i < data.length) {
    // A NUL where a record would start is padding some writers leave; nothing follows it.
    if (data[i] === 0) break;
    const space = data.indexOf(0x20, i);
    const lengthText = space < 0 ? '' : data.toString('latin1', i, space);
    const length = /^[1-9][0-9]{0,6}$/.test(lengthText) ? Number(lengthText) : NaN;
    const end = i + length;
    if (!(end <= data.length && end > space + 1 && data[end - 1] === 0x0a)) {
      throw new TarError(`malformed pax header at offset ${at}: bad record at byte ${i}`);
    }
    const record = data.toString('utf8', space + 1, end - 1);
    const eq = record.indexOf('=');
    if (eq <= 0) throw new TarError(`malformed pax header at offset ${at}: record at byte ${i} has no key`);
    records.set(record.slice(0, eq), record.slice(eq + 1));
    i = end;
  }
  return records;
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
