/**
 * Earnings analytics from the ledger: breakdowns with bootstrap intervals, pass@k, manager
 * decisions against chance, cost, and run-against-run comparison. Pure: the caller loads the
 * ledger rows and task facts (report-service.ts), so every number here is unit-testable.
 *
 * Honesty rules, as the official harness counts (harness doc §4.2): only the newest try of each
 * (task, attempt) counts; system errors leave every denominator and are counted apart; a task
 * with repeats weighs as one task (its pass rate is the mean over its graded attempts), and the
 * bootstrap resamples tasks, not attempts, because attempts at one task are not independent.
 */
import type { UsageSummary } from '../../../shared/agents';
import { NO_USAGE, sumUsage } from '../../../shared/agents';
import {
  PRICE_BUCKET_LIMITS,
  type Breakdown,
  type BucketBreakdown,
  type CompareReport,
  type CompareRow,
  type CostReport,
  type DriftItem,
  type Interval,
  type ManagerReport,
  type PairClass,
  type PassAtK,
  type PassHatK,
  type Report,
  type RunReport,
  type SetBreakdown,
  type TaskOutcome,
} from '../../../shared/reports';
import { solverName, type RunManifest } from '../../../shared/runs';
import type { TaskFact } from '../store/dataset-repo';
import type { ReportLedgerRow } from '../store/run-repo';
import { bootstrapSums, mcnemarExactP, passAtK, passHatK } from './stats';

/** Everything the report needs of one run. */
export interface RunInput {
  runId: string;
  datasetId: string;
  status: string;
  manifest: RunManifest;
  rows: readonly ReportLedgerRow[];
  /** The tasks of the run's dataset version, by question id. */
  tasks: ReadonlyMap<string, TaskFact>;
  /** Graded gold attempts per task across the dataset's gold runs, and the runs where gold failed it. */
  gold: ReadonlyMap<string, { graded: number; passed: number; failedIn: readonly string[] }>;
}

export interface ReportOptions {
  excludeSuspect: boolean;
  resamples: number;
  seed: number;
  generatedAt: string;
}

export const DEFAULT_RESAMPLES = 2000;
export const DEFAULT_SEED = 20250217;

/** A task's final attempts and what every try of it spent, before any averaging. */
interface TaskTally {
  fact: TaskFact;
  graded: number;
  passed: number;
  timeouts: number;
  errors: number;
  earnedSum: number;
  wallSum: number;
  wallCount: number;
  usage: UsageSummary;
  /** Manager attempts: the proposal chosen in each graded attempt (null: none), by attempt index. */
  choices: { attemptIndex: number; submitted: number | null }[];
}

function taskTallies(run: RunInput): Map<string, TaskTally> {
  const tallies = new Map<string, TaskTally>();
  for (const row of run.rows) {
    const fact = run.tasks.get(row.questionId) ?? unknownTask(row);
    let t = tallies.get(row.questionId);
    if (!t) {
      t = { fact, graded: 0, passed: 0, timeouts: 0, errors: 0, earnedSum: 0, wallSum: 0, wallCount: 0, usage: NO_USAGE, choices: [] };
      tallies.set(row.questionId, t);
    }
    // What was spent counts every try, retried system errors included: it was spent.
    if (row.usage) t.usage = sumUsage(t.usage, row.usage);
    if (row.retried) continue;
    if (row.state === 'error') {
      t.errors += 1;
      continue;
    }
    if (row.state !== 'passed' && row.state !== 'failed' && row.state !== 'timeout') continue; // queued, running or cancelled: not an outcome
    t.graded += 1;
    if (row.state === 'passed') t.passed += 1;
    if (row.state === 'timeout') t.timeouts += 1;
    t.earnedSum += row.earned;
    if (row.startedAt && row.finishedAt) {
      t.wallSum += (Date.parse(row.finishedAt) - Date.parse(row.startedAt)) / 1000;
      t.wallCount += 1;
    }
    if (fact.variant === 'swe_manager') t.choices.push({ attemptIndex: row.attemptIndex, submitted: row.submitted });
  }
  return tallies;
}

/** A ledger row whose task is not in the version (a store edited by hand): counted, never dropped. */
function unknownTask(row: ReportLedgerRow): TaskFact {
  return { questionId: row.questionId, variant: 'ic_swe', price: row.price, set: null, title: `(task ${row.questionId} not in the dataset version)`, proposalIds: [], correctProposalId: null };
}

