import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deflateBomb, makeZip } from '../../../../tests/helpers/make-zip';
import { makeTempDir } from '../../../../tests/helpers/temp-dir';
import { parseTrace } from './trace-replay';
import { listZip, MAX_ENTRY_BYTES, readZipEntry, ZipError, ZipFileReader } from './zip-reader';

const MiB = 1024 * 1024;

/** Runs `fn`, expecting a ZipError; returns it and how much Buffer memory was live right after. */
function refusal(fn: () => unknown): { error: unknown; grewBy: number } {
  const before = process.memoryUsage().arrayBuffers;
  let error: unknown = null;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  // Measured before anything could be collected: what the reader allocated is still counted.
  return { error, grewBy: process.memoryUsage().arrayBuffers - before };
}

describe('zip reader bounds what it inflates', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = makeTempDir()));
  afterEach(() => cleanup());

  it('reads honest stored and deflated members from memory and from disk', () => {
    const text = Buffer.from('{"type":"before"}\n'.repeat(100));
    const jpeg = Buffer.from([0xff, 0xd8, 0x78, 0x78, 0xff, 0xd9]);
    const zip = makeZip([{ name: 'trace.trace', data: text }, { name: 'resources/a.jpeg', data: jpeg, method: 0 }, { name: 'empty', data: Buffer.alloc(0) }]);
    const entries = listZip(zip);
    expect([...entries.keys()]).toEqual(['trace.trace', 'resources/a.jpeg', 'empty']);
    expect(readZipEntry(zip, entries.get('trace.trace')!)).toEqual(text);
    expect(readZipEntry(zip, entries.get('resources/a.jpeg')!)).toEqual(jpeg);
    expect(readZipEntry(zip, entries.get('empty')!)).toEqual(Buffer.alloc(0));
    const file = path.join(dir, 'ok.zip');
    writeFileSync(file, zip);
    const onDisk = new ZipFileReader(file);
    expect(onDisk.read('trace.trace')).toEqual(text);
    expect(onDisk.read('resources/a.jpeg')).toEqual(jpeg);
  });

  it('refuses a bomb that declares 1 KB and inflates to 2 GiB, without inflating it', () => {
    const zip = makeZip([{ name: 'bomb.trace', data: Buffer.alloc(0), size: 1000, compressed: deflateBomb(2048) }]);
    const entry = listZip(zip).get('bomb.trace')!;
    const { error, grewBy } = refusal(() => readZipEntry(zip, entry));
    expect(error).toBeInstanceOf(ZipError);
    expect((error as Error).message).toMatch(/bomb\.trace: inflates to more than the 1000 bytes it declares/);
    // Loose on purpose: the bound is the declared size plus one zlib chunk, far below 2 GiB.
    expect(grewBy).toBeLessThan(64 * MiB);
  });

  it('refuses an entry declaring more than the cap before inflating any of it', () => {
    // Declares ~4 GiB and really inflates to 1 GiB: the old reader allocated all of it.
    const zip = makeZip([{ name: 'huge.trace', data: Buffer.alloc(0), size: 0xfffffff0, compressed: deflateBomb(1024) }]);
    const entry = listZip(zip).get('huge.trace')!;
    const { error, grewBy } = refusal(() => readZipEntry(zip, entry));
    expect(error).toBeInstanceOf(ZipError);
    expect((error as Error).message).toMatch(new RegExp(`huge\\.trace: declares 4294967280 bytes, over the ${MAX_ENTRY_BYTES}-byte limit`));
    expect(grewBy).toBeLessThan(64 * MiB);
    // A caller's own, smaller cap is honoured the same way.
    const honest = makeZip([{ name: 'big.bin', data: Buffer.alloc(2 * MiB) }]);
    expect(() => readZipEntry(honest, listZip(honest).get('big.bin')!, { maxBytes: MiB })).toThrow(/big\.bin: declares 2097152 bytes, over the 1048576-byte limit/);
  });

  it('the on-disk reader refuses the same bombs, naming the file and the entry', () => {
    const file = path.join(dir, 'bomb.zip');
    writeFileSync(file, makeZip([
      { name: 'small.jpeg', data: Buffer.alloc(0), size: 10, compressed: deflateBomb(512) },
      { name: 'huge.jpeg', data: Buffer.alloc(0), size: 0xfffffff0, compressed: deflateBomb(512) },
    ]));
    const zip = new ZipFileReader(file);
    const small = refusal(() => zip.read('small.jpeg'));
    expect(small.error).toBeInstanceOf(ZipError);
    expect((small.error as Error).message).toContain(`${file}: small.jpeg: inflates to more than the 10 bytes it declares`);
    expect(small.grewBy).toBeLessThan(64 * MiB);
    const huge = refusal(() => zip.read('huge.jpeg'));
    expect((huge.error as Error).message).toContain(`${file}: huge.jpeg: declares 4294967280 bytes`);
    expect(huge.grewBy).toBeLessThan(64 * MiB);
  });

  it('a trace whose event streams together declare too much is refused before any is read', () => {
    // Three entries under the per-entry cap, all pointing at tiny data: only the sum gives it away.
    const members = [1, 2, 3].map((i) => ({ name: `${i}.trace`, data: Buffer.from('{}\n'), size: 200 * MiB }));
    const { error, grewBy } = refusal(() => parseTrace(makeZip(members), { name: 'trace-1.zip', sha256: 'x' }));
    expect(error).toBeInstanceOf(ZipError);
    expect((error as Error).message).toMatch(/^trace-1\.zip: .*more than \d+ bytes of events/);
    expect(grewBy).toBeLessThan(64 * MiB);
    const bomb = makeZip([{ name: 'test.trace', data: Buffer.alloc(0), size: 100, compressed: deflateBomb(256) }]);
    expect(() => parseTrace(bomb, { name: 'trace-2.zip', sha256: 'y' })).toThrow(/^trace-2\.zip: test\.trace: inflates to more than the 100 bytes/);
  });

  it('refuses members whose bytes disagree with the directory, naming them', () => {
    const data = Buffer.from('hello, trace\n'.repeat(20));
    const cases: [Parameters<typeof makeZip>[0][number], RegExp][] = [
      [{ name: 'short.trace', data, size: data.length + 5 }, /short\.trace: inflates to 260 bytes, the directory says 265/],
      [{ name: 'crc.trace', data, crc: 1234 }, /crc\.trace: CRC-32 mismatch/],
      [{ name: 'garbage.trace', data, compressed: Buffer.from('not deflate at all, just text') }, /garbage\.trace: corrupt deflate data/],
      [{ name: 'cut.trace', data, compressed: deflateBomb(1).subarray(0, 100), size: MiB }, /cut\.trace: corrupt deflate data/],
      [{ name: 'stored.jpeg', data, method: 0, size: 3 }, /stored\.jpeg: stored with 260 bytes but declares 3/],
      [{ name: 'lzma.bin', data, method: 14 }, /lzma\.bin: compression method 14 is not supported/],
    ];
    for (const [member, pattern] of cases) {
      const zip = makeZip([member]);
      expect(() => readZipEntry(zip, listZip(zip).get(member.name)!), member.name).toThrow(ZipError);
      expect(() => readZipEntry(zip, listZip(zip).get(member.name)!), member.name).toThrow(pattern);
    }
  });

  it('refuses truncated archives and directories that point outside them', () => {
    const zip = makeZip([{ name: 'a.trace', data: Buffer.from('x'.repeat(1000)) }]);
    const entry = listZip(zip).get('a.trace')!;
    // An entry listed from the whole archive, read from its first 40 bytes: header, name, 3 bytes of data.
    expect(() => readZipEntry(zip.subarray(0, 40), entry)).toThrow(/^a\.trace: 11 bytes of data at offset 37 run past the end of the archive \(40 bytes\)$/);
    expect(() => readZipEntry(zip.subarray(0, 20), entry)).toThrow(/^a\.trace: corrupt local header at offset 0$/);
    const moved = Buffer.from(zip);
    moved.writeUInt32LE(0x7fff_0000, moved.length - 6); // the directory offset in the end record
    expect(() => listZip(moved)).toThrow(/central directory entry 0 at offset 2147418112 is outside the archive/);
    const file = path.join(dir, 'moved.zip');
    writeFileSync(file, moved);
    expect(() => new ZipFileReader(file)).toThrow(ZipError);
    expect(() => new ZipFileReader(file)).toThrow(/moved\.zip: central directory .* lies outside the file/);
  });
});
