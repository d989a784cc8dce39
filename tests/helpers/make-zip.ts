/**
 * Writes zip archives by hand for the zip reader's tests, including ones that lie: every field
 * the reader must not trust (sizes, CRC, the compressed bytes) can be overridden per member.
 */
import { constants, crc32, deflateRawSync } from 'node:zlib';

/** One member; the optional fields override what an honest writer would store. */
export interface ZipMember {
  name: string;
  data: Buffer;
  /** 0 stored, 8 deflated (default), anything else to test refusal. */
  method?: number;
  /** The uncompressed size written in both headers; default `data.length`. */
  size?: number;
  /** The bytes stored for the member; default `data` deflated (or as is when stored). */
  compressed?: Buffer;
  crc?: number;
}

/** A zip of `members` in order: local headers and data, central directory, end record. */
export function makeZip(members: ZipMember[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const method = m.method ?? 8;
    const compressed = m.compressed ?? (method === 8 ? deflateRawSync(m.data) : m.data);
    const size = m.size ?? m.data.length;
    const crc = m.crc ?? crc32(m.data);
    const name = Buffer.from(m.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(0x0800, 8);
    entry.writeUInt16LE(method, 10);
    entry.writeUInt32LE(crc >>> 0, 16);
    entry.writeUInt32LE(compressed.length, 20);
    entry.writeUInt32LE(size, 24);
    entry.writeUInt16LE(name.length, 28);
    entry.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    central.push(entry, name);
    offset += 30 + name.length + compressed.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/**
 * A raw deflate stream that inflates to `mebibytes` MiB of zeros from about 1 KiB per MiB:
 * one fully flushed block (it references nothing before it, so copies of it can follow each
 * other) repeated, then an empty final block. Built without ever holding the output.
 */
export function deflateBomb(mebibytes: number): Buffer {
  const block = deflateRawSync(Buffer.alloc(1024 * 1024), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const parts: Buffer[] = new Array<Buffer>(mebibytes).fill(block);
  // 0x03 0x00: a final, fixed-Huffman block holding only the end-of-block code.
  return Buffer.concat([...parts, Buffer.from([0x03, 0x00])]);
}