/** Suspect: gold failed the task in some repeat of some gold run. */
function isSuspect(run: RunInput, questionId: string): boolean {
  return (run.gold.get(questionId)?.failedIn.length ?? 0) > 0;
}

function outcomeOf(t: TaskTally, run: RunInput): TaskOutcome {
  const gold = run.gold.get(t.fact.questionId);
  return {
    questionId: t.fact.questionId,
    variant: t.fact.variant,
    price: t.fact.price,
    set: t.fact.set,
    title: t.fact.title,
    graded: t.graded,
    passed: t.passed,
    timeouts: t.timeouts,
    errors: t.errors,
    passRate: t.graded > 0 ? t.passed / t.graded : null,
    earned: t.graded > 0 ? t.earnedSum / t.graded : 0,
    usd: t.usage.costUsd,
    inputTokens: t.usage.inputTokens,
    outputTokens: t.usage.outputTokens,
    wallSeconds: t.wallCount > 0 ? t.wallSum / t.wallCount : null,
    suspect: isSuspect(run, t.fact.questionId),
    gold: gold ? { graded: gold.graded, passed: gold.passed } : null,
  };
}

/** Pass rate and earned of some tasks, with intervals from resampling the graded ones. */
function breakdown(tasks: readonly TaskOutcome[], opts: ReportOptions): Breakdown {
  const graded = tasks.filter((t) => t.graded > 0);
  const n = graded.length;
  const rates = new Float64Array(n);
  const earned = new Float64Array(n);
  graded.forEach((t, i) => {
    rates[i] = t.passRate ?? 0;
    earned[i] = t.earned;
  });
  const [rateSum, earnedSum] = bootstrapSums([rates, earned], { resamples: opts.resamples, seed: opts.seed });
  const sum = (a: Float64Array): number => a.reduce((s, v) => s + v, 0);
  const passed = tasks.reduce((s, t) => s + t.passed, 0);
  const timeouts = tasks.reduce((s, t) => s + t.timeouts, 0);
  const gradedAttempts = tasks.reduce((s, t) => s + t.graded, 0);
  const errors = tasks.reduce((s, t) => s + t.errors, 0);
  return {
    tasks: n,
    attempts: gradedAttempts + errors,
    passed,
    failed: gradedAttempts - passed - timeouts,
    timeouts,
    errors,
    missingTasks: tasks.filter((t) => t.graded === 0 && t.errors > 0).length,
    passRate: n > 0 ? sum(rates) / n : 0,
    passRateCI: n > 0 ? [rateSum![0] / n, rateSum![1] / n] : [0, 0],
    earned: sum(earned),
    available: graded.reduce((s, t) => s + t.price, 0),
    earnedCI: earnedSum!,
  };
}

function bucketLabel(min: number, max: number | null): string {
  const usd = (v: number): string => `$${v.toLocaleString('en-US')}`;
  return max === null ? `> ${usd(min)}` : `≤ ${usd(max)}`;
}

function byPriceBucket(tasks: readonly TaskOutcome[], opts: ReportOptions): BucketBreakdown[] {
  const buckets: BucketBreakdown[] = [];
  let min = 0;
  for (const max of [...PRICE_BUCKET_LIMITS, null]) {
    const inside = tasks.filter((t) => t.price > min && (max === null || t.price <= max));
    buckets.push({ label: bucketLabel(min, max), min, max, ...breakdown(inside, opts) });
    if (max !== null) min = max;
  }
  return buckets;
}

function bySet(tasks: readonly TaskOutcome[], opts: ReportOptions): SetBreakdown[] {
  const names = [...new Set(tasks.map((t) => t.set).filter((s): s is string => s !== null && s !== ''))].sort();
  return names.map((label) => ({ label, ...breakdown(tasks.filter((t) => t.set === label), opts) }));
}

