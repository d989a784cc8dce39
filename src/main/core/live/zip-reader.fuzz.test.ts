/**
 * Fuzzes the trace zip reader and the trace parser: a trace comes out of a container the agent
 * controlled. Random bytes, truncations and bit flips of a real small trace must give a ZipError
 * or a valid result (entries exactly as large as declared, a replay of the declared types), never
 * another exception. Each property runs for a bounded time.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceReplay } from '../../../shared/replay';
import { makeZip, type ZipMember } from '../../../../tests/helpers/make-zip';
import { makeTempDir } from '../../../../tests/helpers/temp-dir';
import { parseTrace } from './trace-replay';
import { listZip, MAX_ENTRY_BYTES, readZipEntry, ZipError, ZipFileReader } from './zip-reader';

/** Per-property budget: fast-check stops starting new runs after this and the property passes. */
const BUDGET_MS = 1_500;
const META = { name: 'trace-1.zip', sha256: 'f'.repeat(64) };

const jsonLines = (events: object[]): Buffer => Buffer.from(events.map((e) => JSON.stringify(e)).join('\n') + '\n');
const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 0xff, 0xd9]);

/** What playwright-core 1.64 writes, in small: options, an action, a frame, console, network. */
const traceMembers: ZipMember[] = [
  {
    name: 'test.trace',
    data: jsonLines([
      { type: 'context-options', version: 10, monotonicTime: 1000, wallTime: 1_700_000_000_000, title: 'test_expense' },
      { type: 'before', callId: 'call@1', startTime: 1010, class: 'Frame', method: 'click', params: { selector: '#send' } },
      { type: 'after', callId: 'call@1', endTime: 1050, error: { message: 'Timeout 5000ms exceeded' } },
      { type: 'screencast-frame', sha1: 'abc.jpeg', timestamp: 1030, width: 800, height: 600 },
      { type: 'console', messageType: 'error', text: 'boom', time: 1040 },
    ]),
  },
  {
    name: 'test.network',
    data: jsonLines([{ type: 'resource-snapshot', snapshot: { startedDateTime: '2023-11-14T22:13:20.020Z', time: 12, request: { method: 'POST', url: 'http://x/api' }, response: { status: 200 } } }]),
  },
  { name: 'resources/abc.jpeg', data: jpeg, method: 0 },
];
const trace = makeZip(traceMembers);

/** A replay whose fields have the types the UI is promised. */
function expectWellTyped(replay: TraceReplay): void {
  const isNumber = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
  expect(replay.title === null || typeof replay.title === 'string').toBe(true);
  expect(isNumber(replay.durationMs) && isNumber(replay.wallStartMs)).toBe(true);
  for (const a of replay.actions) {
    expect([a.callId, a.title].every((s) => typeof s === 'string'), JSON.stringify(a)).toBe(true);
    expect(isNumber(a.startMs) && isNumber(a.wallMs) && (a.endMs === null || isNumber(a.endMs)), JSON.stringify(a)).toBe(true);
    expect(a.error === null || typeof a.error === 'string', JSON.stringify(a)).toBe(true);
  }
  for (const f of replay.frames) expect(typeof f.entry === 'string' && [f.ms, f.wallMs, f.width, f.height].every(isNumber), JSON.stringify(f)).toBe(true);
  for (const c of replay.console) expect(typeof c.type === 'string' && typeof c.text === 'string' && isNumber(c.ms), JSON.stringify(c)).toBe(true);
  for (const n of replay.network) {
    expect(typeof n.method === 'string' && typeof n.url === 'string' && isNumber(n.ms), JSON.stringify(n)).toBe(true);
    expect((n.status === null || isNumber(n.status)) && (n.durationMs === null || isNumber(n.durationMs)), JSON.stringify(n)).toBe(true);
  }
}

/** Runs `fn`; a ZipError is an answer, anything else thrown fails the property. */
function zipErrorOr<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof ZipError)) throw error;
    return null;
  }
}

