/**
 * The report's numbers shaped for the Results page: long-form rows for the charts (one row per
 * run and group, so several runs sit side by side), the CSV tables behind every export, the
 * per-task filters and the file names of the downloads. Pure functions, unit-tested.
 *
 * Types only from shared/reports.ts: its values carry zod, which the renderer does not need.
 */
import type {
  Breakdown,
  BucketBreakdown,
  CompareReport,
  CompareRow,
  Report,
  RunReport,
  TaskOutcome,
} from '../../../../shared/reports';
import { shortRunId } from '../runs/format';
import type { CsvTable } from './export';

export type BreakdownKind = 'variant' | 'price' | 'set';

export const breakdownTitles: Record<BreakdownKind, string> = {
  variant: 'variant',
  price: 'price bucket',
  set: 'set',
};

/** File name parts: `report-<runId>-by-price.csv`. */
export const breakdownFileParts: Record<BreakdownKind, string> = {
  variant: 'by-variant',
  price: 'by-price',
  set: 'by-set',
};

export const variantLabels: Record<TaskOutcome['variant'], string> = {
  ic_swe: 'IC SWE',
  swe_manager: 'SWE Manager',
};

/** A, B, C… the order runs were picked in (the report's order): A is the baseline of every comparison. */
export function pickLetter(index: number): string {
  return index < 26 ? String.fromCharCode(65 + index) : String(index + 1);
}

/**
 * A short name per run for legends and axes: its letter and what ran, `A · gold`. The report's
 * label ends with the long run id, which would crowd a chart; the letter keeps runs with the same
 * solver apart and matches the picker.
 */
export function runNames(runs: readonly Pick<RunReport, 'runId' | 'label' | 'solver'>[]): Map<string, string> {
  const names = new Map<string, string>();
  runs.forEach((run, i) => {
    const label = run.label.replace(` · ${run.runId}`, '').replace(run.runId, '').trim() || run.solver || shortRunId(run.runId);
    names.set(run.runId, `${pickLetter(i)} · ${label}`);
  });
  return names;
}

/** One bar of a breakdown chart: a run's numbers in one group. */
export interface BreakdownBar {
  runId: string;
  run: string;
  group: string;
  tasks: number;
  passed: number;
  passRate: number;
  passLo: number;
  passHi: number;
  earned: number;
  earnedLo: number;
  earnedHi: number;
  available: number;
}

interface LabelledBreakdown {
  label: string;
  breakdown: Breakdown;
  bucket?: BucketBreakdown;
}

/** A run's groups of one kind, in the report's order. */
function groupsOf(run: RunReport, kind: BreakdownKind): LabelledBreakdown[] {
  switch (kind) {
    case 'variant':
      return (['ic_swe', 'swe_manager'] as const).flatMap((variant) => {
        const breakdown = run.byVariant[variant];
        return breakdown ? [{ label: variantLabels[variant], breakdown }] : [];
      });
    case 'price':
      return run.byPriceBucket.map((bucket) => ({ label: bucket.label, breakdown: bucket, bucket }));
    case 'set':
      return run.bySet.map((set) => ({ label: set.label, breakdown: set }));
  }
}

/**
 * The bars of a breakdown chart over the picked runs. Groups without a graded task are left
 * out: a pass rate over nothing would draw as a zero that was never measured.
 */
export function breakdownBars(runs: readonly RunReport[], kind: BreakdownKind, names = runNames(runs)): BreakdownBar[] {
  return runs.flatMap((run) =>
    groupsOf(run, kind)
      .filter((g) => g.breakdown.tasks > 0)
      .map(({ label, breakdown: b }) => ({
        runId: run.runId,
        run: names.get(run.runId) ?? run.runId,
        group: label,
        tasks: b.tasks,
        passed: b.passed,
        passRate: b.passRate,
        passLo: b.passRateCI[0],
        passHi: b.passRateCI[1],
        earned: b.earned,
        earnedLo: b.earnedCI[0],
        earnedHi: b.earnedCI[1],
        available: b.available,
      })),
  );
}

