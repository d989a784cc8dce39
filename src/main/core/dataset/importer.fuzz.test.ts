/**
 * Fuzzes the task-CSV importer with random and mutated rows of both official schemas, built from
 * the fixtures in tests/fixtures. Whatever the file holds, the import either succeeds or fails
 * with an invalid_input error that names its place: the row and line with the column or the
 * question_id, the CSV line, or the header's columns. Never an uncaught TypeError or RangeError
 * and never a hang (vitest's timeout catches one). Each property runs for a bounded time.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/result';
import { makeTempDir } from '../../../../tests/helpers/temp-dir';
import { openDatabase, type Db } from '../store/database';
import { DatasetRepo } from '../store/dataset-repo';
import { readCsvRecords } from './csv-reader';
import { importDataset } from './importer';
import { parsePythonLiteralTyped } from './python-literal';
import { PyFloat, PyTuple, toPythonRepr, type ReprValue } from './python-repr';

/** Per-property budget: fast-check stops starting new runs after this and the property passes. */
const BUDGET_MS = 2_500;
const fixtures = path.resolve(import.meta.dirname, '../../../../tests/fixtures');

interface Table {
  header: string[];
  rows: string[][];
}

function fixture(name: string): Table {
  const file = path.join(fixtures, name);
  const [header, ...rows] = readCsvRecords(readFileSync(file), file).map((r) => r.fields);
  return { header: header ?? [], rows };
}
const tables = { current: fixture('tasks-current.csv'), legacy: fixture('tasks-legacy.csv') };

/** RFC 4180 with every field quoted, so any cell text survives; `eol` between records. */
function toCsv(table: Table, eol: string): string {
  const quote = (f: string): string => `"${f.replaceAll('"', '""')}"`;
  return [table.header, ...table.rows].map((r) => r.map(quote).join(',')).join(eol) + eol;
}

// ---------------------------------------------------------------------------------------------
// generators

const syntaxChar = fc.constantFrom(...`[](){},:'"\\ \n\r\t#-+._0123456789eEjxXuUrN{}TrueFalseNone\0é😀\u2028`.split(''), "'''", '\\x', '\\u');
const scalar: fc.Arbitrary<ReprValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 20 }),
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 70n }),
  fc.double().map((d) => new PyFloat(d)),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('__proto__', 'user', 'content', 'role', 'id', 'game'),
);
const { value: pyValue } = fc.letrec<{ value: ReprValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.array(tie('value'), { maxLength: 3 }).map((items) => new PyTuple(items)),
    fc.dictionary(fc.constantFrom('id', 'content', 'role', 'game', 'title', '__proto__', 'x'), tie('value'), { maxKeys: 3 }),
  ),
}));

/** Replaces the `n`-th node (pre-order, modulo the count) of a parsed literal with `by`. */
function replaceNode(root: ReprValue, n: number, by: ReprValue): ReprValue {
  const nodes: { parent: ReprValue[] | Record<string, ReprValue> | null; key: string | number }[] = [{ parent: null, key: 0 }];
  const walk = (v: ReprValue): void => {
    const children = v instanceof PyTuple ? null : Array.isArray(v) ? v : v !== null && typeof v === 'object' && !(v instanceof PyFloat) ? v : null;
    if (!children) return;
    for (const key of Object.keys(children)) {
      const child = (children as Record<string, ReprValue>)[key] as ReprValue;
      nodes.push({ parent: children, key: Array.isArray(children) ? Number(key) : key });
      walk(child);
    }
  };
  walk(root);
  const { parent, key } = nodes[n % nodes.length]!;
  if (parent === null) return by;
  (parent as Record<string | number, ReprValue>)[key] = by;
  return root;
}

/** One change to a table; applied in sequence to a deep copy of a fixture. */
type Mutation = (t: Table) => void;
const at = (n: number, length: number): number => (length === 0 ? 0 : n % length);

