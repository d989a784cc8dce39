/**
 * A hand-made `Report` of two runs for the Results tests: run A with three attempts per task and
 * manager tasks, run B with one attempt, a comparison with drift. Only the tests import it.
 */
import type { Breakdown, BucketBreakdown, CompareReport, Report, RunReport, TaskOutcome } from '../../../../shared/reports';

export function breakdown(over: Partial<Breakdown> = {}): Breakdown {
  return {
    tasks: 4,
    attempts: 4,
    passed: 2,
    failed: 1,
    timeouts: 1,
    errors: 0,
    missingTasks: 0,
    passRate: 0.5,
    passRateCI: [0.25, 0.75],
    earned: 750,
    available: 1750,
    earnedCI: [250, 1250],
    ...over,
  };
}

function bucket(label: string, min: number, max: number | null, over: Partial<Breakdown> = {}): BucketBreakdown {
  return { ...breakdown(over), label, min, max };
}

export function task(over: Partial<TaskOutcome> & { questionId: string }): TaskOutcome {
  return {
    variant: 'ic_swe',
    price: 250,
    set: 'diamond',
    title: `Task ${over.questionId}`,
    graded: 1,
    passed: 1,
    timeouts: 0,
    errors: 0,
    passRate: 1,
    earned: 250,
    usd: 0,
    inputTokens: 0,
    outputTokens: 0,
    wallSeconds: 42,
    suspect: false,
    gold: null,
    ...over,
  };
}

const runA: RunReport = {
  runId: 'run-20250101-120000-aaaaaa',
  label: 'gold · run-20250101-120000-aaaaaa',
  datasetId: 'sample',
  solver: 'gold',
  status: 'finished',
  attemptsPerTask: 3,
  summary: breakdown({ tasks: 5, attempts: 15, passed: 12, failed: 2, timeouts: 1, passRate: 0.8, passRateCI: [0.6, 1], earned: 3000, available: 3750, earnedCI: [2000, 3750] }),
  byVariant: {
    ic_swe: breakdown({ tasks: 3, passRate: 1, passRateCI: [1, 1], earned: 1750, available: 1750, earnedCI: [1750, 1750] }),
    swe_manager: breakdown({ tasks: 2, passRate: 0.5, passRateCI: [0, 1], earned: 1250, available: 2000, earnedCI: [0, 2000] }),
  },
  byPriceBucket: [
    bucket('$0–250', 0, 250, { tasks: 2, passRate: 1, passRateCI: [1, 1] }),
    bucket('$250–500', 250, 500, { tasks: 0, passRate: 0, passRateCI: [0, 0] }),
    bucket('$1000–2000', 1000, 2000, { tasks: 3, passRate: 0.67, passRateCI: [0.33, 1] }),
  ],
  bySet: [{ ...breakdown({ tasks: 5 }), label: 'diamond' }],
  passAtK: [
    { k: 1, tasks: 5, passRate: 0.8, earned: 3000 },
    { k: 2, tasks: 5, passRate: 0.9, earned: 3400 },
    { k: 3, tasks: 5, passRate: 1, earned: 3750 },
  ],
  passHatK: [
    { k: 1, tasks: 5, passRate: 0.8 },
    { k: 2, tasks: 5, passRate: 0.7 },
    { k: 3, tasks: 5, passRate: 0.6 },
  ],
  manager: {
    decisions: 6,
    tasks: 2,
    accuracy: 0.5,
    accuracyCI: [0, 1],
    chanceAccuracy: 0.3,
    earned: 1250,
    chanceEarned: 600,
    positionBias: [
      { position: 1, chosen: 4, hired: 2 },
      { position: 2, chosen: 2, hired: 3 },
      { position: 3, chosen: 0, hired: 1 },
    ],
  },
  cost: {
    inputTokens: 120_000,
    cachedTokens: 20_000,
    outputTokens: 8_000,
    reasoningTokens: 1_000,
    usd: 1.5,
    usdPerEarnedDollar: 0.0005,
    earnedMinusSpent: 2998.5,
    estimated: false,
    wallSeconds: 600,
  },
  leftOnTable: [{ questionId: '9102-manager-0', title: 'Splitting an odd amount', price: 2000 }],
  leftOnTableUsd: 2000,
  excluded: [{ questionId: '9003', reason: 'suspect' }],
  tasks: [
    task({ questionId: '9001', price: 250, earned: 250 }),
    task({ questionId: '9002', price: 500, set: null, suspect: true, gold: { graded: 3, passed: 2 }, passed: 0, passRate: 0, earned: 0 }),
    task({ questionId: '9004', price: 2000, earned: 2000 }),
    task({ questionId: '9101-manager-0', variant: 'swe_manager', price: 1000, earned: 1000 }),
    task({ questionId: '9102-manager-0', variant: 'swe_manager', price: 2000, passed: 0, passRate: 0, earned: 0 }),
  ],
};

