/**
 * Reads entries of a zip archive (a Playwright trace) from a buffer: the central directory,
 * then stored or deflated members. Enough for traces; zip64 and encryption are refused.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

export class ZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipError';
  }
}

/** Lists the entries of a zip held in memory. */
export function listZip(buffer: Buffer): Map<string, ZipEntry> {
  // The end-of-central-directory record is in the last 64 KiB + 22 bytes.
  const from = Math.max(0, buffer.length - 65_557);
  let eocd = -1;
  for (let i = buffer.length - 22; i >= from; i--) {
    if (buffer.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('not a zip archive (no end of central directory)');
  const count = buffer.readUInt16LE(eocd + 10);
  let offset = buffer.readUInt32LE(eocd + 16);
  if (offset === 0xffffffff) throw new ZipError('zip64 archives are not supported');
  const entries = new Map<string, ZipEntry>();
  for (let i = 0; i < count; i++) {
    if (offset + 46 > buffer.length || buffer.readUInt32LE(offset) !== 0x02014b50) throw new ZipError('corrupt central directory');
    const flags = buffer.readUInt16LE(offset + 8);
    if (flags & 1) throw new ZipError('encrypted zip entries are not supported');
    const nameLength = buffer.readUInt16LE(offset + 28);
    const extraLength = buffer.readUInt16LE(offset + 30);
    const commentLength = buffer.readUInt16LE(offset + 32);
    const name = buffer.toString('utf8', offset + 46, offset + 46 + nameLength);
    entries.set(name, {
      name,
      method: buffer.readUInt16LE(offset + 10),
      compressedSize: buffer.readUInt32LE(offset + 20),
      size: buffer.readUInt32LE(offset + 24),
      localOffset: buffer.readUInt32LE(offset + 42),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The bytes of one entry. */
export function readZipEntry(buffer: Buffer, entry: ZipEntry): Buffer {
  const at = entry.localOffset;
  if (at + 30 > buffer.length || buffer.readUInt32LE(at) !== 0x04034b50) throw new ZipError(`corrupt local header for ${entry.name}`);
  const start = at + 30 + buffer.readUInt16LE(at + 26) + buffer.readUInt16LE(at + 28);
  const data = buffer.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return Buffer.from(data);
  if (entry.method === 8) return inflateRawSync(data, { maxOutputLength: Math.max(entry.size, 1) });
  throw new ZipError(`${entry.name}: compression method ${entry.method} is not supported`);
}

/**
 * A zip file on disk read by position: the central directory once, then each entry with its own
 * small read, so serving one screencast frame of a 50 MB trace reads kilobytes, not the file.
 */
export class ZipFileReader {
  private readonly entries: Map<string, ZipEntry>;

  constructor(private readonly file: string) {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const tailLength = Math.min(size, 65_557);
      const tail = Buffer.alloc(tailLength);
      readSync(fd, tail, 0, tailLength, size - tailLength);
      let eocd = -1;
      for (let i = tail.length - 22; i >= 0; i--) {
        if (tail.readUInt32LE(i) === 0x06054b50) {
          eocd = i;
          break;
        }
      }
      if (eocd < 0) throw new ZipError('not a zip archive (no end of central directory)');
      const cdSize = tail.readUInt32LE(eocd + 12);
      const cdOffset = tail.readUInt32LE(eocd + 16);
      if (cdOffset === 0xffffffff) throw new ZipError('zip64 archives are not supported');
      // Reuse listZip on a buffer holding just the directory and its end record.
      const directory = Buffer.alloc(cdSize + (tail.length - eocd));
      readSync(fd, directory, 0, cdSize, cdOffset);
      tail.copy(directory, cdSize, eocd);
      directory.writeUInt32LE(0, cdSize + 16);
      this.entries = listZip(directory);
    } finally {
      closeSync(fd);
    }
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  read(name: string): Buffer | null {
    const entry = this.entries.get(name);
    if (!entry) return null;
    const fd = openSync(this.file, 'r');
    try {
      const header = Buffer.alloc(30);
      readSync(fd, header, 0, 30, entry.localOffset);
      if (header.readUInt32LE(0) !== 0x04034b50) throw new ZipError(`corrupt local header for ${name}`);
      const start = entry.localOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
      const data = Buffer.alloc(entry.compressedSize);
      readSync(fd, data, 0, entry.compressedSize, start);
      if (entry.method === 0) return data;
      if (entry.method === 8) return inflateRawSync(data, { maxOutputLength: Math.max(entry.size, 1) });
      throw new ZipError(`${name}: compression method ${entry.method} is not supported`);
    } finally {
      closeSync(fd);
    }
  }
}