const cellText = fc.oneof(
  fc.constantFrom('', ' ', 'nan', '-1', '1e309', 'NaN', 'Infinity', '0x10', '500.0', 'ic_swe', 'swe_manager', '[]', '{}', "['a', 1]", '__proto__', 'a/b', '601'),
  fc.string({ unit: syntaxChar, maxLength: 30 }),
  fc.string({ maxLength: 20 }),
  pyValue.map(toPythonRepr),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // A cell replaced by odd text.
  fc.tuple(fc.nat(), fc.nat(), cellText).map(([r, c, text]): Mutation => (t) => {
    const row = t.rows[at(r, t.rows.length)];
    if (row) row[at(c, row.length)] = text;
  }),
  // A Python-literal cell with one node of its value swapped for a random value.
  fc.tuple(fc.nat(), fc.constantFrom('manager_data', 'prompt', 'acceptable_folders'), fc.nat(), pyValue).map(([r, column, n, by]): Mutation => (t) => {
    const c = t.header.indexOf(column);
    const row = t.rows[at(r, t.rows.length)];
    const text = row?.[c];
    if (!row || c < 0 || !text) return;
    let value: ReprValue;
    try {
      value = parsePythonLiteralTyped(text);
    } catch {
      return; // an earlier mutation already broke the cell
    }
    row[c] = toPythonRepr(replaceNode(value, n, by));
  }),
  // Characters inserted into, deleted from or cut off a cell.
  fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.string({ unit: syntaxChar, maxLength: 3 }), fc.constantFrom('insert', 'delete', 'truncate')).map(
    ([r, c, i, s, mode]): Mutation => (t) => {
      const row = t.rows[at(r, t.rows.length)];
      if (!row) return;
      const ci = at(c, row.length);
      const text = row[ci] ?? '';
      const p = i % (text.length + 1);
      row[ci] = mode === 'insert' ? text.slice(0, p) + s + text.slice(p) : mode === 'delete' ? text.slice(0, p) + text.slice(p + 3) : text.slice(0, p);
    },
  ),
  // Rows with a field too few or too many, duplicated, or dropped.
  fc.tuple(fc.nat(), fc.constantFrom('pop', 'push', 'duplicate', 'drop')).map(([r, op]): Mutation => (t) => {
    const i = at(r, t.rows.length);
    const row = t.rows[i];
    if (!row) return;
    if (op === 'pop') row.pop();
    else if (op === 'push') row.push('extra');
    else if (op === 'duplicate') t.rows.push([...row]);
    else t.rows.splice(i, 1);
  }),
  // The header: a column renamed (to a known name, a duplicate, an odd one) or an extra column.
  fc.tuple(fc.nat(), fc.constantFrom('prompt', 'title', 'question_id', '__proto__', 'constructor', ' cwd ', '', 'difficulty')).map(([c, name]): Mutation => (t) => {
    t.header[at(c, t.header.length)] = name;
  }),
  fc.constantFrom('__proto__', 'toString', 'notes').map((name): Mutation => (t) => {
    t.header.push(name);
    for (const row of t.rows) row.push(`${name} value`);
  }),
);

const table = fc
  .tuple(fc.constantFrom<keyof typeof tables>('current', 'legacy'), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([schema, mutations]) => {
    const t: Table = { header: [...tables[schema].header], rows: tables[schema].rows.map((r) => [...r]) };
    for (const m of mutations) m(t);
    return t;
  });

// ---------------------------------------------------------------------------------------------
// the property

