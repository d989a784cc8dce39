/**
 * `npm run bench:import`: import time of a 1,488-row CSV (the Lite rows repeated with fresh
 * ids) against Python's csv + ast.literal_eval on the same file, and the task browser's filter
 * latency at 15,000 rows measured in Chromium. Goals: at most a quarter of Python's time;
 * p95 under 16 ms per keystroke.
 *
 * Both import sides run in the same process run, alternating, so a busy machine slows both;
 * the ratio of the medians is the figure to read. Also printed: the database's size against the
 * CSV's, and the floor under this importer's design: reading the file as it does (split into
 * fields, hashed, every field decoded to a string) and SQLite writing the same stored rows, with
 * no parsing or checking at all.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { CsvFileRecords } from '../src/main/core/dataset/csv-reader';
import { importDataset, indexAndHash } from '../src/main/core/dataset/importer';
import { openDatabase } from '../src/main/core/store/database';
import { DatasetRepo } from '../src/main/core/store/dataset-repo';
import { Workbench } from '../src/main/core/workbench';
import { createHandlers } from '../src/main/core/handlers/handlers';
import { startServer } from '../src/main/server/serve';
import { ensureRendererBuilt } from '../src/main/server/renderer-build';
import { makeTempDir } from '../tests/helpers/temp-dir';

const root = path.resolve(import.meta.dirname, '..');
const lite = path.resolve(root, '../shared/data/swelancer/swelancer_tasks_lite.csv');
const source = existsSync(lite) ? lite : path.join(root, 'tests/fixtures/tasks-legacy.csv');
const { dir, cleanup } = makeTempDir('lancer-bench-import-');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const ms = (n: number): string => `${n.toFixed(1)} ms`;

/** Repeats the source rows with fresh question ids until there are `count` rows. */
function repeatRows(count: number): string {
  const [header, ...rows] = parse(readFileSync(source), { bom: true, relax_column_count: true }) as string[][];
  const idCol = header!.indexOf('question_id');
  const out: string[][] = [header!];
  for (let i = 0; out.length <= count; i++) {
    const row = [...rows[i % rows.length]!];
    row[idCol] = `${row[idCol]}-r${Math.floor(i / rows.length)}`;
    out.push(row);
  }
  return stringify(out);
}

/** One import into a fresh database: its time and the size of what it stored. */
async function importOnce(file: string, i: number): Promise<{ ms: number; dbBytes: number; dbFile: string }> {
  const dbFile = path.join(dir, `import-${i}.db`);
  const db = openDatabase(dbFile);
  try {
    const started = performance.now();
    await importDataset(new DatasetRepo(db), { path: file });
    const ms = performance.now() - started;
    // The logical size, WAL included: the file alone may not have had its checkpoint yet.
    const pages = db.pragma('page_count', { simple: true }) as number;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    return { ms, dbBytes: pages * pageSize, dbFile };
  } finally {
    db.close();
  }
}

const PYTHON_PARSE = `
import ast, csv, sys, time
csv.field_size_limit(sys.maxsize)
t = time.perf_counter()
with open(sys.argv[1], newline='', encoding='utf-8-sig') as f:
    for row in csv.DictReader(f):
        for col in ('manager_data', 'acceptable_folders', 'prompt'):
            v = row.get(col)
            if v:
                ast.literal_eval(v)
print((time.perf_counter() - t) * 1000)
`;

