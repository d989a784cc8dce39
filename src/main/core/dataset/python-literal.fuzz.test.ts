/**
 * Fuzzes the Python-literal parser with random strings and mutations of the real literal cells
 * of the fixture CSVs (manager_data, prompt, acceptable_folders). Every input gives a value or a
 * PythonLiteralError whose offset, line and column agree with the text; a value re-printed with
 * repr() parses back to itself. Each property runs for a bounded time. (The exhaustive unit and
 * CPython-agreement properties live in python-literal.test.ts.)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCsvRecords } from './csv-reader';
import { parsePythonLiteral, parsePythonLiteralTyped, PythonLiteralError } from './python-literal';
import { PyFloat, PyTuple, toPythonRepr, type ReprValue } from './python-repr';

/** Per-property budget: fast-check stops starting new runs after this and the property passes. */
const BUDGET_MS = 1_500;
const fixtures = path.resolve(import.meta.dirname, '../../../../tests/fixtures');

/** Every non-empty literal cell of both fixtures: the shapes the official files hold. */
const literals = ['tasks-current.csv', 'tasks-legacy.csv'].flatMap((name) => {
  const file = path.join(fixtures, name);
  const [header, ...rows] = readCsvRecords(readFileSync(file), file).map((r) => r.fields);
  const columns = ['manager_data', 'prompt', 'acceptable_folders'].map((c) => header?.indexOf(c) ?? -1).filter((i) => i >= 0);
  return rows.flatMap((row) => columns.map((i) => row[i] ?? '')).filter((cell) => cell.trim() !== '');
});

/** Line and column of `offset` as Python counts them: \r\n, \r and \n each end one line. */
function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (const m of text.matchAll(/\r\n|\r|\n/g)) {
    const end = m.index + m[0].length;
    if (end > offset) break;
    line += 1;
    lineStart = end;
  }
  return { line, column: offset - lineStart + 1 };
}

function hasNonFinite(v: ReprValue): boolean {
  if (v instanceof PyFloat) return !Number.isFinite(v.value);
  if (v instanceof PyTuple) return v.items.some(hasNonFinite);
  if (typeof v === 'number') return !Number.isFinite(v);
  if (Array.isArray(v)) return v.some(hasNonFinite);
  if (v !== null && typeof v === 'object' && typeof v !== 'bigint') return Object.values(v).some(hasNonFinite);
  return false;
}

/** The property: a value that survives a repr round trip, or an error placed inside the text. */
function parsesOrPlacesTheError(text: string): void {
  let typed: ReprValue;
  try {
    typed = parsePythonLiteralTyped(text);
  } catch (error) {
    if (!(error instanceof PythonLiteralError)) throw error;
    expect(error.offset).toBeGreaterThanOrEqual(0);
    expect(error.offset).toBeLessThanOrEqual(text.length);
    expect({ line: error.line, column: error.column }).toEqual(position(text, error.offset));
    expect(error.message.startsWith(error.reason)).toBe(true);
    expect(error.message.endsWith(` line ${error.line}, column ${error.column}`)).toBe(true);
    // The plain parser agrees that the text is bad.
    expect(() => parsePythonLiteral(text)).toThrow(PythonLiteralError);
    return;
  }
  parsePythonLiteral(text);
  // repr() of inf/nan is not a literal, in Python as here.
  if (hasNonFinite(typed)) return;
  const printed = toPythonRepr(typed);
  expect(toPythonRepr(parsePythonLiteralTyped(printed))).toBe(printed);
}

const syntax = fc.constantFrom(
  ...`[](){},:'"\\ \n\r\t#-+._0123456789eEjJxXoObBuUrRfFN{}TrueFalseNoneset\0é😀\u2028`.split(''),
  "'''", '"""', '\\x', '\\u', '\\U', '\\N{', 'set()', '1_0', '0x', '\\\r\n', '\ud800',
);

describe('parsePythonLiteral under fuzzing', () => {
  it('random strings of literal syntax and of any characters', () => {
    // Any code point, lone surrogates included (fc.string's 'binary' unit takes seconds to build).
    const anyText = fc.array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength: 60 }).map((cps) => String.fromCodePoint(...cps));
    const text = fc.oneof(fc.string({ unit: syntax, maxLength: 60 }), anyText, fc.string({ unit: fc.constantFrom('[', '(', '{', ']', ')', '}', ',', ':', '1', "'"), maxLength: 300 }));
    fc.assert(fc.property(text, parsesOrPlacesTheError), { numRuns: 50_000, interruptAfterTimeLimit: BUDGET_MS });
  });

  it('mutations of the real literal cells: cuts, insertions, deletions, copied slices', () => {
    const edit = fc.tuple(fc.nat(), fc.nat({ max: 8 }), fc.string({ unit: syntax, minLength: 1, maxLength: 3 }), fc.constantFrom('truncate', 'insert', 'delete', 'replace', 'copy'));
    const mutated = fc.tuple(fc.constantFrom(...literals), fc.array(edit, { minLength: 1, maxLength: 4 })).map(([cell, edits]) => {
      let text = cell;
      for (const [at, n, s, mode] of edits) {
        const i = at % (text.length + 1);
        if (mode === 'truncate') text = text.slice(0, i);
        else if (mode === 'insert') text = text.slice(0, i) + s + text.slice(i);
        else if (mode === 'delete') text = text.slice(0, i) + text.slice(i + n + 1);
        else if (mode === 'replace') text = text.slice(0, i) + s + text.slice(i + s.length);
        // A slice of the cell pasted elsewhere: brackets and quotes that balance differently.
        else text = text.slice(0, i) + cell.slice(at % cell.length, (at % cell.length) + n * 8) + text.slice(i);
      }
      return text;
    });
    fc.assert(fc.property(mutated, parsesOrPlacesTheError), { numRuns: 20_000, interruptAfterTimeLimit: BUDGET_MS });
  });

  it('the unmutated cells parse, and deep or long inputs stay bounded errors', () => {
    for (const cell of literals) parsesOrPlacesTheError(cell);
    for (const text of ['['.repeat(100_000), '('.repeat(5000) + ')'.repeat(5000), `{'a': ${'['.repeat(150)}${']'.repeat(150)}}`, '1'.repeat(5000), `'${'\\x'.repeat(3000)}`]) {
      expect(() => parsePythonLiteral(text)).toThrow(PythonLiteralError);
      parsesOrPlacesTheError(text);
    }
  });
});
