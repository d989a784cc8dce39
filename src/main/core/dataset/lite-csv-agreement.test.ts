import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { parsePythonLiteral, parsePythonLiteralTyped, type PyValue } from './python-literal';
import { toPythonRepr } from './python-repr';

// The official lite CSV lives next to the checkout; it is read in place and never copied.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const csvPath = path.resolve(repoRoot, '../shared/data/swelancer/swelancer_tasks_lite.csv');
const csvAvailable = existsSync(csvPath);
const pythonAvailable = (() => {
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.version_info[0])'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === '3';
})();

type Row = Record<string, string>;
type Dict = Record<string, PyValue>;

interface PythonRow {
  question_id: string;
  manager_data: PyValue;
  acceptable_folders: PyValue;
  prompt: PyValue;
}

/** One python3 process reads the CSV with the csv module and literal_evals every cell. */
function pythonRows(): PythonRow[] {
  const script = `
import ast, csv, json, sys
csv.field_size_limit(sys.maxsize)
out = []
with open(sys.argv[1], newline='', encoding='utf-8-sig') as f:
    for row in csv.DictReader(f):
        md = row['manager_data']
        out.append({
            'question_id': row['question_id'],
            'manager_data': ast.literal_eval(md) if md.strip() else None,
            'acceptable_folders': ast.literal_eval(row['acceptable_folders']),
            'prompt': ast.literal_eval(row['prompt']),
        })
sys.stdout.write(json.dumps(out))
`;
  const r = spawnSync('python3', ['-c', script, csvPath], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, PYTHONIOENCODING: 'utf-8', PYTHONUTF8: '1' },
  });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as PythonRow[];
}

describe.skipIf(!csvAvailable)('official swelancer_tasks_lite.csv', () => {
  let rows: Row[] = [];
  let managerRows: Row[] = [];
  beforeAll(() => {
    rows = parse(readFileSync(csvPath, 'utf8'), { columns: true, bom: true }) as Row[];
    managerRows = rows.filter((row) => (row['manager_data'] ?? '').trim() !== '');
  });

  it('has the documented shape: 174 rows, 113 of them manager tasks', () => {
    expect(rows.length).toBe(174);
    expect(managerRows.length).toBe(113);
    expect(managerRows.every((row) => row['variant'] === 'swe_manager')).toBe(true);
  });

  it('round-trips every repr cell byte for byte through parse and toPythonRepr', () => {
    // The cells were written by Python's repr(), so this checks the parser and the serialiser
    // (quote choice, escapes, printable non-ASCII, float layout) against real data at once.
    const mismatches: string[] = [];
    for (const row of rows) {
      for (const column of ['prompt', 'manager_data', 'acceptable_folders']) {
        const cell = row[column] ?? '';
        if (cell.trim() === '') continue;
        if (toPythonRepr(parsePythonLiteralTyped(cell)) !== cell) mismatches.push(`${row['question_id']}.${column}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('parses manager_data into the documented structure', () => {
    for (const row of managerRows) {
      const data = parsePythonLiteral(row['manager_data'] ?? '') as Dict;
      const game = data['game'] as Dict;
      const formal = game['all_formal_proposals'] as Dict[];
      const correct = game['correct_proposal'] as Dict;
      expect(Object.keys(data).sort()).toEqual(
        ['all_proposals', 'fix_commit_hash', 'game', 'html_description', 'issue_repo_steps', 'price', 'title'],
      );
      expect(typeof game['correct_proposal_scraped_beforehand']).toBe('boolean');
      expect(typeof data['price']).toBe('number');
      expect(typeof data['title']).toBe('string');
      expect(formal.length).toBeGreaterThan(0);
      expect(formal.every((p) => Number.isInteger(p['id']))).toBe(true);
      expect(formal.map((p) => p['id'])).toContain(correct['id']);
    }
  });

  describe.skipIf(!pythonAvailable)('against python3 ast.literal_eval', () => {
    let python: PythonRow[] = [];
    let byId = new Map<string, PythonRow>();
    beforeAll(() => {
      python = pythonRows();
      byId = new Map(python.map((row) => [row.question_id, row]));
    });

    it('sees the same rows as csv-parse', () => {
      expect(python.map((row) => row.question_id)).toEqual(rows.map((row) => row['question_id']));
    });

    it('agrees on every manager_data cell, in full', () => {
      // JSON turns Python's 1000.0 into 1000, matching our plain-number floats, so deep equality holds.
      expect(python.filter((row) => row.manager_data !== null).length).toBe(113);
      for (const row of managerRows) {
        const expected = byId.get(row['question_id'] ?? '');
        expect(parsePythonLiteral(row['manager_data'] ?? '')).toEqual(expected?.manager_data);
      }
    });

    it('agrees on every acceptable_folders and prompt cell', () => {
      for (const row of rows) {
        const expected = byId.get(row['question_id'] ?? '');
        expect(parsePythonLiteral(row['acceptable_folders'] ?? '')).toEqual(expected?.acceptable_folders);
        expect(parsePythonLiteral(row['prompt'] ?? '')).toEqual(expected?.prompt);
      }
    });

    it('agrees on proposal counts, titles and the correct proposal id', () => {
      for (const row of managerRows) {
        const ours = parsePythonLiteral(row['manager_data'] ?? '') as Dict;
        const theirs = byId.get(row['question_id'] ?? '')?.manager_data as Dict;
        const ourGame = ours['game'] as Dict;
        const theirGame = theirs['game'] as Dict;
        expect(ours['title']).toBe(theirs['title']);
        expect((ours['all_proposals'] as PyValue[]).length).toBe((theirs['all_proposals'] as PyValue[]).length);
        expect((ourGame['all_formal_proposals'] as PyValue[]).length).toBe((theirGame['all_formal_proposals'] as PyValue[]).length);
        expect((ourGame['correct_proposal'] as Dict)['id']).toBe((theirGame['correct_proposal'] as Dict)['id']);
      }
    });
  });
});