/** The groups of a breakdown chart in display order: the report's order, price buckets by price. */
export function breakdownGroupOrder(runs: readonly RunReport[], kind: BreakdownKind): string[] {
  if (kind === 'price') {
    const byMin = new Map<string, number>();
    for (const run of runs) for (const bucket of run.byPriceBucket) if (bucket.tasks > 0) byMin.set(bucket.label, bucket.min);
    return [...byMin.entries()].sort((a, b) => a[1] - b[1]).map(([label]) => label);
  }
  const order: string[] = [];
  for (const run of runs) {
    for (const g of groupsOf(run, kind)) if (g.breakdown.tasks > 0 && !order.includes(g.label)) order.push(g.label);
  }
  return order;
}

/** Whether a run has anything to show in a breakdown of this kind (sets are optional). */
export function hasBreakdown(runs: readonly RunReport[], kind: BreakdownKind): boolean {
  return runs.some((run) => groupsOf(run, kind).some((g) => g.breakdown.tasks > 0));
}

const breakdownColumns = [
  'run_id',
  'group',
  'price_min',
  'price_max',
  'tasks',
  'attempts',
  'passed',
  'failed',
  'timeouts',
  'errors',
  'missing_tasks',
  'pass_rate',
  'pass_rate_ci_lo',
  'pass_rate_ci_hi',
  'earned',
  'available',
  'earned_ci_lo',
  'earned_ci_hi',
];

function breakdownRow(runId: string, group: string, b: Breakdown, bucket?: BucketBreakdown): (string | number | null)[] {
  return [
    runId,
    group,
    bucket ? bucket.min : null,
    bucket ? bucket.max : null,
    b.tasks,
    b.attempts,
    b.passed,
    b.failed,
    b.timeouts,
    b.errors,
    b.missingTasks,
    b.passRate,
    b.passRateCI[0],
    b.passRateCI[1],
    b.earned,
    b.available,
    b.earnedCI[0],
    b.earnedCI[1],
  ];
}

/**
 * A breakdown as a table, every group of every given run (empty groups included: the CSV is the
 * record, not the picture). Rates stay fractions, as in the report.
 */
export function breakdownCsv(runs: readonly RunReport[], kind: BreakdownKind | 'summary'): CsvTable {
  const rows = runs.flatMap((run) =>
    kind === 'summary'
      ? [breakdownRow(run.runId, 'all', run.summary)]
      : groupsOf(run, kind).map((g) => breakdownRow(run.runId, g.label, g.breakdown, g.bucket)),
  );
  return { columns: breakdownColumns, rows };
}

/** pass@k, pass^k and earned@k per k, over the given runs. */
export function passAtKCsv(runs: readonly RunReport[]): CsvTable {
  const rows = runs.flatMap((run) =>
    run.passAtK.map((at) => {
      const hat = run.passHatK.find((h) => h.k === at.k);
      return [run.runId, at.k, at.tasks, at.passRate, hat ? hat.passRate : null, at.earned];
    }),
  );
  return { columns: ['run_id', 'k', 'tasks', 'pass_at_k', 'pass_hat_k', 'earned_at_k'], rows };
}

export function tasksCsv(runId: string, tasks: readonly TaskOutcome[]): CsvTable {
  return {
    columns: [
      'run_id',
      'question_id',
      'variant',
      'set',
      'price',
      'title',
      'graded',
      'passed',
      'timeouts',
      'errors',
      'pass_rate',
      'earned',
      'usd',
      'input_tokens',
      'output_tokens',
      'wall_seconds',
      'suspect',
      'gold_graded',
      'gold_passed',
    ],
    rows: tasks.map((t) => [
      runId,
      t.questionId,
      t.variant,
      t.set,
      t.price,
      t.title,
      t.graded,
      t.passed,
      t.timeouts,
      t.errors,
      t.passRate,
      t.earned,
      t.usd,
      t.inputTokens,
      t.outputTokens,
      t.wallSeconds,
      t.suspect,
      t.gold?.graded ?? null,
      t.gold?.passed ?? null,
    ]),
  };
}

