/**
 * Fuzzes the reader of tars that come out of task containers (untrusted: the agent controls the
 * container). Whatever the bytes, readTar returns entries that stay inside the archive and the
 * size limit, or throws a TarError naming where; never another exception, a hang (vitest's
 * timeout catches one) or a buffer larger than its input. Each property runs for a bounded time.
 */
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packTar } from '../images/tar-writer';
import { readTar, TarError } from './tar-reader';

/** Per-property budget: fast-check stops starting new runs after this and the property passes. */
const BUDGET_MS = 1_500;
const LIMIT = 4096;

/** A header with any name, size field and type, and a correct checksum, as Docker would write it. */
function header(name: Buffer, sizeField: Buffer, type: string): Buffer {
  const h = Buffer.alloc(512);
  name.copy(h, 0, 0, 100);
  h.write('0000644\0', 100);
  sizeField.copy(h, 124, 0, 12);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  fixChecksum(h);
  return h;
}

/** Rewrites the checksum so a corrupted header is still read past its first check. */
function fixChecksum(h: Buffer): void {
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
}

const octalSize = (n: number): Buffer => Buffer.from(`${n.toString(8).padStart(11, '0')}\0`);
const pad = (data: Buffer): Buffer => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
const pax = (key: string, value: string): Buffer => {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (Buffer.byteLength(body) + String(len).length !== len) len = Buffer.byteLength(body) + String(len).length;
  return Buffer.from(`${len}${body}`);
};

/** Archives as Docker returns them: a file, a long (pax) name, a ustar prefix name. */
const archives = [
  packTar([{ path: 'patch.diff', mode: 0o644, data: Buffer.from('diff --git a/x b/x\n+1\n') }]),
  packTar([{ path: `${'d'.repeat(150)}/${'e'.repeat(120)}`, mode: 0o644, data: Buffer.alloc(700, 7) }]),
  packTar([{ path: `${'p'.repeat(120)}/trace.zip`, mode: 0o644, data: Buffer.alloc(1200, 1) }, { path: 'b', mode: 0o644, data: Buffer.alloc(0) }]),
];

/** The oracle for names: independent of the reader's own check. */
function staysInside(name: string): boolean {
  const normal = path.posix.normalize(name);
  return name !== '' && !path.posix.isAbsolute(name) && normal !== '..' && !normal.startsWith('../');
}

/** The one property every input must satisfy. */
function readsOrRefuses(buffer: Buffer): void {
  let entries;
  try {
    entries = readTar(buffer, LIMIT);
  } catch (error) {
    if (!(error instanceof TarError)) throw error;
    // Every refusal names its place: a header offset or the refused name.
    expect(error.message).toMatch(/offset \d+|refusing tar entry/);
    return;
  }
  let total = 0;
  for (const e of entries) {
    expect(staysInside(e.name), e.name).toBe(true);
    expect(e.data.length).toBe(e.size);
    expect(e.size).toBeLessThanOrEqual(LIMIT);
    total += e.size;
  }
  expect(total).toBeLessThanOrEqual(buffer.length);
}

const byteFlip = fc.record({ at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) });

