/**
 * Reads an RFC-4180 CSV: multi-line quoted fields, CRLF inside fields, a BOM, and cells of any
 * size (the largest official cell is about 85 KB).
 *
 * A hand-written scanner over the UTF-8 bytes, not a CSV library, because import time is a
 * measured budget (bench:import) and the task tables are a few huge quoted cells per row: the
 * scanner jumps from quote to quote with `Buffer.indexOf` (native memchr), so a 34 MB file is
 * split in a few milliseconds, and only the fields the caller wants are decoded to strings. It
 * never holds the whole file as one JS string: that string alone (two bytes per character once
 * any character is non-ASCII) costs more than all of the scanning.
 *
 * Rules, as Python's csv module and pandas read them: a record ends at `\n`, `\r\n` or `\r`
 * outside quotes; a field is quoted only if its first character is `"`, and then `""` is one
 * quote; blanks between a closing quote and the next separator are dropped; a record that is one
 * empty field (a blank line) is skipped. Anything else after a closing quote, or a quote that is
 * never closed, is an error naming the line.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface CsvRecord {
  fields: string[];
  /** 1-based line in the file where the record starts, as an editor counts lines. */
  line: number;
}

/** A CSV syntax error at a byte offset of the scanned bytes. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'CsvSyntaxError';
  }
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
/** Returned by `scanRecord` when the record runs past the bytes at hand and more may follow. */
const NEED_MORE = -1;

/** How a field was written; decides how its bytes become a string. */
const enum FieldKind {
  Unquoted = 0,
  Quoted = 1,
  /** Quoted, with at least one `""` inside. */
  QuotedWithQuotes = 2,
}

/**
 * Splits one record of `data` starting at `pos`. Appends `start, end, kind` for each field to
 * `out` (offsets into `data`) and returns the offset after the record's line break, or
 * NEED_MORE when the record is cut off by the end of `data` and `final` is false.
 */
function scanRecord(data: Uint8Array, pos: number, final: boolean, out: number[]): number {
  const end = data.length;
  let p = pos;
  for (;;) {
    if (p < end && data[p] === QUOTE) {
      const open = p;
      let kind = FieldKind.Quoted;
      let q = p + 1;
      for (;;) {
        q = data.indexOf(QUOTE, q);
        if (q < 0) {
          if (!final) return NEED_MORE;
          throw new CsvSyntaxError(open, 'a quoted field is never closed');
        }
        // The byte after a quote decides whether it closes the field or escapes a quote.
        if (q + 1 >= end && !final) return NEED_MORE;
        if (data[q + 1] !== QUOTE) break;
        kind = FieldKind.QuotedWithQuotes;
        q += 2;
      }
      out.push(open + 1, q, kind);
      p = q + 1;
      while (p < end && (data[p] === SPACE || data[p] === TAB)) p++;
      if (p >= end) return final ? end : NEED_MORE;
      const c = data[p];
      if (c === COMMA) {
        p++;
        continue;
      }
      if (c === LF) return p + 1;
      if (c === CR) {
        if (p + 1 >= end && !final) return NEED_MORE;
        return data[p + 1] === LF ? p + 2 : p + 1;
      }
      throw new CsvSyntaxError(p, `unexpected ${describeByte(c as number)} after the closing quote of a field`);
    }
    // Unquoted fields are the short ones (ids, prices, paths): a plain byte loop is fastest.
    let q = p;
    while (q < end) {
      const c = data[q];
      if (c === COMMA || c === LF || c === CR) break;
      q++;
    }
    out.push(p, q, FieldKind.Unquoted);
    if (q >= end) return final ? end : NEED_MORE;
    const c = data[q];
    if (c === COMMA) {
      p = q + 1;
      continue;
    }
    if (c === LF) return q + 1;
    if (q + 1 >= end && !final) return NEED_MORE;
    return data[q + 1] === LF ? q + 2 : q + 1;
  }
}