export function leftOnTableCsv(run: RunReport): CsvTable {
  return {
    columns: ['run_id', 'question_id', 'title', 'price'],
    rows: run.leftOnTable.map((t) => [run.runId, t.questionId, t.title, t.price]),
  };
}

export function costCsv(runs: readonly RunReport[]): CsvTable {
  return {
    columns: [
      'run_id',
      'input_tokens',
      'cached_tokens',
      'output_tokens',
      'reasoning_tokens',
      'usd',
      'earned',
      'usd_per_earned_dollar',
      'earned_minus_spent',
      'estimated',
      'wall_seconds',
    ],
    rows: runs.map((run) => {
      const c = run.cost;
      return [
        run.runId,
        c.inputTokens,
        c.cachedTokens,
        c.outputTokens,
        c.reasoningTokens,
        c.usd,
        run.summary.earned,
        c.usdPerEarnedDollar,
        c.earnedMinusSpent,
        c.estimated,
        c.wallSeconds,
      ];
    }),
  };
}

export function managerCsv(runs: readonly RunReport[]): CsvTable {
  const rows = runs.flatMap((run) => {
    const m = run.manager;
    if (!m) return [];
    return m.positionBias.map((p) => [
      run.runId,
      m.decisions,
      m.tasks,
      m.accuracy,
      m.accuracyCI[0],
      m.accuracyCI[1],
      m.chanceAccuracy,
      m.earned,
      m.chanceEarned,
      p.position,
      p.chosen,
      p.hired,
    ]);
  });
  return {
    columns: [
      'run_id',
      'decisions',
      'tasks',
      'accuracy',
      'accuracy_ci_lo',
      'accuracy_ci_hi',
      'chance_accuracy',
      'earned',
      'chance_earned',
      'position',
      'chosen',
      'hired',
    ],
    rows,
  };
}

export function compareCsv(compare: CompareReport, rows: readonly CompareRow[] = compare.rows): CsvTable {
  return {
    columns: ['question_id', 'variant', 'price', 'title', 'class', 'a_run_id', 'a_pass_rate', 'a_earned', 'b_run_id', 'b_pass_rate', 'b_earned'],
    rows: rows.map((r) => [r.questionId, r.variant, r.price, r.title, r.class, compare.a, r.a.passRate, r.a.earned, compare.b, r.b.passRate, r.b.earned]),
  };
}

/** One point of a pass@k / pass^k curve. */
export interface KPoint {
  runId: string;
  run: string;
  k: number;
  tasks: number;
  passAtK: number;
  /** Null where the report has no pass^k for this k. */
  passHatK: number | null;
  earnedAtK: number;
}

/** Whether repeats make curves worth drawing: some run asked for more than one attempt per task. */
export function hasRepeats(runs: readonly RunReport[]): boolean {
  return runs.some((run) => run.attemptsPerTask > 1 && run.passAtK.length > 1);
}

export function kPoints(runs: readonly RunReport[], names = runNames(runs)): KPoint[] {
  return runs.flatMap((run) =>
    run.passAtK
      .filter((at) => at.tasks > 0)
      .map((at) => ({
        runId: run.runId,
        run: names.get(run.runId) ?? run.runId,
        k: at.k,
        tasks: at.tasks,
        passAtK: at.passRate,
        passHatK: run.passHatK.find((h) => h.k === at.k && h.tasks > 0)?.passRate ?? null,
        earnedAtK: at.earned,
      })),
  );
}

/** A model's score next to what picking a proposal at random would get, per run. */
export interface ManagerBar {
  runId: string;
  run: string;
  who: 'Model' | 'Chance';
  accuracy: number;
  /** The model's interval; chance has none (it is computed, not sampled). */
  lo: number | null;
  hi: number | null;
  earned: number;
}