const ROW_ERROR = /: row (\d+) \(line (\d+)(, question_id .*?)?\)(?:, column ([a-z_]+))?: /s;
const FILE_ERRORS = [/: not a valid CSV at line \d+: /, /missing required columns? "/, /appears twice in the header/, /not a SWE-Lancer task CSV/, /: the file is empty$/, /: no task to import/];

describe('importDataset under fuzzing', () => {
  let db: Db;
  let repo: DatasetRepo;
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => {
    ({ dir, cleanup } = makeTempDir());
    db = openDatabase(':memory:');
    repo = new DatasetRepo(db);
  });
  afterAll(() => {
    db.close();
    cleanup();
  });

  /** Imports `text`; checks that success or failure is one of the documented outcomes. */
  async function importsOrNamesThePlace(text: string, header: string[], records: number, skipBadRows: boolean): Promise<void> {
    const file = path.join(dir, 'fuzz.csv');
    writeFileSync(file, text);
    let report;
    try {
      report = await importDataset(repo, { path: file, skipBadRows });
    } catch (error) {
      // Anything but a documented refusal (a TypeError, a RangeError) fails the property here.
      if (!(error instanceof AppError)) throw error;
      expect(error.code).toBe('invalid_input');
      expect(error.message.startsWith(`${file}: `), error.message).toBe(true);
      const row = ROW_ERROR.exec(error.message);
      if (!row) {
        expect(FILE_ERRORS.some((p) => p.test(error.message)), error.message).toBe(true);
        return;
      }
      expect(Number(row[1])).toBeGreaterThanOrEqual(1);
      expect(Number(row[1])).toBeLessThanOrEqual(records);
      // The place: a column of the header, or the question_id, or the field count.
      if (row[4] !== undefined) expect(header.map((h) => h.trim())).toContain(row[4]);
      else expect(row[3] !== undefined || /fields, the header has/.test(error.message), error.message).toBe(true);
      return;
    }
    expect(report.taskCount).toBeGreaterThan(0);
    if (!skipBadRows) expect(report.skipped).toEqual([]);
    for (const s of report.skipped) {
      expect(s.row).toBeGreaterThanOrEqual(1);
      expect(s.column === null || header.map((h) => h.trim()).includes(s.column), s.message).toBe(true);
      expect(s.message).toMatch(/^row \d+ \(line \d+/);
    }
  }

  it('mutated rows and headers of both schemas import or fail naming row and column', async () => {
    await fc.assert(
      fc.asyncProperty(table, fc.constantFrom('\n', '\r\n'), fc.boolean(), async (t, eol, skip) => {
        await importsOrNamesThePlace(toCsv(t, eol), t.header, t.rows.length, skip);
      }),
      { numRuns: 5_000, interruptAfterTimeLimit: BUDGET_MS },
    );
  }, 20_000);

  it('random bytes and CSV-level damage (quotes, separators, line breaks, cuts) never escape as another error', async () => {
    const damage = fc.tuple(fc.nat(), fc.string({ unit: fc.constantFrom('"', ',', '\r', '\n', '\uFEFF', "'", ' ', 'x'), minLength: 1, maxLength: 4 }), fc.constantFrom('insert', 'replace', 'truncate'));
    const text = fc.oneof(
      fc.string({ unit: fc.constantFrom('"', ',', '\r', '\n', 'a', '1', ' '), maxLength: 200 }),
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a).toString('latin1')),
      fc.tuple(table, fc.array(damage, { minLength: 1, maxLength: 3 })).map(([t, damages]) => {
        let csv = toCsv(t, '\n');
        for (const [i, s, mode] of damages) {
          const p = i % (csv.length + 1);
          csv = mode === 'insert' ? csv.slice(0, p) + s + csv.slice(p) : mode === 'replace' ? csv.slice(0, p) + s + csv.slice(p + s.length) : csv.slice(0, p);
        }
        return csv;
      }),
    );
    await fc.assert(
      fc.asyncProperty(text, fc.boolean(), async (csv, skip) => {
        // The header and record count of damaged text are whatever the CSV reader makes of it.
        let header: string[] = [];
        let records = 0;
        try {
          const parsed = readCsvRecords(Buffer.from(csv), 'x');
          header = parsed[0]?.fields ?? [];
          records = Math.max(0, parsed.length - 1);
        } catch {
          // Not a CSV: the import must say so (checked by the file-level patterns).
        }
        await importsOrNamesThePlace(csv, header, records, skip);
      }),
      { numRuns: 5_000, interruptAfterTimeLimit: BUDGET_MS },
    );
  }, 20_000);

  describe('regressions found by fuzzing', () => {
    const legacyHeader = 'question_id,variant,price,price_limit,prompt,manager_data,manager_commit,acceptable_folders,cwd';

    it("a prompt message whose role is a dict names row and column (was a TypeError from String())", async () => {
      const file = path.join(dir, 'role.csv');
      writeFileSync(file, `${legacyHeader}\n1,ic_swe,5.0,1,"[{'content': 'x', 'role': {}}]",,,[],/x\n`);
      const error = await importDataset(repo, { path: file }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as Error).message).toBe(`${file}: row 1 (line 2, question_id 1), column prompt: must be a Python list of {'content': str, 'role': str} dicts`);
    });

    it('a role of None still means the default role', async () => {
      const file = path.join(dir, 'none-role.csv');
      writeFileSync(file, `${legacyHeader}\n1,ic_swe,5.0,1,"[{'content': 'x', 'role': None}]",,,[],/x\n`);
      const report = await importDataset(repo, { path: file });
      expect(repo.getTask(`${report.datasetId}/1`).prompt).toEqual([{ role: 'user', content: 'x' }]);
    });
  });
});