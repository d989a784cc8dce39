import { describe, expect, it } from 'vitest';
import type { UsageSummary } from '../../../shared/agents';
import type { AttemptState, RunManifest } from '../../../shared/runs';
import type { TaskFact } from '../store/dataset-repo';
import type { ReportLedgerRow } from '../store/run-repo';
import { buildReport, manifestDrift, type ReportOptions, type RunInput } from './report';

const opts: ReportOptions = { excludeSuspect: false, resamples: 500, seed: 7, generatedAt: '2026-11-29T00:00:00Z' };

function ic(questionId: string, price: number, set: string | null = null): TaskFact {
  return { questionId, variant: 'ic_swe', price, set, title: `Task ${questionId}`, proposalIds: [], correctProposalId: null };
}

function manager(questionId: string, price: number, proposalIds: number[], correct: number): TaskFact {
  return { questionId, variant: 'swe_manager', price, set: null, title: `Manager ${questionId}`, proposalIds, correctProposalId: correct };
}

function row(questionId: string, state: AttemptState, price: number, more: Partial<ReportLedgerRow> = {}): ReportLedgerRow {
  return {
    questionId,
    attemptIndex: 0,
    retried: false,
    state,
    price,
    earned: state === 'passed' ? price : 0,
    startedAt: '2026-11-29T00:00:00.000Z',
    finishedAt: '2026-11-29T00:00:10.000Z',
    usage: null,
    submitted: null,
    ...more,
  };
}

function manifest(over: Partial<RunManifest> = {}): RunManifest {
  return {
    appVersion: '0.3.0',
    createdAt: '2026-11-29T00:00:00Z',
    dataset: { id: 'sample', versionId: 1, version: 1, contentHash: 'abc' },
    taskIds: ['t1', 't2', 't3', 't4'],
    images: { t1: { name: 'img_t1', id: 'sha256:1' }, t2: { name: 'img_t2', id: 'sha256:2' } },
    profile: { t1: 'sample', t2: 'sample' },
    solver: { kind: 'gold' },
    timeoutsSec: { setup: 60, solve: 60, grade: 60 },
    testRuns: 1,
    maxRetries: 1,
    concurrency: 2,
    limits: { cpus: 1, memoryMb: 1024, shmMb: 64 },
    host: { platform: 'linux', arch: 'x64', node: 'v20', docker: '26' },
    ...over,
  };
}

function run(runId: string, facts: TaskFact[], rows: ReportLedgerRow[], over: Partial<RunInput> = {}): RunInput {
  return { runId, datasetId: 'sample', status: 'finished', manifest: manifest(), rows, tasks: new Map(facts.map((f) => [f.questionId, f])), gold: new Map(), ...over };
}

const usage = (inputTokens: number, outputTokens: number, costUsd: number): UsageSummary => ({
  requests: 1,
  inputTokens,
  cachedTokens: 0,
  outputTokens,
  reasoningTokens: 0,
  costUsd,
  estimated: false,
});