/** One run of Python's csv + ast.literal_eval over the file (parse only), in ms; null without python3. */
function pythonOnce(file: string): number | null {
  const r = spawnSync('python3', ['-c', PYTHON_PARSE, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return null;
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

/**
 * SQLite alone writing the rows an import stored (INSERT ... SELECT from that database into a
 * fresh one, commit, then checkpoint): no parsing, no JavaScript per row. A floor for the store.
 */
function storeFloor(importedDb: string, i: number): { insertMs: number; checkpointMs: number } {
  const db = openDatabase(path.join(dir, `floor-${i}.db`));
  try {
    db.pragma('wal_autocheckpoint = 0');
    db.prepare('ATTACH DATABASE ? AS src').run(importedDb);
    const started = performance.now();
    db.transaction(() => {
      for (const table of ['datasets', 'dataset_versions', 'tasks']) db.exec(`INSERT INTO main.${table} SELECT * FROM src.${table}`);
    })();
    const inserted = performance.now();
    db.pragma('wal_checkpoint(PASSIVE)');
    return { insertMs: inserted - started, checkpointMs: performance.now() - inserted };
  } finally {
    db.close();
  }
}

/**
 * What the importer does with the file before it parses anything: split it into records and
 * fields while hashing its bytes (the version's identity), then decode every field to a string.
 * No Python literal is parsed and no row is checked.
 */
function readFloor(file: string): { indexMs: number; decodeMs: number } {
  const started = performance.now();
  const { index } = indexAndHash(file);
  const indexed = performance.now();
  const records = new CsvFileRecords(file, index);
  try {
    let chars = 0;
    for (let i = 0; i < index.count; i++) for (const field of records.fields(i)) chars += field.length;
    if (chars === 0) throw new Error(`${file}: no text decoded`);
  } finally {
    records.close();
  }
  return { indexMs: indexed - started, decodeMs: performance.now() - indexed };
}

/** A 15,000-row current-schema CSV with real titles and descriptions from the source rows. */
function browserDataset(count: number): string {
  const [header, ...rows] = parse(readFileSync(source), { bom: true, relax_column_count: true }) as string[][];
  const col = (name: string): number => header!.indexOf(name);
  const out = [['question_id', 'variant', 'price', 'price_limit', 'manager_data', 'manager_commit', 'acceptable_folders', 'cwd', 'set', 'title', 'description', 'proposals']];
  for (let i = 0; i < count; i++) {
    const r = rows[i % rows.length]!;
    const prompt = r[col('prompt')] ?? '';
    const text = prompt.slice(0, 3000).replace(/\\n/g, '\n');
    const title = (text.split('following issue:')[1] ?? text).trim().split('\n')[0]?.slice(0, 200) || `Task ${i}`;
    out.push([`${9000 + i}`, 'ic_swe', r[col('price')] ?? '1000.0', '2000000', '', '', `['${9000 + i}']`, '/app/expensify', i % 3 ? 'diamond' : 'nondiamond', title, text, '']);
  }
  return stringify(out);
}

async function main(): Promise<void> {
  console.log(`Source rows: ${source}`);
  const file = path.join(dir, 'tasks-1488.csv');
  writeFileSync(file, repeatRows(1488));
  const csvBytes = statSync(file).size;
  console.log(`1,488-row CSV: ${(csvBytes / 1e6).toFixed(1)} MB`);

  const runs = 3;
  const ours: number[] = [];
  const python: number[] = [];
  const floors: { insertMs: number; checkpointMs: number }[] = [];
  const reads: { indexMs: number; decodeMs: number }[] = [];
  let dbBytes = 0;
  for (let i = 0; i < runs; i++) {
    const run = await importOnce(file, i);
    ours.push(run.ms);
    dbBytes = run.dbBytes;
    const py = pythonOnce(file);
    if (py !== null) python.push(py);
    floors.push(storeFloor(run.dbFile, i));
    reads.push(readFloor(file));
  }
  const list = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(', ');
  console.log(`import (parse + validate + store), median of ${runs}: ${ms(median(ours))} (runs: ${list(ours)} ms)`);
  console.log(`database: ${(dbBytes / 1e6).toFixed(1)} MB for the ${(csvBytes / 1e6).toFixed(1)} MB CSV (${(dbBytes / csvBytes).toFixed(2)}x the CSV's size)`);
  const floor = { insert: median(floors.map((f) => f.insertMs)), checkpoint: median(floors.map((f) => f.checkpointMs)) };
  const read = { index: median(reads.map((r) => r.indexMs)), decode: median(reads.map((r) => r.decodeMs)) };
  if (python.length === 0) {
    console.log('python3 not found: no comparison');
  } else {
    const ratio = median(ours) / median(python);
    console.log(`python3 csv + ast.literal_eval (parse only), median of ${runs}: ${ms(median(python))} (runs: ${list(python)} ms)`);
    console.log(`ratio ours/python: ${ratio.toFixed(2)} (per run: ${ours.map((o, i) => (o / (python[i] ?? NaN)).toFixed(2)).join(', ')})`);
    console.log(ratio <= 0.25 ? `GOAL MET: ${ratio.toFixed(2)} <= 0.25 of Python's parse time` : `GOAL NOT MET: ${ratio.toFixed(2)} > 0.25 of Python's parse time`);
    console.log(
      `store floor, SQLite alone writing the same rows: insert + commit ${ms(floor.insert)} (${(floor.insert / median(python)).toFixed(2)}x python), ` +
        `then checkpoint ${ms(floor.checkpoint)} (${(floor.checkpoint / median(python)).toFixed(2)}x python)`,
    );
    const x = (n: number): string => `${(n / median(python)).toFixed(2)}x python`;
    console.log(`read floor, the file split and hashed ${ms(read.index)} (${x(read.index)}), every field decoded ${ms(read.decode)} (${x(read.decode)})`);
    const bare = read.index + read.decode + floor.insert + floor.checkpoint;
    console.log(
      `floor of an import reading the file this way and storing these rows (read + SQLite, no parsing or checking): ${ms(bare)}, ${x(bare)}; ` +
        `without the checkpoint ${ms(bare - floor.checkpoint)}, ${x(bare - floor.checkpoint)}`,
    );
  }

  const benchFilter = path.join(root, 'scripts', 'bench-filter-latency.ts');
  if (!existsSync('/usr/bin/chromium') || !existsSync(benchFilter)) {
    console.log('filter latency: skipped (needs /usr/bin/chromium and the task browser)');
    return;
  }
  const big = path.join(dir, 'tasks-15000.csv');
  writeFileSync(big, browserDataset(15_000));
  const wb = new Workbench({ dataDir: path.join(dir, 'ui'), version: 'bench', transport: 'serve' });
  await importDataset(wb.datasets, { path: big, name: 'bench-15000' });
  const server = await startServer({ handlers: createHandlers(wb), events: wb.events, rendererDir: ensureRendererBuilt(root, console.log) });
  try {
    const { measureFilterLatency } = (await import(benchFilter)) as {
      measureFilterLatency(o: { url: string; keystrokes: string }): Promise<{ samples: number[]; p50: number; p95: number }>;
    };
    const result = await measureFilterLatency({ url: server.url, keystrokes: 'expensify report workspace' });
    console.log(`filter latency at 15,000 rows over ${result.samples.length} keystrokes: p50 ${ms(result.p50)}, p95 ${ms(result.p95)} (goal: p95 under 16 ms)`);
  } finally {
    await server.close();
    wb.close();
  }
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(cleanup);
