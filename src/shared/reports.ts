/**
 * Earnings analytics: what `lancer report` prints as JSON and the Results page draws. The field
 * names are the ones issue 11 names (scripts depend on them); extra fields are additions.
 *
 * Conventions: a rate is a fraction (0–1); dollars are numbers; an interval is [lo, hi] of a 95%
 * bootstrap over tasks (seeded, so the same ledger gives the same interval). System errors are
 * left out of every denominator and counted apart, as the official harness does. With repeats, a
 * task's pass rate is the mean over its graded attempts, and its earned dollars the mean earned
 * per graded attempt: `earned` is what one attempt at every task is expected to earn.
 */
import { z } from 'zod';

export type Interval = [number, number];

/** One slice of a run: overall, a variant, a price bucket or a set. */
export interface Breakdown {
  /** Tasks with at least one graded (non-error) attempt: the denominator of passRate. */
  tasks: number;
  /** Final attempts (retried tries of system errors not counted): passed + failed + timeouts + errors. */
  attempts: number;
  passed: number;
  /** Graded and not passed (timeouts apart). */
  failed: number;
  /** The solver ran out of time: graded, not passed, kept apart from failed. */
  timeouts: number;
  /** System errors (after retries): not in any denominator. */
  errors: number;
  /** Tasks whose every attempt was a system error (the official `missing_tasks`). */
  missingTasks: number;
  passRate: number;
  passRateCI: Interval;
  earned: number;
  /** Sum of the prices of the tasks counted in `tasks`. */
  available: number;
  earnedCI: Interval;
}

export interface BucketBreakdown extends Breakdown {
  label: string;
  /** Price range (min exclusive, max inclusive); max null for the open bucket. */
  min: number;
  max: number | null;
}

export interface SetBreakdown extends Breakdown {
  label: string;
}

export interface PassAtK {
  k: number;
  /** Tasks with at least k graded attempts (the rest cannot say). */
  tasks: number;
  passRate: number;
  /** Σ price × pass@k over those tasks. */
  earned: number;
}

export interface PassHatK {
  k: number;
  tasks: number;
  /** Mean over tasks of C(c,k)/C(n,k): all k attempts pass. */
  passRate: number;
}

export interface ManagerReport {
  /** Graded manager attempts. */
  decisions: number;
  tasks: number;
  accuracy: number;
  accuracyCI: Interval;
  /** Mean over tasks of one over the number of proposals. */
  chanceAccuracy: number;
  earned: number;
  chanceEarned: number;
  /** Positions are 1-based, in the order the proposals are listed to the model. */
  positionBias: { position: number; chosen: number; hired: number }[];
}

export interface CostReport {
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  /** Every try counted, retried system errors included: what was spent. */
  usd: number;
  /** usd / earned; null when nothing was earned. */
  usdPerEarnedDollar: number | null;
  earnedMinusSpent: number;
  /** Some server sent no usage: the token counts are estimates. */
  estimated: boolean;
  /** Sum over tasks of the mean wall time of their final attempts. */
  wallSeconds: number;
}

/** One task of one run, the rows behind every breakdown (and the CSV export). */
export interface TaskOutcome {
  questionId: string;
  variant: 'ic_swe' | 'swe_manager';
  price: number;
  set: string | null;
  title: string;
  graded: number;
  passed: number;
  timeouts: number;
  errors: number;
  /** passed / graded; null when nothing was graded. */
  passRate: number | null;
  /** Mean earned per graded attempt. */
  earned: number;
  usd: number;
  inputTokens: number;
  outputTokens: number;
  /** Mean wall seconds of the final attempts that started and finished. */
  wallSeconds: number | null;
  /** Gold failed this task in some repeat of some gold run of the dataset. */
  suspect: boolean;
  /** Every graded gold attempt at this task in the dataset's gold runs: its flakiness (null: no gold run graded it). */
  gold: { graded: number; passed: number } | null;
}

export interface DriftItem {
  /** Dotted path into the manifest: `solver.model`, `timeoutsSec.solve`, `dataset.contentHash`. */
  field: string;
  a: string;
  b: string;
}

export type PairClass = 'bothPass' | 'onlyA' | 'onlyB' | 'neither';

export interface CompareRow {
  questionId: string;
  price: number;
  variant: 'ic_swe' | 'swe_manager';
  title: string;
  a: { passRate: number; earned: number };
  b: { passRate: number; earned: number };
  class: PairClass;
}

export interface CompareReport {
  a: string;
  b: string;
  /** Tasks graded in both runs (a task passes in a run when most of its graded attempts pass). */
  tasks: number;
  bothPass: number;
  onlyA: number;
  onlyB: number;
  neither: number;
  /** McNemar's exact (binomial) two-sided p on onlyA vs onlyB; 1 when they are both 0. */
  mcnemarP: number;
  /** Σ over shared tasks of earned in A minus earned in B. */
  earnedDiff: number;
  /** Paired bootstrap over shared tasks. */
  earnedDiffCI: Interval;
  drift: DriftItem[];
  /** Manager tasks in both: how often the two runs chose the same proposal. */
  managerAgreement: { tasks: number; agree: number; rate: number | null } | null;
  /** Tasks only one of the runs graded. */
  notShared: number;
  /** Per task, regressions (onlyB: A passed, B did not… see `class`) first, then by price. */
  rows: CompareRow[];
}

export interface RunReport {
  runId: string;
  label: string;
  datasetId: string;
  solver: string;
  status: string;
  /** Attempts per task the run asked for. */
  attemptsPerTask: number;
  summary: Breakdown;
  byVariant: { ic_swe: Breakdown | null; swe_manager: Breakdown | null };
  byPriceBucket: BucketBreakdown[];
  bySet: SetBreakdown[];
  passAtK: PassAtK[];
  passHatK: PassHatK[];
  manager: ManagerReport | null;
  cost: CostReport;
  /** Tasks that never passed, by price (highest first): "money left on the table". */
  leftOnTable: { questionId: string; title: string; price: number }[];
  leftOnTableUsd: number;
  /** Tasks left out of this report and why (`--exclude-suspect`). */
  excluded: { questionId: string; reason: 'suspect' }[];
  tasks: TaskOutcome[];
}

export interface Report {
  generatedAt: string;
  bootstrap: { resamples: number; seed: number };
  excludeSuspect: boolean;
  runs: RunReport[];
  /** Run 0 against run 1 (present with two or more runs). */
  compare?: CompareReport;
  /** Run 0 against each other run, in order (the first is `compare`). */
  comparisons?: CompareReport[];
}

export const reportRequestSchema = z
  .object({
    runIds: z.array(z.string().min(1).max(200)).min(1).max(20),
    excludeSuspect: z.boolean().optional(),
    /** Bootstrap resamples (default 2000). */
    resamples: z.number().int().min(100).max(100_000).optional(),
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  })
  .strict();
export type ReportRequest = z.infer<typeof reportRequestSchema>;

/** The official price buckets (upper bounds, inclusive); above the last is the open bucket. */
export const PRICE_BUCKET_LIMITS = [250, 500, 1000, 2000, 4000, 8000] as const;