describe('a run report', () => {
  it('leaves system errors out of the denominators and counts them apart', () => {
    const facts = [ic('t1', 250), ic('t2', 500), ic('t3', 1000), ic('t4', 2000)];
    const rows = [row('t1', 'passed', 250), row('t2', 'failed', 500), row('t3', 'error', 1000), row('t4', 'timeout', 2000)];
    const [r] = buildReport([run('r1', facts, rows)], opts).runs;
    expect(r!.summary).toMatchObject({ tasks: 3, attempts: 4, passed: 1, failed: 1, timeouts: 1, errors: 1, missingTasks: 1, earned: 250, available: 2750 });
    expect(r!.summary.passRate).toBeCloseTo(1 / 3, 12);
    // The intervals hold the estimate and stay inside what is possible.
    expect(r!.summary.passRateCI[0]).toBeLessThanOrEqual(1 / 3);
    expect(r!.summary.passRateCI[1]).toBeGreaterThanOrEqual(1 / 3);
    expect(r!.summary.earnedCI[0]).toBeGreaterThanOrEqual(0);
    expect(r!.summary.earnedCI[1]).toBeLessThanOrEqual(3 * 2000);
    expect(r!.leftOnTable.map((t) => t.questionId)).toEqual(['t4', 't2']);
    expect(r!.leftOnTableUsd).toBe(2500);
  });

  it('gives the same intervals for the same seed, and others for another', () => {
    const facts = Array.from({ length: 40 }, (_, i) => ic(`t${i}`, 100 * (i + 1)));
    const rows = facts.map((f, i) => row(f.questionId, i % 3 === 0 ? 'passed' : 'failed', f.price));
    const a = buildReport([run('r', facts, rows)], opts).runs[0]!.summary;
    const b = buildReport([run('r', facts, rows)], opts).runs[0]!.summary;
    const c = buildReport([run('r', facts, rows)], { ...opts, seed: 8 }).runs[0]!.summary;
    expect(b.earnedCI).toEqual(a.earnedCI);
    expect(c.earnedCI).not.toEqual(a.earnedCI);
  });

  it('weighs a task with repeats as one task and counts only the newest try of each attempt', () => {
    const facts = [ic('a', 1000), ic('b', 500)];
    const rows = [
      ...['passed', 'passed', 'failed', 'failed'].map((s, i) => row('a', s as AttemptState, 1000, { attemptIndex: i })),
      // b's attempt 0 errored once and was retried: only the retry counts.
      row('b', 'error', 500, { attemptIndex: 0, retried: true, usage: usage(100, 10, 0.5) }),
      ...['failed', 'failed', 'failed', 'failed'].map((s, i) => row('b', s as AttemptState, 500, { attemptIndex: i, usage: usage(10, 1, 0.25) })),
    ];
    const r = buildReport([run('r', facts, rows)], opts).runs[0]!;
    expect(r.summary).toMatchObject({ tasks: 2, attempts: 8, passed: 2, errors: 0 });
    expect(r.summary.passRate).toBeCloseTo(0.25, 12); // mean of 0.5 and 0
    expect(r.summary.earned).toBeCloseTo(500, 9); // a earns 1000 half the time
    // pass@2 of a: 1 − C(2,2)/C(4,2) = 5/6; of b: 0.  pass^2 of a: C(2,2)/C(4,2) = 1/6.
    expect(r.passAtK.map((p) => p.k)).toEqual([1, 2, 3, 4]);
    expect(r.passAtK[1]!.passRate).toBeCloseTo(5 / 12, 12);
    expect(r.passAtK[1]!.earned).toBeCloseTo(1000 * (5 / 6), 9);
    expect(r.passAtK[3]!.passRate).toBeCloseTo(0.5, 12); // a passes at k = 4 for sure
    expect(r.passHatK[1]!.passRate).toBeCloseTo(1 / 12, 12);
    expect(r.passHatK[2]!.passRate).toBe(0);
    // What was spent counts the retried try too.
    expect(r.cost.usd).toBeCloseTo(0.5 + 4 * 0.25, 12);
    expect(r.cost.inputTokens).toBe(140);
    // Spent against what all graded attempts earned: 2 × 1000.
    expect(r.cost.usdPerEarnedDollar).toBeCloseTo(1.5 / 2000, 12);
    expect(r.cost.earnedMinusSpent).toBeCloseTo(2000 - 1.5, 9);
  });

  it('puts prices in the official buckets, upper bounds inclusive', () => {
    const facts = [ic('a', 250), ic('b', 251), ic('c', 8000), ic('d', 8001)];
    const rows = facts.map((f) => row(f.questionId, 'passed', f.price));
    const buckets = buildReport([run('r', facts, rows)], opts).runs[0]!.byPriceBucket;
    expect(buckets.map((b) => b.label)).toEqual(['≤ $250', '≤ $500', '≤ $1,000', '≤ $2,000', '≤ $4,000', '≤ $8,000', '> $8,000']);
    expect(buckets.map((b) => b.tasks)).toEqual([1, 1, 0, 0, 0, 1, 1]);
    expect(buckets[6]).toMatchObject({ min: 8000, max: null, earned: 8001 });
  });

  it('breaks down by variant and by set where the CSV has one', () => {
    const facts = [ic('a', 100, 'diamond'), ic('b', 200, 'diamond'), ic('c', 300, 'nondiamond'), manager('m', 400, [1, 2], 1)];
    const rows = [row('a', 'passed', 100), row('b', 'failed', 200), row('c', 'passed', 300), row('m', 'passed', 400, { submitted: 1 })];
    const r = buildReport([run('r', facts, rows)], opts).runs[0]!;
    expect(r.byVariant.ic_swe).toMatchObject({ tasks: 3, passed: 2, earned: 400 });
    expect(r.byVariant.swe_manager).toMatchObject({ tasks: 1, passed: 1, earned: 400 });
    expect(r.bySet.map((s) => [s.label, s.tasks, s.passed])).toEqual([
      ['diamond', 2, 1],
      ['nondiamond', 1, 1],
    ]);
  });

  it('sets manager decisions against chance and shows position bias', () => {
    const facts = [manager('m1', 1000, [11, 12, 13], 12), manager('m2', 500, [21, 22], 21)];
    const rows = [row('m1', 'passed', 1000, { submitted: 12 }), row('m2', 'failed', 500, { submitted: 22 })];
    const m = buildReport([run('r', facts, rows)], opts).runs[0]!.manager!;
    expect(m).toMatchObject({ decisions: 2, tasks: 2, accuracy: 0.5, earned: 1000 });
    expect(m.chanceAccuracy).toBeCloseTo((1 / 3 + 1 / 2) / 2, 12);
    expect(m.chanceEarned).toBeCloseTo(1000 / 3 + 500 / 2, 9);
    expect(m.positionBias).toEqual([
      { position: 1, chosen: 0, hired: 1 },
      { position: 2, chosen: 2, hired: 1 },
      { position: 3, chosen: 0, hired: 0 },
    ]);
  });

  it('leaves suspect tasks out on request and says which', () => {
    const facts = [ic('a', 100), ic('b', 200)];
    const rows = [row('a', 'failed', 100), row('b', 'passed', 200)];
    const gold = new Map([
      ['a', { graded: 3, passed: 2, failedIn: ['gold-run-1'] }],
      ['b', { graded: 3, passed: 3, failedIn: [] }],
    ]);
    const kept = buildReport([run('r', facts, rows, { gold })], opts).runs[0]!;
    expect(kept.summary.tasks).toBe(2);
    expect(kept.tasks.map((t) => [t.questionId, t.suspect, t.gold])).toEqual([
      ['a', true, { graded: 3, passed: 2 }],
      ['b', false, { graded: 3, passed: 3 }],
    ]);
    expect(kept.excluded).toEqual([]);
    const without = buildReport([run('r', facts, rows, { gold })], { ...opts, excludeSuspect: true }).runs[0]!;
    expect(without.summary).toMatchObject({ tasks: 1, passed: 1, passRate: 1, available: 200 });
    expect(without.excluded).toEqual([{ questionId: 'a', reason: 'suspect' }]);
  });
});

