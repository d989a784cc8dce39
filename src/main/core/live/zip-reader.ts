/**
 * Reads entries of a zip archive (a Playwright trace) from a buffer: the central directory,
 * then stored or deflated members. Enough for traces; zip64 and encryption are refused.
 *
 * A trace comes out of a container the agent controlled, so nothing in it is trusted: every
 * offset is checked against the archive before it is used, and inflation is bounded by the
 * size the directory declares and by an absolute cap, whatever the headers say (a deflate
 * stream can expand a thousandfold, so the compressed size bounds nothing).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32, inflateRawSync } from 'node:zlib';

/** Largest entry read or inflated unless the caller asks for less (a trace event file is far smaller). */
export const MAX_ENTRY_BYTES = 256 * 1024 * 1024;

const LOCAL_SIGNATURE = 0x04034b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const END_SIGNATURE = 0x06054b50;
const LOCAL_HEADER = 30;
const CENTRAL_HEADER = 46;
const END_RECORD = 22;
/** The end record sits in the last 64 KiB (its comment) plus its own 22 bytes. */
const END_SEARCH = 0xffff + END_RECORD;

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localOffset: number;
}

/** How much one read may produce. */
export interface ZipReadOptions {
  /** Refuse entries larger than this many bytes; default `MAX_ENTRY_BYTES`. */
  maxBytes?: number;
}

/** Options of the on-disk reader. */
export interface ZipFileOptions extends ZipReadOptions {
  /**
   * What errors call the file: its path by default, nothing when null (a caller that names the
   * archive itself, such as the replay's index, whose messages reach the UI).
   */
  label?: string | null;
}

/** Anything wrong with an archive; the message names the entry (and file) where known. */
export class ZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipError';
  }
}

/** Offset of the end-of-central-directory record in `tail`, or -1. */
function findEnd(tail: Buffer): number {
  for (let i = tail.length - END_RECORD; i >= 0; i--) {
    if (tail.readUInt32LE(i) === END_SIGNATURE) return i;
  }
  return -1;
}

/** Lists the entries of a zip held in memory. */
export function listZip(buffer: Buffer): Map<string, ZipEntry> {
  const from = Math.max(0, buffer.length - END_SEARCH);
  const at = findEnd(buffer.subarray(from));
  if (at < 0) throw new ZipError('not a zip archive (no end of central directory)');
  const eocd = from + at;
  const count = buffer.readUInt16LE(eocd + 10);
  let offset = buffer.readUInt32LE(eocd + 16);
  if (offset === 0xffffffff) throw new ZipError('zip64 archives are not supported');
  const entries = new Map<string, ZipEntry>();
  for (let i = 0; i < count; i++) {
    if (offset + CENTRAL_HEADER > buffer.length) throw new ZipError(`central directory entry ${i} at offset ${offset} is outside the archive`);
    if (buffer.readUInt32LE(offset) !== CENTRAL_SIGNATURE) throw new ZipError(`corrupt central directory: no entry signature at offset ${offset} (entry ${i})`);
    const nameLength = buffer.readUInt16LE(offset + 28);
    const extraLength = buffer.readUInt16LE(offset + 30);
    const commentLength = buffer.readUInt16LE(offset + 32);
    const next = offset + CENTRAL_HEADER + nameLength + extraLength + commentLength;
    if (next > buffer.length) throw new ZipError(`central directory entry ${i} at offset ${offset} runs past the end of the archive`);
    const name = buffer.toString('utf8', offset + CENTRAL_HEADER, offset + CENTRAL_HEADER + nameLength);
    if (buffer.readUInt16LE(offset + 8) & 1) throw new ZipError(`${name}: encrypted zip entries are not supported`);
    const entry: ZipEntry = {
      name,
      method: buffer.readUInt16LE(offset + 10),
      crc32: buffer.readUInt32LE(offset + 16),
      compressedSize: buffer.readUInt32LE(offset + 20),
      size: buffer.readUInt32LE(offset + 24),
      localOffset: buffer.readUInt32LE(offset + 42),
    };
    if (entry.size === 0xffffffff || entry.compressedSize === 0xffffffff || entry.localOffset === 0xffffffff) {
      throw new ZipError(`${name}: zip64 entries are not supported`);
    }
    entries.set(name, entry);
    offset = next;
  }
  return entries;
}

/**
 * Where an entry's data starts, from its local header (whose name and extra lengths may differ
 * from the directory's), checked to lie, with all its bytes, inside an archive of `length` bytes.
 */
function dataStart(entry: ZipEntry, header: Buffer, length: number): number {
  if (entry.localOffset + LOCAL_HEADER > length || header.length < LOCAL_HEADER || header.readUInt32LE(0) !== LOCAL_SIGNATURE) {
    throw new ZipError(`${entry.name}: corrupt local header at offset ${entry.localOffset}`);
  }
  const start = entry.localOffset + LOCAL_HEADER + header.readUInt16LE(26) + header.readUInt16LE(28);
  if (start + entry.compressedSize > length) {
    throw new ZipError(`${entry.name}: ${entry.compressedSize} bytes of data at offset ${start} run past the end of the archive (${length} bytes)`);
  }
  return start;
}

/**
 * Refuses, before anything is read or inflated, an entry that declares more than the cap, or
 * stored bytes that cannot be what it declares (so the on-disk reader never allocates for them).
 */