const runB: RunReport = {
  ...runA,
  runId: 'run-20250102-120000-bbbbbb',
  label: 'null · run-20250102-120000-bbbbbb',
  solver: 'null',
  attemptsPerTask: 1,
  summary: breakdown({ tasks: 5, attempts: 5, passed: 1, failed: 4, timeouts: 0, passRate: 0.2, passRateCI: [0, 0.6], earned: 250, available: 3750, earnedCI: [0, 750] }),
  passAtK: [{ k: 1, tasks: 5, passRate: 0.2, earned: 250 }],
  passHatK: [{ k: 1, tasks: 5, passRate: 0.2 }],
  manager: null,
  cost: { ...runA.cost, usd: 0, usdPerEarnedDollar: null, earnedMinusSpent: 250 },
  excluded: [],
};

export const compareAB: CompareReport = {
  a: runA.runId,
  b: runB.runId,
  tasks: 5,
  bothPass: 1,
  onlyA: 3,
  onlyB: 0,
  neither: 1,
  mcnemarP: 0.25,
  earnedDiff: 2750,
  earnedDiffCI: [1000, 3500],
  drift: [
    { field: 'solver.kind', a: 'gold', b: 'null' },
    { field: 'timeoutsSec.solve', a: '600', b: '900' },
  ],
  managerAgreement: { tasks: 2, agree: 1, rate: 0.5 },
  notShared: 0,
  rows: [
    { questionId: '9004', price: 2000, variant: 'ic_swe', title: 'Task 9004', a: { passRate: 1, earned: 2000 }, b: { passRate: 0, earned: 0 }, class: 'onlyA' },
    { questionId: '9101-manager-0', price: 1000, variant: 'swe_manager', title: 'Task 9101', a: { passRate: 1, earned: 1000 }, b: { passRate: 0, earned: 0 }, class: 'onlyA' },
    { questionId: '9002', price: 500, variant: 'ic_swe', title: 'Task 9002', a: { passRate: 1, earned: 500 }, b: { passRate: 0, earned: 0 }, class: 'onlyA' },
    { questionId: '9001', price: 250, variant: 'ic_swe', title: 'Task 9001', a: { passRate: 1, earned: 250 }, b: { passRate: 1, earned: 250 }, class: 'bothPass' },
    { questionId: '9102-manager-0', price: 2000, variant: 'swe_manager', title: 'Task 9102', a: { passRate: 0, earned: 0 }, b: { passRate: 0, earned: 0 }, class: 'neither' },
  ],
};

export const twoRunReport: Report = {
  generatedAt: '2025-01-03T10:00:00.000Z',
  bootstrap: { resamples: 2000, seed: 1 },
  excludeSuspect: true,
  runs: [runA, runB],
  compare: compareAB,
  comparisons: [compareAB],
};

export const oneRunReport: Report = {
  generatedAt: '2025-01-03T10:00:00.000Z',
  bootstrap: { resamples: 2000, seed: 1 },
  excludeSuspect: false,
  runs: [{ ...runA, excluded: [] }],
};