describe('comparing runs', () => {
  const facts = [ic('t1', 1000), ic('t2', 500), ic('t3', 250), ic('t4', 2000), ic('t5', 100), manager('m', 300, [1, 2, 3], 2)];

  it('classes shared tasks, puts regressions first, and tests them with McNemar', () => {
    const a = run('A', facts, [row('t1', 'passed', 1000), row('t2', 'passed', 500), row('t3', 'failed', 250), row('t4', 'failed', 2000), row('t5', 'passed', 100), row('m', 'passed', 300, { submitted: 2 })]);
    const b = run('B', facts, [row('t1', 'failed', 1000), row('t2', 'passed', 500), row('t3', 'passed', 250), row('t4', 'failed', 2000), row('t5', 'error', 100), row('m', 'failed', 300, { submitted: 3 })], {
      manifest: manifest({ solver: { kind: 'null' } }),
    });
    const report = buildReport([a, b], opts);
    const c = report.compare!;
    expect(report.comparisons).toHaveLength(1);
    // t5 errored in B: not shared.
    expect(c).toMatchObject({ a: 'A', b: 'B', tasks: 5, bothPass: 1, onlyA: 2, onlyB: 1, neither: 1, notShared: 1 });
    expect(c.rows.map((r) => [r.questionId, r.class])).toEqual([
      ['t1', 'onlyA'],
      ['m', 'onlyA'],
      ['t3', 'onlyB'],
      ['t4', 'neither'],
      ['t2', 'bothPass'],
    ]);
    // Two discordant one way, one the other: p = 2 × (C(3,0) + C(3,1)) / 8 = 1.
    expect(c.mcnemarP).toBeCloseTo(1, 12);
    expect(c.earnedDiff).toBe(1000 + 300 - 250);
    expect(c.earnedDiffCI[0]).toBeLessThanOrEqual(c.earnedDiff);
    expect(c.earnedDiffCI[1]).toBeGreaterThanOrEqual(c.earnedDiff);
    expect(c.managerAgreement).toEqual({ tasks: 1, agree: 0, rate: 0 });
    expect(c.drift).toEqual([{ field: 'solver.kind', a: 'gold', b: 'null' }]);
  });

  it('finds a significant difference when one run wins every discordant task', () => {
    const many = Array.from({ length: 12 }, (_, i) => ic(`x${i}`, 100));
    const a = run('A', many, many.map((f) => row(f.questionId, 'passed', 100)));
    const b = run('B', many, many.map((f, i) => row(f.questionId, i < 2 ? 'passed' : 'failed', 100)));
    const c = buildReport([a, b], opts).compare!;
    expect(c).toMatchObject({ onlyA: 10, onlyB: 0 });
    expect(c.mcnemarP).toBeCloseTo(2 / 1024, 12);
    expect(c.earnedDiffCI[0]).toBeGreaterThan(0);
  });
});