function checkDeclaredSize(entry: ZipEntry, options: ZipReadOptions): void {
  const maxBytes = options.maxBytes ?? MAX_ENTRY_BYTES;
  if (entry.size > maxBytes) throw new ZipError(`${entry.name}: declares ${entry.size} bytes, over the ${maxBytes}-byte limit`);
  if (entry.method === 0 && entry.compressedSize !== entry.size) {
    throw new ZipError(`${entry.name}: stored with ${entry.compressedSize} bytes but declares ${entry.size}`);
  }
  // Deflate grows incompressible data by well under 0.1%: more input than that is no honest entry under the cap.
  if (entry.compressedSize > maxBytes + Math.ceil(maxBytes / 1000) + 1024) {
    throw new ZipError(`${entry.name}: ${entry.compressedSize} compressed bytes, over the ${maxBytes}-byte limit`);
  }
}

/**
 * Turns an entry's stored bytes into its content, refusing anything that is not exactly what the
 * directory declares: the output never exceeds min(declared size, cap) plus one zlib chunk.
 */
function decode(entry: ZipEntry, data: Buffer, options: ZipReadOptions): Buffer {
  checkDeclaredSize(entry, options);
  let out: Buffer;
  if (entry.method === 0) {
    out = Buffer.from(data);
  } else if (entry.method === 8) {
    try {
      // zlib stops and throws as soon as its output passes the limit, so a bomb costs at most
      // the declared size. The limit must be at least 1; an empty entry is checked below.
      out = inflateRawSync(data, { maxOutputLength: Math.max(entry.size, 1) });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') throw new ZipError(`${entry.name}: inflates to more than the ${entry.size} bytes it declares`);
      throw new ZipError(`${entry.name}: corrupt deflate data (${(error as Error).message})`);
    }
    if (out.length !== entry.size) throw new ZipError(`${entry.name}: inflates to ${out.length} bytes, the directory says ${entry.size}`);
  } else {
    throw new ZipError(`${entry.name}: compression method ${entry.method} is not supported`);
  }
  // Cheap next to inflating, and the only way to tell a flipped bit in a stored entry.
  if (crc32(out) >>> 0 !== entry.crc32) throw new ZipError(`${entry.name}: CRC-32 mismatch, the entry is corrupt`);
  return out;
}

/**
 * The bytes of one entry, checked against the directory (size, CRC-32) and bounded by
 * `options.maxBytes`. Throws ZipError naming the entry for anything else.
 */
export function readZipEntry(buffer: Buffer, entry: ZipEntry, options: ZipReadOptions = {}): Buffer {
  const header = buffer.subarray(entry.localOffset, entry.localOffset + LOCAL_HEADER);
  const start = dataStart(entry, header, buffer.length);
  return decode(entry, buffer.subarray(start, start + entry.compressedSize), options);
}

/**
 * A zip file on disk read by position: the central directory once, then each entry with its own
 * small read, so serving one screencast frame of a 50 MB trace reads kilobytes, not the file.
 * Errors name the file as well as the entry.
 */
export class ZipFileReader {
  private readonly entries: Map<string, ZipEntry>;
  /** The file's size when the directory was read; every offset is checked against it. */
  readonly size: number;

  constructor(
    private readonly file: string,
    private readonly options: ZipFileOptions = {},
  ) {
    const fd = openSync(file, 'r');
    try {
      this.size = fstatSync(fd).size;
      this.entries = this.named(() => this.readDirectory(fd));
    } finally {
      closeSync(fd);
    }
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** The directory, by name (read-only: it is shared by every read). */
  list(): ReadonlyMap<string, ZipEntry> {
    return this.entries;
  }

  /** One entry's bytes, or null when there is no such entry. */
  read(name: string): Buffer | null {
    const entry = this.entries.get(name);
    return entry ? this.readEntry(entry) : null;
  }

  /** The bytes of an entry of this archive's directory (from `list()`), checked as `read` checks them. */
  readEntry(entry: ZipEntry): Buffer {
    const fd = openSync(this.file, 'r');
    try {
      return this.named(() => {
        const header = Buffer.alloc(LOCAL_HEADER);
        readSync(fd, header, 0, LOCAL_HEADER, entry.localOffset);
        // Checked against the file's size before the buffer for the data is allocated.
        const start = dataStart(entry, header, this.size);
        checkDeclaredSize(entry, this.options);
        const data = Buffer.alloc(entry.compressedSize);
        readSync(fd, data, 0, entry.compressedSize, start);
        return decode(entry, data, this.options);
      });
    } finally {
      closeSync(fd);
    }
  }

  private readDirectory(fd: number): Map<string, ZipEntry> {
    const tailLength = Math.min(this.size, END_SEARCH);
    const tail = Buffer.alloc(tailLength);
    readSync(fd, tail, 0, tailLength, this.size - tailLength);
    const eocd = findEnd(tail);
    if (eocd < 0) throw new ZipError('not a zip archive (no end of central directory)');
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (cdOffset === 0xffffffff) throw new ZipError('zip64 archives are not supported');
    // The directory precedes its end record; checking that first bounds the buffer by the file.
    if (cdOffset + cdSize > this.size - tailLength + eocd) {
      throw new ZipError(`central directory (${cdSize} bytes at offset ${cdOffset}) lies outside the file`);
    }
    // Reuse listZip on a buffer holding just the directory and its end record.
    const directory = Buffer.alloc(cdSize + (tail.length - eocd));
    readSync(fd, directory, 0, cdSize, cdOffset);
    tail.copy(directory, cdSize, eocd);
    directory.writeUInt32LE(0, cdSize + 16);
    return listZip(directory);
  }

  /** Runs `fn`, prefixing the file (or its label) to any ZipError so the message says which trace is bad. */
  private named<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      const label = this.options.label === undefined ? this.file : this.options.label;
      if (error instanceof ZipError && label !== null) throw new ZipError(`${label}: ${error.message}`);
      throw error;
    }
  }
}
