/**
 * The tar format's pieces both of our tar readers need: the engine's (a file out of a container,
 * buffered) and the agent cache's (npm tarballs of hundreds of megabytes, streamed to disk).
 * Both treat the archive as untrusted: checksums checked, pax records parsed by their lengths.
 */

export const BLOCK = 512;
/** pax and GNU long-name records hold a path or two, never a file: more than this is hostile. */
export const MAX_META_BYTES = 64 * 1024;

/** A malformed, truncated or refused tar archive. */
export class TarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarError';
  }
}

/** A NUL-terminated text field of a header. */
export function field(header: Buffer, start: number, length: number): string {
  const raw = header.subarray(start, start + length);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? raw.length : nul).toString('utf8');
}

/**
 * A numeric header field: octal text, or GNU base-256 (high bit of the first byte set), which
 * tar writers use for sizes over 8 GiB. Returns null when the field is neither.
 */
export function numeric(header: Buffer, start: number, length: number): number | null {
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
export function checksumMatches(header: Buffer): boolean {
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

/**
 * The records of a pax extended header ("<len> <key>=<value>\n", where <len> counts the whole
 * record), parsed by their lengths so a value holding a newline cannot forge another record.
 */
export function paxRecords(data: Buffer, at: number): Map<string, string> {
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
