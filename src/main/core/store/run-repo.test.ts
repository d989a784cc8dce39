import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AttemptState, Tally } from '../../../shared/runs';
import { sumUsage, type UsageSummary } from '../../../shared/agents';
import { applyMigrations, defaultMigrationsDir, loadMigrations, openDatabase, type Db } from './database';
import { RunRepo } from './run-repo';

const MANIFEST = {} as never;

function seedDataset(db: Db): void {
  db.prepare("INSERT INTO datasets (id, name, created_at) VALUES ('d', 'd', 'x')").run();
  db.prepare(`INSERT INTO dataset_versions (id, dataset_id, version, content_hash, csv_hash, schema, source_path, columns_json, extra_columns_json, skipped_json, imported_at)
    VALUES (1, 'd', 1, 'h', 'h', 'current', 'p', '[]', '[]', '[]', 'x')`).run();
}

/** A run's tally and usage counted the way RunRepo counted them before they were kept (the reference). */
function recounted(db: Db, runId: string): { tally: Tally; usage: UsageSummary | null } {
  const rows = db.prepare('SELECT question_id, state, price, earned, retried, usage_json FROM attempts WHERE run_id = ? ORDER BY rowid').all(runId) as {
    question_id: string; state: AttemptState; price: number; earned: number; retried: number; usage_json: string | null;
  }[];
  const counted = rows.filter((r) => r.retried === 0);
  const tally: Tally = { tasks: new Set(counted.map((r) => r.question_id)).size, attempts: counted.length, passed: 0, failed: 0, timeout: 0, error: 0, cancelled: 0, pending: 0, earned: 0, available: 0 };
  for (const r of counted) {
    tally.available += r.price;
    tally.earned += r.earned;
    if (r.state === 'passed' || r.state === 'failed' || r.state === 'timeout' || r.state === 'error' || r.state === 'cancelled') tally[r.state] += 1;
    else tally.pending += 1;
  }
  const used = rows.filter((r) => r.usage_json !== null);
  const usage = used.length === 0 ? null : used.reduce((sum, r) => sumUsage(sum, JSON.parse(r.usage_json!) as UsageSummary), {
    requests: 0, inputTokens: 0, cachedTokens: 0, outputTokens: 0, reasoningTokens: 0, costUsd: 0, estimated: false,
  });
  return { tally, usage };
}

/** Dollars summed in another order may differ in the last bits: compared to the cent's millionth. */
function expectSameCounts(runs: RunRepo, db: Db, runId: string): void {
  const want = recounted(db, runId);
  const tally = runs.tally(runId);
  expect({ ...tally, earned: 0, available: 0 }).toEqual({ ...want.tally, earned: 0, available: 0 });
  expect(tally.earned).toBeCloseTo(want.tally.earned, 6);
  expect(tally.available).toBeCloseTo(want.tally.available, 6);
  const usage = runs.runUsage(runId);
  if (want.usage === null) expect(usage).toBeNull();
  else {
    expect({ ...usage!, costUsd: 0 }).toEqual({ ...want.usage, costUsd: 0 });
    expect(usage!.costUsd).toBeCloseTo(want.usage.costUsd, 9);
  }
  // The list and the single summary read the same kept counts.
  expect(runs.listRuns().find((r) => r.id === runId)?.tally).toEqual(tally);
  expect(runs.runSummary(runId).usage).toEqual(usage);
}

const usage = (n: number, estimated = false): UsageSummary => ({
  requests: n, inputTokens: 1000 * n, cachedTokens: 100 * n, outputTokens: 10 * n, reasoningTokens: n, costUsd: 0.013 * n, estimated,
});