/** pass@k, earned@k and pass^k for k = 1…the most graded attempts any task has. */
function passCurves(tasks: readonly TaskOutcome[]): { passAtK: PassAtK[]; passHatK: PassHatK[] } {
  const maxK = tasks.reduce((m, t) => Math.max(m, t.graded), 0);
  const atK: PassAtK[] = [];
  const hatK: PassHatK[] = [];
  for (let k = 1; k <= maxK; k++) {
    // A task with fewer than k graded attempts (errors ate some) cannot say; it is left out at k.
    const able = tasks.filter((t) => t.graded >= k);
    let rate = 0;
    let earned = 0;
    let hat = 0;
    for (const t of able) {
      const p = passAtK(t.graded, t.passed, k);
      rate += p;
      earned += p * t.price;
      hat += passHatK(t.graded, t.passed, k);
    }
    atK.push({ k, tasks: able.length, passRate: able.length ? rate / able.length : 0, earned });
    hatK.push({ k, tasks: able.length, passRate: able.length ? hat / able.length : 0 });
  }
  return { passAtK: atK, passHatK: hatK };
}

function managerReport(tallies: readonly TaskTally[], outcomes: ReadonlyMap<string, TaskOutcome>, opts: ReportOptions): ManagerReport | null {
  const managed = tallies.filter((t) => t.fact.variant === 'swe_manager' && t.graded > 0);
  if (managed.length === 0) return null;
  const chosen = new Map<number, number>();
  const hired = new Map<number, number>();
  let maxPosition = 0;
  let chanceAccuracy = 0;
  let chanceEarned = 0;
  for (const t of managed) {
    const count = Math.max(t.fact.proposalIds.length, 1);
    maxPosition = Math.max(maxPosition, t.fact.proposalIds.length);
    chanceAccuracy += 1 / count;
    chanceEarned += t.fact.price / count;
    const hiredAt = t.fact.proposalIds.indexOf(t.fact.correctProposalId ?? Number.NaN) + 1;
    for (const c of t.choices) {
      if (hiredAt > 0) hired.set(hiredAt, (hired.get(hiredAt) ?? 0) + 1);
      const at = c.submitted === null ? 0 : t.fact.proposalIds.indexOf(c.submitted) + 1;
      if (at > 0) chosen.set(at, (chosen.get(at) ?? 0) + 1);
    }
  }
  const b = breakdown(
    managed.map((t) => outcomes.get(t.fact.questionId)!),
    opts,
  );
  return {
    decisions: managed.reduce((s, t) => s + t.graded, 0),
    tasks: managed.length,
    accuracy: b.passRate,
    accuracyCI: b.passRateCI,
    chanceAccuracy: chanceAccuracy / managed.length,
    earned: b.earned,
    chanceEarned,
    positionBias: Array.from({ length: maxPosition }, (_, i) => ({ position: i + 1, chosen: chosen.get(i + 1) ?? 0, hired: hired.get(i + 1) ?? 0 })),
  };
}

function costReport(tallies: readonly TaskTally[], outcomes: readonly TaskOutcome[]): CostReport {
  const usage = tallies.reduce((s, t) => sumUsage(s, t.usage), NO_USAGE);
  // Spending is compared with every graded attempt's earnings (the official total_earned), not
  // with the per-attempt expectation: N repeats cost N times and earn N times.
  const earnedTotal = tallies.reduce((s, t) => s + t.earnedSum, 0);
  return {
    inputTokens: usage.inputTokens,
    cachedTokens: usage.cachedTokens,
    outputTokens: usage.outputTokens,
    reasoningTokens: usage.reasoningTokens,
    usd: usage.costUsd,
    usdPerEarnedDollar: earnedTotal > 0 ? usage.costUsd / earnedTotal : null,
    earnedMinusSpent: earnedTotal - usage.costUsd,
    estimated: usage.estimated,
    wallSeconds: outcomes.reduce((s, t) => s + (t.wallSeconds ?? 0), 0),
  };
}

interface BuiltRun {
  report: RunReport;
  tallies: Map<string, TaskTally>;
  /** Question ids left out by --exclude-suspect. */
  excluded: Set<string>;
}

