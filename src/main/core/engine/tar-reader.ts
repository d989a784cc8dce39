/**
 * Reads the single file Docker's archive endpoint returns, checking what it gets: a tar from a
 * container is untrusted input (the agent controls the container), so names that climb out
 * with `..` or are absolute are refused, and sizes are bounded before anything is buffered.
 */

const BLOCK = 512;

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

function octal(header: Buffer, start: number, length: number): number {
  const text = field(header, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarError(`bad size field "${text}"`);
  return parseInt(text, 8);
}

/** Checks a member name the way an extractor must: relative, no `..`, no absolute root. */
export function checkEntryName(name: string): string {
  const clean = name.replace(/^\.\//, '');
  if (clean.startsWith('/') || clean.split('/').some((s) => s === '..')) {
    throw new TarError(`refusing tar entry "${name}": it points outside the archive`);
  }
  return clean;
}

/**
 * Parses the entries of a tar buffer (ustar with pax `path` records). `maxBytes` bounds every
 * member; the buffer itself is bounded by the caller while it streams.
 */
export function readTar(buffer: Buffer, maxBytes: number): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let paxPath: string | undefined;
  while (offset + BLOCK <= buffer.length) {
    const header = buffer.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    const type = field(header, 156, 1) || '0';
    const prefix = field(header, 345, 155);
    const base = field(header, 0, 100);
    const dataStart = offset + BLOCK;
    if (dataStart + size > buffer.length) throw new TarError('truncated tar archive');
    const data = buffer.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      const match = /\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      paxPath = match?.[1];
      continue;
    }
    if (type === 'g') continue;
    const name = checkEntryName(paxPath ?? (prefix ? `${prefix}/${base}` : base));
    paxPath = undefined;
    if (size > maxBytes) throw new TarError(`"${name}" is ${size} bytes, over the ${maxBytes}-byte limit`);
    entries.push({ name, type, size, data: Buffer.from(data) });
  }
  return entries;
}