describe('trace zips under fuzzing', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = makeTempDir()));
  afterAll(() => cleanup());

  it('the test trace itself reads back whole', () => {
    const replay = parseTrace(trace, META);
    expect(replay.actions).toMatchObject([{ title: 'frame.click #send', startMs: 10, endMs: 50, error: 'Timeout 5000ms exceeded' }]);
    expect(replay.frames).toMatchObject([{ entry: 'resources/abc.jpeg', ms: 30 }]);
    expect(replay.network).toMatchObject([{ method: 'POST', status: 200 }]);
  });

  it('random bytes, truncations and bit flips: a ZipError or entries exactly as declared, from memory and from disk', () => {
    const flip = fc.record({ at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) });
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
      fc.nat().map((n) => trace.subarray(0, n % (trace.length + 1))),
      fc.nat().map((n) => trace.subarray(n % (trace.length + 1))),
      fc.array(flip, { minLength: 1, maxLength: 6 }).map((flips) => {
        const b = Buffer.from(trace);
        for (const { at, bit } of flips) b[at % b.length]! ^= 1 << bit;
        return b;
      }),
      // Overwrite 1-4 bytes with extremes: sizes and offsets of 0, 0xff.. and in between.
      fc.tuple(fc.nat(), fc.constantFrom(0x00, 0xff, 0x7f, 0x80, 0x10), fc.integer({ min: 1, max: 4 })).map(([at, byte, n]) => {
        const b = Buffer.from(trace);
        b.fill(byte, at % b.length, Math.min(b.length, (at % b.length) + n));
        return b;
      }),
    );
    const file = path.join(dir, 'fuzz.zip');
    fc.assert(
      fc.property(input, (zip) => {
        const entries = zipErrorOr(() => listZip(zip));
        for (const entry of entries?.values() ?? []) {
          const data = zipErrorOr(() => readZipEntry(zip, entry));
          if (data) expect(data.length).toBe(entry.size);
          if (data) expect(data.length).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
        }
        const replay = zipErrorOr(() => parseTrace(zip, META));
        if (replay) expectWellTyped(replay);
        writeFileSync(file, zip);
        const onDisk = zipErrorOr(() => new ZipFileReader(file));
        for (const name of onDisk?.names() ?? []) {
          const data = zipErrorOr(() => onDisk?.read(name));
          // The disk reader validates the directory it reads on its own (it may accept a file
          // whose bytes elsewhere make the in-memory reader refuse it); where both list an
          // entry they must agree on its size, and nothing may exceed the cap.
          const declared = entries?.get(name)?.size;
          if (data && declared !== undefined) expect(data.length).toBe(declared);
          if (data) expect(data.length).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
        }
      }),
      { numRuns: 10_000, interruptAfterTimeLimit: BUDGET_MS },
    );
  });

  it('honest zips of arbitrary JSON lines parse into a well-typed replay', () => {
    const field = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.double(), fc.string({ maxLength: 8 }));
    const event = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record(
        {
          type: fc.constantFrom('context-options', 'before', 'after', 'screencast-frame', 'console', 'resource-snapshot'),
          callId: fc.oneof(fc.constantFrom('call@1', 'call@2'), field),
          monotonicTime: field, wallTime: field, startTime: field, endTime: field, timestamp: field, time: field,
          title: field, apiName: field, class: field, method: field, params: field, error: field,
          sha1: fc.oneof(fc.constant('abc.jpeg'), field), file: field, width: field, height: field,
          messageType: field, text: field, snapshot: field,
        },
        { requiredKeys: ['type'] },
      ),
    );
    const lines = fc.array(fc.oneof({ weight: 5, arbitrary: event.map((e) => JSON.stringify(e)) }, fc.string({ maxLength: 10 })), { maxLength: 12 });
    fc.assert(
      fc.property(lines, lines, (events, network) => {
        const zip = makeZip([
          { name: 'test.trace', data: Buffer.from(events.join('\n')) },
          { name: 'test.network', data: Buffer.from(network.join('\n')) },
          { name: 'resources/abc.jpeg', data: jpeg, method: 0 },
        ]);
        expectWellTyped(parseTrace(zip, META));
      }),
      { numRuns: 5_000, interruptAfterTimeLimit: BUDGET_MS },
    );
  });
});

describe('trace zips: regressions found by fuzzing', () => {
  it('a flipped bit in deflate data is a ZipError naming trace and entry (was zlib\'s bare Error "invalid code lengths set")', () => {
    const zip = Buffer.from(trace);
    // The block-type bits of test.trace's first deflate block, right after its 30-byte header and name.
    zip[30 + 'test.trace'.length]! ^= 0b100;
    expect(() => parseTrace(zip, META)).toThrow(ZipError);
    expect(() => parseTrace(zip, META)).toThrow(/^trace-1\.zip: test\.trace: corrupt deflate data/);
  });

  it('a line that is JSON but not an object is skipped (`null` was a TypeError)', () => {
    const zip = makeZip([{ name: 'test.trace', data: Buffer.from('null\n5\n[1]\n"x"\n{"type":"console","text":"kept","time":3}\n') }]);
    expect(parseTrace(zip, META).console).toEqual([{ ms: 3, type: 'log', text: 'kept' }]);
  });

  it('fields of the wrong type are ignored (a string timestamp made durationMs NaN, a dict title reached the UI)', () => {
    const zip = makeZip([{ name: 'test.trace', data: Buffer.from('{"type":"context-options","timestamp":":"}\n{"type":"before","callId":"c","title":{},"startTime":"5"}\n') }]);
    const replay = parseTrace(zip, META);
    expect(replay.durationMs).toBe(0);
    expect(replay.actions).toEqual([{ callId: 'c', title: '.', startMs: 0, endMs: null, wallMs: 0, error: null }]);
    expectWellTyped(replay);
  });

  it('a trace of 200,000 events parses (spreading them into push() overflowed the stack)', () => {
    const zip = makeZip([{ name: 'test.trace', data: Buffer.from('{}\n'.repeat(199_999) + '{"type":"console","text":"last","time":7}\n') }]);
    expect(parseTrace(zip, META).console).toEqual([{ ms: 7, type: 'log', text: 'last' }]);
  });
});