function buildRun(run: RunInput, opts: ReportOptions): BuiltRun {
  const all = taskTallies(run);
  const excluded = new Set<string>();
  if (opts.excludeSuspect) for (const id of all.keys()) if (isSuspect(run, id)) excluded.add(id);
  const tallies = new Map([...all].filter(([id]) => !excluded.has(id)));
  const outcomes = new Map([...tallies].map(([id, t]) => [id, outcomeOf(t, run)]));
  const list = [...outcomes.values()];
  const variant = (v: TaskOutcome['variant']): Breakdown | null => {
    const inside = list.filter((t) => t.variant === v);
    return inside.length > 0 ? breakdown(inside, opts) : null;
  };
  const left = list.filter((t) => t.graded > 0 && t.passed === 0).sort((a, b) => b.price - a.price || a.questionId.localeCompare(b.questionId));
  const report: RunReport = {
    runId: run.runId,
    label: `${solverName(run.manifest.solver)} · ${run.runId}`,
    datasetId: run.datasetId,
    solver: solverName(run.manifest.solver),
    status: run.status,
    attemptsPerTask: run.manifest.attemptsPerTask ?? 1,
    summary: breakdown(list, opts),
    byVariant: { ic_swe: variant('ic_swe'), swe_manager: variant('swe_manager') },
    byPriceBucket: byPriceBucket(list, opts),
    bySet: bySet(list, opts),
    ...passCurves(list),
    manager: managerReport([...tallies.values()], outcomes, opts),
    cost: costReport([...tallies.values()], list),
    leftOnTable: left.map((t) => ({ questionId: t.questionId, title: t.title, price: t.price })),
    leftOnTableUsd: left.reduce((s, t) => s + t.price, 0),
    excluded: [...excluded].sort().map((questionId) => ({ questionId, reason: 'suspect' as const })),
    tasks: list.sort((a, b) => a.questionId.localeCompare(b.questionId)),
  };
  return { report, tallies, excluded };
}

/**
 * In a comparison a task passes in a run when more than half its graded attempts passed (with
 * one attempt: when it passed), so McNemar's test gets one yes/no per task and run.
 */
function passesIn(t: TaskOutcome): boolean {
  return (t.passRate ?? 0) > 0.5;
}

/** The proposal a run chose most often for a manager task (ties: the earliest attempt's). */
function modalChoice(t: TaskTally): number | null {
  const counts = new Map<number, number>();
  for (const c of [...t.choices].sort((a, b) => a.attemptIndex - b.attemptIndex)) if (c.submitted !== null) counts.set(c.submitted, (counts.get(c.submitted) ?? 0) + 1);
  let best: number | null = null;
  for (const [id, n] of counts) if (best === null || n > counts.get(best)!) best = id;
  return best;
}

const CLASS_ORDER: Record<PairClass, number> = { onlyA: 0, onlyB: 1, neither: 2, bothPass: 3 };

function compareRuns(a: BuiltRun, b: BuiltRun, manifests: [RunManifest, RunManifest], opts: ReportOptions): CompareReport {
  const byIdA = new Map(a.report.tasks.map((t) => [t.questionId, t]));
  const byIdB = new Map(b.report.tasks.map((t) => [t.questionId, t]));
  const gradedA = new Set(a.report.tasks.filter((t) => t.graded > 0).map((t) => t.questionId));
  const gradedB = new Set(b.report.tasks.filter((t) => t.graded > 0).map((t) => t.questionId));
  const shared = [...gradedA].filter((id) => gradedB.has(id)).sort();
  const rows: CompareRow[] = shared.map((id) => {
    const ta = byIdA.get(id)!;
    const tb = byIdB.get(id)!;
    const pa = passesIn(ta);
    const pb = passesIn(tb);
    const cls: PairClass = pa && pb ? 'bothPass' : pa ? 'onlyA' : pb ? 'onlyB' : 'neither';
    return { questionId: id, price: ta.price, variant: ta.variant, title: ta.title, a: { passRate: ta.passRate ?? 0, earned: ta.earned }, b: { passRate: tb.passRate ?? 0, earned: tb.earned }, class: cls };
  });
  // Regressions first: A is the baseline, so a task A passed and B did not leads.
  rows.sort((x, y) => CLASS_ORDER[x.class] - CLASS_ORDER[y.class] || y.price - x.price || x.questionId.localeCompare(y.questionId));
  const count = (c: PairClass): number => rows.filter((r) => r.class === c).length;
  const diffs = Float64Array.from(rows, (r) => r.a.earned - r.b.earned);
  const [diffCI] = bootstrapSums([diffs], { resamples: opts.resamples, seed: opts.seed });
  let managerAgreement: CompareReport['managerAgreement'] = null;
  const managerShared = shared.filter((id) => byIdA.get(id)!.variant === 'swe_manager');
  if (managerShared.length > 0) {
    const agree = managerShared.filter((id) => {
      const ca = modalChoice(a.tallies.get(id)!);
      return ca !== null && ca === modalChoice(b.tallies.get(id)!);
    }).length;
    managerAgreement = { tasks: managerShared.length, agree, rate: agree / managerShared.length };
  }
  return {
    a: a.report.runId,
    b: b.report.runId,
    tasks: rows.length,
    bothPass: count('bothPass'),
    onlyA: count('onlyA'),
    onlyB: count('onlyB'),
    neither: count('neither'),
    mcnemarP: mcnemarExactP(count('onlyA'), count('onlyB')),
    earnedDiff: diffs.reduce((s, v) => s + v, 0),
    earnedDiffCI: diffCI as Interval,
    drift: manifestDrift(manifests[0], manifests[1]),
    managerAgreement,
    notShared: new Set([...gradedA, ...gradedB]).size - shared.length,
    rows,
  };
}