describe('manifest drift', () => {
  it('names every condition that differs, compares images only on shared tasks, and takes an absent repeat count as 1', () => {
    const a = manifest();
    const b = manifest({
      taskIds: ['t1', 't2', 't5'],
      images: { t1: { name: 'img_t1', id: 'sha256:1' }, t2: { name: 'img_t2', id: 'sha256:99' }, t5: { name: 'other', id: null } },
      timeoutsSec: { setup: 60, solve: 120, grade: 60 },
      attemptsPerTask: 1,
      appVersion: '0.4.0',
      createdAt: 'another time',
    });
    expect(manifestDrift(a, b)).toEqual([
      { field: 'taskIds', a: '4 tasks', b: '3 tasks (2 shared)' },
      { field: 'images.t2', a: '{"name":"img_t2","id":"sha256:2"}', b: '{"name":"img_t2","id":"sha256:99"}' },
      { field: 'appVersion', a: '0.3.0', b: '0.4.0' },
      { field: 'timeoutsSec.solve', a: '60', b: '120' },
    ]);
  });

  it('names the agent, endpoint, model and its parameters', () => {
    const agent = (model: string, temperature: number): RunManifest['solver'] => ({
      kind: 'builtin',
      endpoint: { name: 'local', baseUrl: 'http://127.0.0.1:8000/v1', model, apiKeyRef: { kind: 'none' }, params: { temperature } },
      protocol: 'tools',
      maxTurns: 40,
    }) as unknown as RunManifest['solver'];
    const fields = manifestDrift(manifest({ solver: agent('qwen', 0) }), manifest({ solver: agent('llama', 0.7) })).map((d) => d.field);
    expect(fields).toEqual(['solver.endpoint.model', 'solver.endpoint.params.temperature']);
  });
});