function describeByte(c: number): string {
  if (c === QUOTE) return 'a quote';
  return c >= 0x21 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

/** Reused by decodeField; grows to the longest field with quotes inside. */
let unquoted = Buffer.allocUnsafe(0);

/**
 * Decodes one field's bytes; `""` inside a quoted field is one quote. The pairs are undone on
 * the bytes (copying the runs between them) so the field is decoded once, into one string.
 */
function decodeField(data: Buffer, start: number, end: number, kind: number): string {
  if (kind !== FieldKind.QuotedWithQuotes) return data.toString('utf8', start, end);
  if (unquoted.length < end - start) unquoted = Buffer.allocUnsafe(Math.max(end - start, unquoted.length * 2));
  let length = 0;
  let run = start;
  // Inside the field every quote is the first of a pair; the field's own closing quote is at `end`.
  for (let q = data.indexOf(QUOTE, run); q >= 0 && q < end; q = data.indexOf(QUOTE, run)) {
    length += data.copy(unquoted, length, run, q + 1);
    run = q + 2;
  }
  length += data.copy(unquoted, length, run, end);
  return unquoted.toString('utf8', 0, length);
}

/**
 * Counts line breaks (`\n`, `\r\n` or a lone `\r`) in a range, moving forward only: the next
 * `\n` and `\r` found are remembered, so counting every record of a buffer is one memchr pass
 * per character instead of one per record.
 */
class LineBreaks {
  private nextLf = -1;
  private nextCr = -1;
  private data: Uint8Array = new Uint8Array(0);

  /** Starts over on new bytes (a refilled buffer). */
  reset(data: Uint8Array): void {
    this.data = data;
    this.nextLf = -1;
    this.nextCr = -1;
  }

  count(from: number, to: number): number {
    const data = this.data;
    let n = 0;
    if (this.nextLf < from) this.nextLf = data.indexOf(LF, from);
    while (this.nextLf >= 0 && this.nextLf < to) {
      n++;
      this.nextLf = data.indexOf(LF, this.nextLf + 1);
    }
    if (this.nextCr < from) this.nextCr = data.indexOf(CR, from);
    while (this.nextCr >= 0 && this.nextCr < to) {
      if (data[this.nextCr + 1] !== LF) n++;
      this.nextCr = data.indexOf(CR, this.nextCr + 1);
    }
    return n;
  }
}

function isBlankRecord(fields: number[], base: number): boolean {
  return fields.length - base === 3 && fields[base] === fields[base + 1];
}

function hasBom(data: Uint8Array): boolean {
  return data.length >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf;
}

/** A file that is not valid CSV; the message names the file and the line. */
export class CsvError extends Error {
  constructor(file: string, line: number, reason: string) {
    super(`${file}: not a valid CSV at line ${line}: ${reason}`);
    this.name = 'CsvError';
  }
}

/** Parses a whole CSV held in memory. Throws an error naming the file and line of the first CSV problem. */
export function readCsvRecords(bytes: Buffer, file: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const lines = new LineBreaks();
  lines.reset(bytes);
  const fields: number[] = [];
  let pos = hasBom(bytes) ? 3 : 0;
  let line = 1;
  while (pos < bytes.length) {
    fields.length = 0;
    let next: number;
    try {
      next = scanRecord(bytes, pos, true, fields);
    } catch (error) {
      if (!(error instanceof CsvSyntaxError)) throw error;
      throw new CsvError(file, line + lines.count(pos, error.offset), error.reason);
    }
    if (!isBlankRecord(fields, 0)) {
      const values: string[] = [];
      for (let i = 0; i < fields.length; i += 3) values.push(decodeField(bytes, fields[i]!, fields[i + 1]!, fields[i + 2]!));
      records.push({ fields: values, line });
    }
    line += lines.count(pos, next);
    pos = next;
  }
  return records;
}

/**
 * Where the records of a CSV file are: for each non-blank record its byte range, its first line
 * and the byte range and kind of every field, all as offsets into the file. Made by
 * `indexCsvFile`; `CsvFileRecords` reads the fields back.
 */
export interface CsvIndex {
  /** Per record: start, end (after the line break), line, index of its first field in `fields`. */
  records: number[];
  /** Per field: start, end, kind. */
  fields: number[];
  count: number;
  size: number;
  /** Whether any byte of the file is 0: without one, no decoded field holds a NUL. */
  hasZeroByte: boolean;
}

/** Bytes read per `read()`; records longer than this grow the buffer. */
const CHUNK = 1 << 20;

/**
 * Reads a CSV file in chunks and indexes its records without decoding any field, feeding every
 * byte read to `onBytes` (the importer can hash the file in the same pass). The file is read
 * once into one reused buffer, so memory stays at a chunk plus the longest record. Throws an
 * error naming the file and line of the first CSV problem. `chunk`: bytes read at a time.
 */
export function indexCsvFile(path: string, file: string, onBytes: (chunk: Uint8Array) => void = () => undefined, chunk = CHUNK): CsvIndex {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    let buf = Buffer.allocUnsafe(Math.min(chunk, Math.max(size, 3)));
    let base = 0; // file offset of buf[0]
    let filled = 0; // bytes of buf holding file data
    let pos = 0; // offset in buf of the next record
    let hasZeroByte = false;
    /** Keeps the unscanned bytes, makes room (growing for a long record), reads on; false at the end of the file. */
    const fill = (): boolean => {
      if (pos > 0) {
        buf.copyWithin(0, pos, filled);
        base += pos;
        filled -= pos;
        pos = 0;
      }
      if (filled === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const n = readSync(fd, buf, filled, buf.length - filled, base + filled);
      if (n === 0) return false;
      const chunk = buf.subarray(filled, filled + n);
      onBytes(chunk);
      if (!hasZeroByte && chunk.indexOf(0) >= 0) hasZeroByte = true;
      filled += n;
      return true;
    };

    const records: number[] = [];
    const fields: number[] = [];
    const lines = new LineBreaks();
    let line = 1;
    let eof = false;
    while (!eof && filled < 3) eof = !fill();
    if (hasBom(buf.subarray(0, filled))) pos = 3;
    lines.reset(buf.subarray(0, filled));
    for (;;) {
      if (pos >= filled) {
        if (eof) break;
        eof = !fill();
        lines.reset(buf.subarray(0, filled));
        continue;
      }
      const fieldBase = fields.length;
      let next: number;
      try {
        next = scanRecord(buf.subarray(0, filled), pos, eof, fields);
      } catch (error) {
        if (!(error instanceof CsvSyntaxError)) throw error;
        throw new CsvError(file, line + lines.count(pos, error.offset), error.reason);
      }
      if (next === NEED_MORE) {
        fields.length = fieldBase;
        eof = !fill();
        lines.reset(buf.subarray(0, filled));
        continue;
      }
      if (isBlankRecord(fields, fieldBase)) {
        fields.length = fieldBase;
      } else {
        for (let i = fieldBase; i < fields.length; i += 3) {
          fields[i] = fields[i]! + base;
          fields[i + 1] = fields[i + 1]! + base;
        }
        records.push(pos + base, next + base, line, fieldBase);
      }
      line += lines.count(pos, next);
      pos = next;
    }
    return { records, fields, count: records.length / 4, size, hasZeroByte };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the records of an indexed CSV file back, in order, decoding only the fields asked for.
 * The file is read again in chunks (from the page cache, right after indexing).
 */
export class CsvFileRecords {
  private buf: Buffer;
  private base = 0;
  private filled = 0;
  private readonly fd: number;

  /** `window`: bytes read at a time (tests make it small to cross its edges). */
  constructor(
    path: string,
    private readonly index: CsvIndex,
    window = CHUNK * 2,
  ) {
    this.fd = openSync(path, 'r');
    this.buf = Buffer.allocUnsafe(Math.min(window, Math.max(index.size, 1)));
  }

  /** Record `i`'s line. */
  line(i: number): number {
    return this.index.records[i * 4 + 2]!;
  }

  /** Record `i`'s field count. */
  fieldCount(i: number): number {
    const r = this.index.records;
    const first = r[i * 4 + 3]!;
    const after = i + 1 < this.index.count ? r[(i + 1) * 4 + 3]! : this.index.fields.length;
    return (after - first) / 3;
  }

  /**
   * The fields of record `i`; records must be visited in order. `want(j)` false leaves field
   * `j` as '' without decoding it.
   */
  fields(i: number, want?: (j: number) => boolean): string[] {
    const r = this.index.records;
    const start = r[i * 4]!;
    const end = r[i * 4 + 1]!;
    this.ensure(start, end);
    const f = this.index.fields;
    const first = r[i * 4 + 3]!;
    const n = this.fieldCount(i);
    const out = new Array<string>(n);
    for (let j = 0; j < n; j++) {
      const k = first + j * 3;
      out[j] = want && !want(j) ? '' : decodeField(this.buf, f[k]! - this.base, f[k + 1]! - this.base, f[k + 2]!);
    }
    return out;
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Makes bytes [start, end) of the file present in the buffer. */
  private ensure(start: number, end: number): void {
    if (start >= this.base && end <= this.base + this.filled) return;
    if (end - start > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(end - start, this.buf.length * 2));
    let got = 0;
    while (got < this.buf.length) {
      const n = readSync(this.fd, this.buf, got, this.buf.length - got, start + got);
      if (n === 0) break;
      got += n;
    }
    if (got < end - start) throw new Error('the CSV file changed while it was being imported');
    this.base = start;
    this.filled = got;
  }
}