/** Manifest fields that decide nothing about the outcome, or are compared in their own way. */
const NOT_CONDITIONS = new Set(['createdAt']);
const MAX_VALUE_CHARS = 200;
const MAX_PER_TASK_ITEMS = 10;

function show(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

/** Leaves of a manifest as dotted paths; arrays are one value. */
function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, out);
  } else out.set(prefix, value);
}

/**
 * Every condition that differs between two runs' manifests. The task list is compared as a set
 * and images and profiles per shared task (a run on other tasks is drift; its images are not,
 * for tasks the other run never ran).
 */
export function manifestDrift(a: RunManifest, b: RunManifest): DriftItem[] {
  const drift: DriftItem[] = [];
  const setA = new Set(a.taskIds);
  const setB = new Set(b.taskIds);
  const sharedTasks = a.taskIds.filter((id) => setB.has(id));
  if (sharedTasks.length !== setA.size || sharedTasks.length !== setB.size) {
    drift.push({ field: 'taskIds', a: `${setA.size} tasks`, b: `${setB.size} tasks (${sharedTasks.length} shared)` });
  }
  for (const field of ['images', 'profile'] as const) {
    const differing = sharedTasks.filter((id) => JSON.stringify(a[field]?.[id]) !== JSON.stringify(b[field]?.[id]));
    for (const id of differing.slice(0, MAX_PER_TASK_ITEMS)) drift.push({ field: `${field}.${id}`, a: show(a[field]?.[id]), b: show(b[field]?.[id]) });
    if (differing.length > MAX_PER_TASK_ITEMS) drift.push({ field, a: `${differing.length} shared tasks differ`, b: `${differing.length} shared tasks differ` });
  }
  const normalise = (m: RunManifest): Record<string, unknown> => {
    const { taskIds: _t, images: _i, profile: _p, ...rest } = m;
    return { ...rest, attemptsPerTask: m.attemptsPerTask ?? 1 };
  };
  const fa = new Map<string, unknown>();
  const fb = new Map<string, unknown>();
  flatten(normalise(a), '', fa);
  flatten(normalise(b), '', fb);
  const fields = [...new Set([...fa.keys(), ...fb.keys()])].filter((f) => !NOT_CONDITIONS.has(f)).sort();
  for (const field of fields) {
    const va = show(fa.get(field));
    const vb = show(fb.get(field));
    if (va !== vb) drift.push({ field, a: va, b: vb });
  }
  return drift;
}

/** The report of one or more runs; with two or more, run 0 is compared with each other run. */
export function buildReport(runs: readonly RunInput[], opts: ReportOptions): Report {
  const built = runs.map((r) => buildRun(r, opts));
  const comparisons = built.slice(1).map((other, i) => compareRuns(built[0]!, other, [runs[0]!.manifest, runs[i + 1]!.manifest], opts));
  return {
    generatedAt: opts.generatedAt,
    bootstrap: { resamples: opts.resamples, seed: opts.seed },
    excludeSuspect: opts.excludeSuspect,
    runs: built.map((b) => b.report),
    ...(comparisons.length > 0 ? { compare: comparisons[0], comparisons } : {}),
  };
}