describe('readTar under fuzzing', () => {
  it('random bytes, truncations and bit flips of real archives: entries or a TarError', () => {
    const mutated = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)),
      fc.tuple(fc.constantFrom(...archives), fc.nat()).map(([a, n]) => a.subarray(0, n % (a.length + 1))),
      fc.tuple(fc.constantFrom(...archives), fc.array(byteFlip, { minLength: 1, maxLength: 8 }), fc.boolean()).map(([a, flips, fix]) => {
        const b = Buffer.from(a);
        for (const { at, bit } of flips) b[at % b.length]! ^= 1 << bit;
        // Re-signing the first header lets the corruption reach the fields behind the checksum.
        if (fix) fixChecksum(b.subarray(0, 512));
        return b;
      }),
    );
    fc.assert(fc.property(mutated, readsOrRefuses), { numRuns: 20_000, interruptAfterTimeLimit: BUDGET_MS });
  });

  it('hostile headers with valid checksums: huge sizes, base-256, traversal names, pax records', () => {
    const segment = fc.constantFrom('..', '.', '', 'a', 'b.txt', '...', '..a', 'x\0y');
    const name = fc.oneof(
      fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('/')),
      fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => `/${s.join('/')}`),
      fc.string({ maxLength: 110 }),
    );
    const sizeField = fc.oneof(
      fc.nat({ max: 2 * LIMIT }).map(octalSize),
      fc.constantFrom(0o77777777777, 2 ** 33, 2 ** 40).map((n) => octalSize(Math.min(n, 0o77777777777))),
      fc.uint8Array({ minLength: 12, maxLength: 12 }).map((a) => Buffer.from(a)),
      fc.uint8Array({ minLength: 11, maxLength: 11 }).map((a) => Buffer.concat([Buffer.from([0x80]), Buffer.from(a)])),
      fc.constantFrom(Buffer.from('  12 \0'), Buffer.from('-1\0'), Buffer.from('0x10\0'), Buffer.from('9999\0')),
    );
    const paxBody = fc.oneof(
      fc.tuple(fc.constantFrom('path', 'size', 'linkpath', 'comment'), fc.string({ maxLength: 40 })).map(([k, v]) => pax(k, v)),
      fc.string({ maxLength: 80 }).map((s) => Buffer.from(s)),
      fc.constantFrom(Buffer.from('99999999999 path=a\n'), Buffer.from('5 path=\n'), Buffer.from('0 =\n'), Buffer.from('12 size=-5\n')),
    );
    const member = fc.oneof(
      fc.tuple(name, sizeField, fc.constantFrom('0', '5', '2', '7', 'L', 'g'), fc.uint8Array({ maxLength: 600 })).map(([n, s, t, d]) =>
        Buffer.concat([header(Buffer.from(n), s, t), pad(Buffer.from(d))]),
      ),
      fc.tuple(paxBody, name).map(([p, n]) => {
        const data = Buffer.from('payload');
        return Buffer.concat([header(Buffer.from('././@PaxHeader'), octalSize(p.length), 'x'), pad(p), header(Buffer.from(n), octalSize(data.length), '0'), pad(data)]);
      }),
    );
    const archive = fc.tuple(fc.array(member, { minLength: 1, maxLength: 4 }), fc.boolean()).map(([members, end]) =>
      Buffer.concat([...members, end ? Buffer.alloc(1024) : Buffer.alloc(0)]),
    );
    fc.assert(fc.property(archive, readsOrRefuses), { numRuns: 20_000, interruptAfterTimeLimit: BUDGET_MS });
  });
});

describe('readTar: regressions found by fuzzing', () => {
  it('a non-zero block where the end marker should be is a corrupt header, not an entry named ""', () => {
    const tar = Buffer.from(archives[0]!);
    tar[1024 + 100] = 1; // the first end-of-archive block, after patch.diff's header and data
    expect(() => readTar(tar, LIMIT)).toThrow(TarError);
    expect(() => readTar(tar, LIMIT)).toThrow(/^corrupt tar header at offset 1024 \(checksum mismatch/);
  });

  it('a pax record naming the empty path is refused, not an entry named ""', () => {
    const record = pax('path', '');
    const data = Buffer.from('payload');
    const tar = Buffer.concat([header(Buffer.from('././@PaxHeader'), octalSize(record.length), 'x'), pad(record), header(Buffer.from('a.txt'), octalSize(data.length), '0'), pad(data), Buffer.alloc(1024)]);
    expect(() => readTar(tar, LIMIT)).toThrow(/^refusing tar entry "": not a usable name$/);
  });

  it('pax records are read by their lengths: a newline inside a value cannot forge a path', () => {
    const record = pax('comment', 'x\n9 path=..\n');
    const data = Buffer.from('payload');
    const tar = Buffer.concat([header(Buffer.from('././@PaxHeader'), octalSize(record.length), 'x'), pad(record), header(Buffer.from('a.txt'), octalSize(data.length), '0'), pad(data), Buffer.alloc(1024)]);
    expect(readTar(tar, LIMIT).map((e) => [e.name, e.data.toString()])).toEqual([['a.txt', 'payload']]);
  });
});