describe('RunRepo kept counts (run_tallies)', () => {
  let db: Db;
  let runs: RunRepo;

  beforeEach(() => {
    db = openDatabase(':memory:');
    seedDataset(db);
    runs = new RunRepo(db);
  });
  afterEach(() => db.close());

  const newRun = (id: string, tasks: string[], attemptsPerTask = 1): void =>
    runs.createRun({
      id, datasetId: 'd', versionId: 1, solver: { kind: 'null' }, manifest: MANIFEST, concurrency: 2, maxRetries: 1, attemptsPerTask,
      tasks: tasks.map((questionId, i) => ({ questionId, image: 'img', price: 250 * (i + 1) + 0.5 })),
    });

  it('foretells the image of the attempt the next claim takes, and none once nothing is queued', () => {
    runs.createRun({
      id: 'r-img', datasetId: 'd', versionId: 1, solver: { kind: 'null' }, manifest: MANIFEST, concurrency: 1, maxRetries: 1, attemptsPerTask: 2,
      tasks: ['q3', 'q1', 'q2'].map((questionId) => ({ questionId, image: `img-${questionId}`, price: 1 })),
    });
    const claimedImages: string[] = [];
    for (let i = 0; i < 6; i++) {
      const foretold = runs.nextQueuedImage('r-img');
      const [claimed] = runs.claim('r-img', 1, process.pid);
      expect(foretold).toBe(claimed!.image);
      claimedImages.push(claimed!.image);
    }
    // Several images, each claimed twice (the order is claim's own, attempt-major).
    expect(new Set(claimedImages).size).toBe(3);
    expect(runs.nextQueuedImage('r-img')).toBeNull();
    expect(runs.nextQueuedImage('no-such-run')).toBeNull();
  });

  it('follows a run through claims, phases, outcomes, retries, usage, requeues and cancellation', () => {
    newRun('r1', ['q1', 'q2', 'q3'], 2);
    expectSameCounts(runs, db, 'r1');
    expect(runs.tally('r1')).toMatchObject({ tasks: 3, attempts: 6, pending: 6, available: 3 * 2 * 500 + 3 });

    const claimed = runs.claim('r1', 4, process.pid);
    runs.setPhase(claimed[0]!.id, 'setup', 'setup');
    runs.setPhase(claimed[0]!.id, 'solving', 'solving');
    runs.setAgentResult(claimed[0]!.id, usage(3), 'finished');
    runs.setAgentResult(claimed[0]!.id, usage(2, true), 'finished'); // a redo adds to what was spent
    runs.finish(claimed[0]!.id, 'passed', { earned: 250.5 });
    runs.finish(claimed[1]!.id, 'failed', {});
    runs.finish(claimed[2]!.id, 'error', { error: 'boom' });
    expectSameCounts(runs, db, 'r1');

    // A retried try stops counting; its next try counts in its place (the task still counts once).
    const next = runs.retry({ ...runs.attempt(claimed[2]!.id) });
    expectSameCounts(runs, db, 'r1');
    runs.setAgentResult(claimed[2]!.id, usage(1), null); // a retried try's tokens still count in usage
    expectSameCounts(runs, db, 'r1');

    expect(runs.requeueInterrupted(claimed[3]!.id, 'the daemon went away')).toBe(true);
    runs.claim('r1', 1, process.pid);
    runs.finish(next, 'passed', { earned: 750.5 });
    runs.cancelQueued('r1', 'budget spent');
    expectSameCounts(runs, db, 'r1');
    expect(runs.tally('r1')).toMatchObject({ tasks: 3, attempts: 6, pending: 1, passed: 2, failed: 1, cancelled: 2 });
    expect(runs.runUsage('r1')).toMatchObject({ requests: 6, estimated: true });
    // The run's summaries (read without the large outputs) are the attempts' own, field for field.
    const summaries = runs.attempts('r1');
    expect(summaries).toEqual(summaries.map((a) => runs.attempt(a.id)));
    // Read one at a time (`lancer results`), they are the same, in the same order.
    expect([...runs.eachAttempt('r1')]).toEqual(summaries);
  });

  it('keeps counts right under writes that bypass RunRepo: raw SQL updates, deletes, a try moved between tasks', () => {
    newRun('r1', ['q1', 'q2']);
    newRun('r2', ['q1']);
    db.prepare("UPDATE attempts SET state = 'passed', earned = price WHERE run_id = 'r1' AND question_id = 'q1'").run();
    db.prepare("UPDATE attempts SET usage_json = ? WHERE run_id = 'r1' AND question_id = 'q2'").run(JSON.stringify(usage(4)));
    expectSameCounts(runs, db, 'r1');
    // q2's only try becomes q1's second: two tries of one task, one task left.
    db.prepare("UPDATE attempts SET question_id = 'q1', attempt_index = 1 WHERE run_id = 'r1' AND question_id = 'q2'").run();
    expectSameCounts(runs, db, 'r1');
    expect(runs.tally('r1').tasks).toBe(1);
    // Moved to another run: out of one tally, into the other.
    db.prepare("UPDATE attempts SET run_id = 'r2', attempt_index = 5 WHERE run_id = 'r1' AND attempt_index = 1").run();
    expectSameCounts(runs, db, 'r1');
    expectSameCounts(runs, db, 'r2');
    db.prepare("DELETE FROM attempts WHERE run_id = 'r2' AND attempt_index = 0").run();
    expectSameCounts(runs, db, 'r2');
    // Usage that is not JSON is not counted (and does not fail the write).
    const tally = runs.tally('r2');
    expect(runs.runUsage('r2')).toMatchObject({ requests: 4 });
    db.prepare("UPDATE attempts SET usage_json = 'not json' WHERE run_id = 'r2'").run();
    expect(runs.tally('r2')).toEqual(tally);
    expect(runs.runUsage('r2')).toBeNull();
  });

  it('drops the counts with the run, and never lists a run twice or misses one', () => {
    newRun('r1', ['q1', 'q2']);
    newRun('r2', ['q1']);
    runs.deleteRun('r1');
    expect(db.prepare('SELECT run_id FROM run_tallies').all()).toEqual([{ run_id: 'r2' }]);
    expect(runs.listRuns().map((r) => r.id)).toEqual(['r2']);
    // A run without a counts row (none can be made, but the list must not lose it) is recounted.
    db.prepare("DELETE FROM run_tallies WHERE run_id = 'r2'").run();
    expect(runs.listRuns().map((r) => [r.id, r.tally.attempts])).toEqual([['r2', 1]]);
    expect(runs.runSummary('r2').tally.tasks).toBe(1);
  });

  it('matches a recount after any sequence of the ledger writes', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('claim' as const), n: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('finish' as const), pick: fc.nat(), outcome: fc.constantFrom('passed', 'failed', 'timeout', 'error', 'cancelled') as fc.Arbitrary<'passed'> }),
      fc.record({ kind: fc.constant('retry' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('usage' as const), pick: fc.nat(), n: fc.integer({ min: 0, max: 5 }), estimated: fc.boolean() }),
      fc.record({ kind: fc.constant('requeue' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('cancel' as const) }),
      fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), fc.integer({ min: 1, max: 3 }), (ops, repeats) => {
        db.prepare('DELETE FROM runs').run();
        newRun('r', ['a', 'b', 'c'], repeats);
        const pickAttempt = (n: number): string | undefined => {
          const ids = (db.prepare("SELECT id FROM attempts WHERE run_id = 'r' ORDER BY id").all() as { id: string }[]).map((r) => r.id);
          return ids.length === 0 ? undefined : ids[n % ids.length];
        };
        for (const o of ops) {
          const id = 'pick' in o ? pickAttempt(o.pick) : undefined;
          if (o.kind === 'claim') runs.claim('r', o.n, process.pid);
          else if (o.kind === 'cancel') runs.cancelQueued('r');
          else if (id === undefined) continue;
          else if (o.kind === 'finish') runs.finish(id, o.outcome, { earned: o.outcome === 'passed' ? 10.25 : 0 });
          else if (o.kind === 'usage') runs.setAgentResult(id, usage(o.n, o.estimated), null);
          else if (o.kind === 'requeue') runs.requeueInterrupted(id, 'outage');
          else if (o.kind === 'delete') db.prepare('DELETE FROM attempts WHERE id = ?').run(id);
          else if (o.kind === 'retry') {
            const a = runs.attempt(id);
            // The engine retries the newest try only; an id already taken is skipped.
            if (!a.retried && db.prepare('SELECT 1 FROM attempts WHERE run_id = ? AND question_id = ? AND attempt_index = ? AND try_index = ?').get('r', a.questionId, a.attemptIndex, a.tryIndex + 1) === undefined) runs.retry(a);
          }
          expectSameCounts(runs, db, 'r');
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('RunRepo log lines', () => {
  let db: Db;
  let runs: RunRepo;

  beforeEach(() => {
    db = openDatabase(':memory:');
    seedDataset(db);
    runs = new RunRepo(db);
    runs.createRun({ id: 'r', datasetId: 'd', versionId: 1, solver: { kind: 'null' }, manifest: MANIFEST, concurrency: 1, maxRetries: 0, tasks: [{ questionId: 'q1', image: 'i', price: 1 }, { questionId: 'q2', image: 'i', price: 1 }] });
  });
  afterEach(() => db.close());

  it('pages each attempt’s lines in order by id, interleaved writes kept apart', () => {
    const [a, b] = runs.attempts('r').map((x) => x.id) as [string, string];
    for (let batch = 0; batch < 5; batch++) {
      runs.appendLogs([
        { attemptId: a, phase: 'setup', at: `t${batch}`, text: `a${batch}` },
        { attemptId: b, phase: 'solving', at: `t${batch}`, text: `b${batch}` },
        { attemptId: a, phase: 'setup', at: `t${batch}`, text: `a${batch}'` },
      ]);
    }
    const all = runs.logs(a);
    expect(all.map((l) => l.text)).toEqual(['a0', "a0'", 'a1', "a1'", 'a2', "a2'", 'a3', "a3'", 'a4', "a4'"]);
    expect(all[0]).toMatchObject({ phase: 'setup', at: 't0' });
    const first = runs.logs(a, 0, 4);
    const rest = runs.logs(a, first[first.length - 1]!.id, 4);
    expect([...first, ...rest].map((l) => l.text)).toEqual(all.slice(0, 8).map((l) => l.text));
    expect(runs.logs(b).map((l) => l.text)).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
    expect(runs.logs('no-such-attempt')).toEqual([]);
    // The old table's shape still reads (a view) and takes inserts.
    db.prepare("INSERT INTO attempt_logs (attempt_id, phase, at, text) VALUES (?, 'grading', 't9', 'via the view')").run(b);
    expect(runs.logs(b).at(-1)).toMatchObject({ text: 'via the view', phase: 'grading' });
    expect(db.prepare('SELECT count(*) AS n FROM attempt_logs WHERE attempt_id = ?').get(a)).toEqual({ n: 10 });
    expect(() => db.prepare("INSERT INTO attempt_logs (attempt_id, phase, at, text) VALUES ('ghost', 'setup', 't', 'x')").run()).toThrow(/FOREIGN KEY/);
  });

  it('deletes an attempt’s lines and key with its run', () => {
    const [a] = runs.attempts('r').map((x) => x.id) as [string];
    runs.appendLogs([{ attemptId: a, phase: 'setup', at: 't', text: 'x' }]);
    runs.deleteRun('r');
    expect(db.prepare('SELECT (SELECT count(*) FROM log_lines) AS lines, (SELECT count(*) FROM log_attempts) AS keys').get()).toEqual({ lines: 0, keys: 0 });
  });

  it('reads a run’s grader logs, artifacts and transcripts at once, as per attempt', () => {
    const [a, b] = runs.attempts('r').map((x) => x.id) as [string, string];
    runs.finish(a, 'passed', { earned: 1, grader: { variant: 'ic_swe', earned: 1, available: 1, notes: 'ok' } });
    runs.addArtifact(a, { kind: 'trace', name: 't2.zip', sha256: 'f'.repeat(64), bytes: 5 });
    runs.addArtifact(a, { kind: 'trace', name: 't1.zip', sha256: 'e'.repeat(64), bytes: 7 });
    runs.addArtifact(b, { kind: 'video', name: 'v.webm', sha256: 'e'.repeat(64), bytes: 7 });
    for (const [attempt, index] of [[b, 1], [a, 0], [b, 0]] as const) {
      runs.addStep(attempt, { index, at: 't', kind: 'note', message: `${attempt}#${index}`, toolCall: null, observation: null, observationBytes: null, observationSha256: null, exitCode: null, durationMs: 1, usage: null, costUsd: null, fallback: false, note: null });
    }
    const extras = runs.attemptExtras('r', { steps: true });
    for (const id of [a, b]) {
      const detail = runs.attemptDetail(id);
      expect(extras.get(id)).toEqual({ grader: detail.grader, artifacts: detail.artifacts, steps: runs.steps(id) });
    }
    expect(runs.attemptExtras('r').get(a)).not.toHaveProperty('steps');
  });
});

/** A store with the migrations before `id` applied, the dataset seeded and a finished run 'r'. */
function storeBefore(id: string): { old: Db; all: ReturnType<typeof loadMigrations> } {
  const all = loadMigrations(defaultMigrationsDir());
  const old = new Database(':memory:');
  old.pragma('foreign_keys = ON');
  applyMigrations(old, all.filter((m) => m.id < id));
  seedDataset(old);
  old.prepare(`INSERT INTO runs (id, status, dataset_id, version_id, solver_json, manifest_json, concurrency, max_retries, created_at)
    VALUES ('r', 'finished', 'd', 1, '{"kind":"null"}', '{}', 1, 0, 'x')`).run();
  return { old, all };
}

describe('migration 0010 on a store made before it', () => {
  it('fills the counts of the runs stored and moves their log lines, ids kept', () => {
    const { old, all } = storeBefore('0010');
    old.prepare(`INSERT INTO runs (id, status, dataset_id, version_id, solver_json, manifest_json, concurrency, max_retries, created_at)
      VALUES ('empty', 'queued', 'd', 1, '{"kind":"gold"}', '{}', 1, 0, 'y')`).run();
    const insert = old.prepare(`INSERT INTO attempts (id, run_id, question_id, attempt_index, try_index, retried, state, image, price, earned, queued_at, usage_json)
      VALUES (?, 'r', ?, 0, ?, ?, ?, 'i', ?, ?, 'x', ?)`);
    insert.run('r.q1.0.0', 'q1', 0, 1, 'error', 100, 0, JSON.stringify(usage(1)));
    insert.run('r.q1.0.1', 'q1', 1, 0, 'passed', 100, 100, JSON.stringify(usage(2)));
    insert.run('r.q2.0.0', 'q2', 0, 0, 'failed', 300.5, 0, null);
    insert.run('r.q3.0.0', 'q3', 0, 0, 'queued', 50, 0, null);
    const log = old.prepare('INSERT INTO attempt_logs (attempt_id, phase, at, text) VALUES (?, ?, ?, ?)');
    log.run('r.q1.0.0', 'setup', 't1', 'one');
    log.run('r.q2.0.0', 'setup', 't2', 'two');
    log.run('r.q1.0.0', 'grading', 't3', 'three');
    const before = old.prepare('SELECT id, attempt_id, phase, at, text FROM attempt_logs ORDER BY id').all();
    const want = recounted(old, 'r');

    expect(applyMigrations(old, all).some((id) => id.startsWith('0010_'))).toBe(true);
    const runs = new RunRepo(old);
    expectSameCounts(runs, old, 'r');
    expect(runs.tally('r')).toEqual(want.tally);
    expect(runs.tally('empty')).toEqual({ tasks: 0, attempts: 0, passed: 0, failed: 0, timeout: 0, error: 0, cancelled: 0, pending: 0, earned: 0, available: 0 });
    expect(runs.runUsage('empty')).toBeNull();
    expect(old.prepare('SELECT id, attempt_id, phase, at, text FROM attempt_logs ORDER BY id').all()).toEqual(before);
    expect(runs.logs('r.q1.0.0').map((l) => [l.id, l.text])).toEqual([[1, 'one'], [3, 'three']]);
    // New lines continue after the old ids.
    runs.appendLogs([{ attemptId: 'r.q2.0.0', phase: 'grading', at: 't4', text: 'four' }]);
    expect(runs.logs('r.q2.0.0').map((l) => [l.id, l.text])).toEqual([[2, 'two'], [4, 'four']]);
    expect(old.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'attempt_logs'").get()).toEqual({ n: 0 });
    old.close();
  });
});

describe('attempt outputs (migration 0013)', () => {
  it("moves a store's patches, decisions and grader logs out of the attempt rows, and they leave with their run", () => {
    const { old, all } = storeBefore('0013');
    const insert = old.prepare(`INSERT INTO attempts (id, run_id, question_id, attempt_index, try_index, state, image, price, earned, queued_at, patch, decision_json, grader_json, error)
      VALUES (?, 'r', ?, 0, 0, ?, 'i', 100, ?, 'x', ?, ?, ?, ?)`);
    const grader = { submitted: 2, testRuns: [] };
    insert.run('r.q1.0.0', 'q1', 'passed', 100, 'diff --git a/x b/x\n'.repeat(500), null, JSON.stringify(grader), null);
    insert.run('r.q2.0.0', 'q2', 'failed', 0, null, JSON.stringify({ chose: 2 }), null, null);
    insert.run('r.q3.0.0', 'q3', 'error', 0, null, null, null, 'boom');

    expect(applyMigrations(old, all)).toEqual(['0013_attempt_outputs.sql']);
    const columns = (old.prepare("SELECT name FROM pragma_table_info('attempts')").all() as { name: string }[]).map((c) => c.name);
    expect(columns).not.toContain('patch');
    expect(columns).toContain('error');
    const runs = new RunRepo(old);
    expect(runs.attemptDetail('r.q1.0.0')).toMatchObject({ patch: 'diff --git a/x b/x\n'.repeat(500), grader, decision: null, state: 'passed' });
    expect(runs.attemptDetail('r.q2.0.0')).toMatchObject({ patch: null, decision: { chose: 2 }, grader: null });
    expect(runs.attemptDetail('r.q3.0.0')).toMatchObject({ patch: null, decision: null, grader: null, error: 'boom' });
    expect(runs.attemptExtras('r').get('r.q1.0.0')?.grader).toEqual(grader);
    expect(runs.reportRows('r').find((row) => row.questionId === 'q1')).toMatchObject({ submitted: 2 });
    // Only attempts with an output got a row.
    expect(old.prepare('SELECT attempt_id FROM attempt_outputs ORDER BY attempt_id').all()).toEqual([{ attempt_id: 'r.q1.0.0' }, { attempt_id: 'r.q2.0.0' }]);

    runs.deleteRun('r');
    expect(old.prepare('SELECT count(*) AS n FROM attempt_outputs').get()).toEqual({ n: 0 });
    old.close();
  });

  it('finish writes the outputs once, for an attempt it finishes; a later finish neither adds nor erases them', () => {
    const db = openDatabase(':memory:');
    seedDataset(db);
    const runs = new RunRepo(db);
    runs.createRun({ id: 'r', datasetId: 'd', versionId: 1, solver: { kind: 'null' }, manifest: MANIFEST, concurrency: 1, maxRetries: 0, attemptsPerTask: 1,
      tasks: [{ questionId: 'q1', image: 'i', price: 10 }, { questionId: 'q2', image: 'i', price: 10 }] });
    const [a, b] = runs.claim('r', 2, process.pid);
    runs.finish(a!.id, 'failed', { patch: 'the patch', grader: { submitted: 1 } as never });
    runs.finish(a!.id, 'passed', { patch: 'another', earned: 10 }); // already final: ignored
    runs.finish(b!.id, 'error', { error: 'no output' });
    expect(runs.attemptDetail(a!.id)).toMatchObject({ state: 'failed', patch: 'the patch', grader: { submitted: 1 }, earned: 0 });
    expect(runs.attemptDetail(b!.id)).toMatchObject({ state: 'error', patch: null, grader: null });
    expect(db.prepare('SELECT count(*) AS n FROM attempt_outputs').get()).toEqual({ n: 1 });
    db.close();
  });
});