export function managerBars(runs: readonly RunReport[], names = runNames(runs)): ManagerBar[] {
  return runs.flatMap((run): ManagerBar[] => {
    const m = run.manager;
    if (!m) return [];
    const run_ = names.get(run.runId) ?? run.runId;
    return [
      { runId: run.runId, run: run_, who: 'Model', accuracy: m.accuracy, lo: m.accuracyCI[0], hi: m.accuracyCI[1], earned: m.earned },
      { runId: run.runId, run: run_, who: 'Chance', accuracy: m.chanceAccuracy, lo: null, hi: null, earned: m.chanceEarned },
    ];
  });
}

/** How often each position was chosen by the model and hired in truth: long form for a grouped bar chart. */
export function positionBiasBars(run: RunReport): { position: string; who: 'Chosen' | 'Hired'; count: number }[] {
  return (run.manager?.positionBias ?? []).flatMap((p) => [
    { position: String(p.position), who: 'Chosen' as const, count: p.chosen },
    { position: String(p.position), who: 'Hired' as const, count: p.hired },
  ]);
}

/** One run on the earned-against-spent chart. */
export interface CostPoint {
  runId: string;
  run: string;
  spent: number;
  earned: number;
}

export function costPoints(runs: readonly RunReport[], names = runNames(runs)): CostPoint[] {
  return runs.map((run) => ({ runId: run.runId, run: names.get(run.runId) ?? run.runId, spent: run.cost.usd, earned: run.summary.earned }));
}

/** The per-task table's filters; unset fields let everything through. */
export interface TaskFilter {
  variant?: TaskOutcome['variant'];
  /** A set's name, or null for tasks without a set. */
  set?: string | null;
  minPrice?: number;
  maxPrice?: number;
}

export function filterTasks(tasks: readonly TaskOutcome[], filter: TaskFilter): TaskOutcome[] {
  return tasks.filter(
    (t) =>
      (filter.variant === undefined || t.variant === filter.variant) &&
      (filter.set === undefined || t.set === filter.set) &&
      (filter.minPrice === undefined || t.price >= filter.minPrice) &&
      (filter.maxPrice === undefined || t.price <= filter.maxPrice),
  );
}

/** The sets the tasks belong to, sorted, and whether some task has none. */
export function setsOf(tasks: readonly TaskOutcome[]): { names: string[]; someWithout: boolean } {
  const names = new Set<string>();
  let someWithout = false;
  for (const t of tasks) {
    if (t.set === null) someWithout = true;
    else names.add(t.set);
  }
  return { names: [...names].sort((a, b) => a.localeCompare(b)), someWithout };
}

/** A typed price bound: a non-negative number, or undefined for an empty or unreadable field. */
export function parsePriceBound(text: string): number | undefined {
  const cleaned = text.replace(/[$,\s]/g, '');
  if (cleaned === '') return undefined;
  const value = Number(cleaned);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

export type CompareFilter = 'all' | 'onlyA' | 'onlyB';

/** The compare rows in the report's order (regressions first), kept to one class or all. */
export function filterCompareRows(rows: readonly CompareRow[], filter: CompareFilter): CompareRow[] {
  return filter === 'all' ? [...rows] : rows.filter((r) => r.class === filter);
}

/** `report-<runId>` for one run, `report-<runId>-and-2-more` for several. */
export function reportStem(runIds: readonly string[]): string {
  const [first] = runIds;
  if (first === undefined) return 'report';
  const rest = runIds.length - 1;
  return `report-${safeFilePart(first)}${rest > 0 ? `-and-${rest}-more` : ''}`;
}

/** `compare-<a>-vs-<b>`. */
export function compareStem(compare: Pick<CompareReport, 'a' | 'b'>): string {
  return `compare-${safeFilePart(compare.a)}-vs-${safeFilePart(compare.b)}`;
}

/** Letters, digits, dot, dash and underscore only: a run id is that already; anything else is replaced. */
export function safeFilePart(text: string): string {
  return text.replace(/[^\w.-]+/g, '_').slice(0, 120);
}

/** The report as exported: exactly what `reports.get` returned. */
export function reportJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

