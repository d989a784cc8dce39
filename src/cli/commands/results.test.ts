/**
 * `lancer results` as a person reads it: the run's line, then one line per try in the ledger's
 * order, printed in chunks as the attempts are read. A real SQLite store in memory.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../main/core/store/database';
import { RunRepo } from '../../main/core/store/run-repo';
import { capturingCliContext } from '../../../tests/helpers/cli-context';
import { resultsCommand } from './results';

describe('lancer results', () => {
  let db: Db;
  let runs: RunRepo;
  beforeEach(() => {
    db = openDatabase(':memory:');
    db.prepare("INSERT INTO datasets (id, name, created_at) VALUES ('d', 'd', 'x')").run();
    db.prepare(`INSERT INTO dataset_versions (id, dataset_id, version, content_hash, csv_hash, schema, source_path, columns_json, extra_columns_json, skipped_json, imported_at)
      VALUES (1, 'd', 1, 'h', 'h', 'current', 'p', '[]', '[]', '[]', 'x')`).run();
    runs = new RunRepo(db);
  });
  afterEach(() => db.close());

  it('prints every try of a run larger than one chunk, in order, each once', async () => {
    // 600 tasks: more than two chunks of 256 lines, and a remainder.
    const tasks = Array.from({ length: 600 }, (_, i) => ({ questionId: `q${String(i).padStart(4, '0')}`, image: 'img', price: 100 + i }));
    runs.createRun({ id: 'r', datasetId: 'd', versionId: 1, solver: { kind: 'null' }, manifest: {} as never, concurrency: 1, maxRetries: 0, tasks });
    const claimed = runs.claim('r', 3, process.pid);
    runs.finish(claimed[0]!.id, 'passed', { earned: 100 });
    runs.finish(claimed[1]!.id, 'error', { error: 'the daemon went away\nstack…' });

    const ctx = capturingCliContext(runs);
    await resultsCommand(ctx, ['r']);
    const lines = ctx.stdout.join('').split('\n');
    expect(lines.pop()).toBe(''); // the output ends with a newline
    expect(lines[0]).toBe(`r (queued): earned $100 of $${(600 * 100 + (599 * 600) / 2).toLocaleString('en-US')}`);
    expect(lines).toHaveLength(601);
    expect(lines.slice(1).map((l) => l.split(' ')[0])).toEqual(tasks.map((t) => t.questionId));
    expect(lines[1]).toBe(`${'q0000'.padEnd(28)} passed         $100`);
    expect(lines[2]).toBe(`${'q0001'.padEnd(28)} error            $0  the daemon went away`);
    expect(lines[600]).toBe(`${'q0599'.padEnd(28)} queued           $0`);
  });

  it('tells repeats and retried tries apart, counted from 1 as the Runs page counts them', async () => {
    runs.createRun({ id: 'r', datasetId: 'd', versionId: 1, solver: { kind: 'null' }, manifest: {} as never, concurrency: 1, maxRetries: 1, attemptsPerTask: 2, tasks: [{ questionId: 'q1', image: 'img', price: 100 }] });
    const [first, second] = runs.claim('r', 2, process.pid);
    runs.finish(first!.id, 'passed', { earned: 100 });
    runs.finish(second!.id, 'error', { error: 'the daemon went away' });
    runs.retry(runs.getRun('r').attempts.find((a) => a.id === second!.id)!);

    const ctx = capturingCliContext(runs);
    await resultsCommand(ctx, ['r']);
    const lines = ctx.stdout.join('').split('\n').slice(1, -1);
    expect(lines).toEqual([
      `${'q1'.padEnd(28)} passed         $100`,
      `${'q1 (attempt 2)'.padEnd(28)} error            $0  (retried)  the daemon went away`,
      `${'q1 (attempt 2, try 2)'.padEnd(28)} queued           $0`,
    ]);
  });

  it('says which run is missing', async () => {
    await expect(resultsCommand(capturingCliContext(runs), ['nope'])).rejects.toThrow('no run nope');
    await expect(resultsCommand(capturingCliContext(runs, { json: true }), ['nope'])).rejects.toThrow('no run nope');
  });
});
