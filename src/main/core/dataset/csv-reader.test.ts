import { writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../tests/helpers/temp-dir';
import { CsvFileRecords, indexCsvFile, readCsvRecords, type CsvRecord } from './csv-reader';

const { dir, cleanup } = makeTempDir();
afterAll(cleanup);

const read = (text: string): CsvRecord[] => readCsvRecords(Buffer.from(text), 'f.csv');

/** Indexes a file and reads every record back, with a chunk and window small enough to matter. */
function readFile(text: string, chunk: number, window: number): CsvRecord[] {
  const file = path.join(dir, 'chunks.csv');
  writeFileSync(file, text);
  const index = indexCsvFile(file, file, undefined, chunk);
  const records = new CsvFileRecords(file, index, window);
  try {
    return Array.from({ length: index.count }, (_, i) => ({ fields: records.fields(i), line: records.line(i) }));
  } finally {
    records.close();
  }
}

describe('readCsvRecords', () => {
  it('reads quoted fields with separators, quotes and line breaks, and counts lines as an editor does', () => {
    expect(read('a,b\r\n"x, y","say ""hi""\r\nthere"\r\n3,\n')).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['x, y', 'say "hi"\r\nthere'], line: 2 },
      { fields: ['3', ''], line: 4 },
    ]);
  });

  it('ends records at \\n, \\r\\n or a lone \\r, skips blank lines and a BOM, and needs no final line break', () => {
    expect(read('\uFEFFa,b\r1,2\n\n\r\n3,4')).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['1', '2'], line: 2 },
      { fields: ['3', '4'], line: 5 },
    ]);
  });

  it('keeps a quote inside an unquoted field and drops blanks after a closing quote', () => {
    expect(read('a"b,"c"  ,"d"\t\n')).toEqual([{ fields: ['a"b', 'c', 'd'], line: 1 }]);
  });

  it('names the line of an unclosed quote and of text after a closing quote', () => {
    expect(() => read('a,b\n1,"open\n\n')).toThrow('f.csv: not a valid CSV at line 2: a quoted field is never closed');
    expect(() => read('a,b\n\r\n"x"y,2\n')).toThrow("f.csv: not a valid CSV at line 3: unexpected 'y' after the closing quote of a field");
  });

  it('decodes UTF-8 split anywhere and keeps invalid bytes as U+FFFD, as before', () => {
    expect(read('"café ☕","😀"\n')[0]?.fields).toEqual(['café ☕', '😀']);
    expect(readCsvRecords(Buffer.from([0x61, 0xff, 0x2c, 0x62]), 'f.csv')[0]?.fields).toEqual(['a\uFFFD', 'b']);
  });
});

describe('indexCsvFile and CsvFileRecords', () => {
  const field = fc.string({ unit: fc.constantFrom('a', 'é', '😀', ',', '"', '\n', '\r', ' ', 'x'), maxLength: 40 });
  const table = fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 30 });
  const toCsv = (rows: string[][], eol: string): string =>
    rows.map((r) => r.map((f) => (/[",\r\n]/.test(f) || f === '' ? `"${f.replaceAll('"', '""')}"` : f)).join(',')).join(eol) + eol;

  it('read any table back across chunk and window edges, as readCsvRecords does', () => {
    fc.assert(
      fc.property(table, fc.constantFrom('\n', '\r\n', '\r'), fc.integer({ min: 4, max: 64 }), fc.integer({ min: 1, max: 64 }), (rows, eol, chunk, window) => {
        const text = toCsv(rows, eol);
        const expected = read(text);
        // A record of one empty field is a blank line, and blank lines are skipped.
        expect(expected.map((r) => r.fields)).toEqual(rows.filter((r) => r.length > 1 || r[0] !== ''));
        expect(readFile(text, chunk, window)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('grows past its chunk for a record longer than it, and reports errors with their line', () => {
    const long = 'y'.repeat(5000);
    expect(readFile(`a,b\n"${long}",2\n`, 16, 8).map((r) => r.fields)).toEqual([['a', 'b'], [long, '2']]);
    expect(() => readFile(`a\n\n"${long}\n`, 16, 8)).toThrow(/chunks\.csv: not a valid CSV at line 3: a quoted field is never closed/);
  });

  it('knows whether the file holds a zero byte', () => {
    const file = path.join(dir, 'zero.csv');
    writeFileSync(file, 'a\nb\0c\n');
    expect(indexCsvFile(file, file).hasZeroByte).toBe(true);
    writeFileSync(file, 'a\nbc\n');
    expect(indexCsvFile(file, file).hasZeroByte).toBe(false);
  });
});
