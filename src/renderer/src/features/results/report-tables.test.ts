import { describe, expect, it } from 'vitest';
import { breakdown, compareAB, task, twoRunReport } from './report-fixture';
import {
  breakdownBars,
  breakdownCsv,
  breakdownGroupOrder,
  compareStem,
  costPoints,
  filterCompareRows,
  filterTasks,
  hasBreakdown,
  hasRepeats,
  kPoints,
  managerBars,
  parsePriceBound,
  passAtKCsv,
  positionBiasBars,
  reportStem,
  runNames,
  safeFilePart,
  setsOf,
  tasksCsv,
} from './report-tables';
import { sharedLabels } from './chart-options';
import { formatP, formatRate, formatRateCI, formatSignedDollars } from './results-format';

const [runA, runB] = twoRunReport.runs;
if (!runA || !runB) throw new Error('fixture has two runs');

describe('runNames', () => {
  it('names a run by its pick letter and what ran, without the long run id of its label', () => {
    const names = runNames([
      { runId: 'run-1', label: 'gold · run-1', solver: 'gold' },
      { runId: 'run-2', label: 'gold · run-2', solver: 'gold' },
      { runId: 'run-3', label: 'GPT-4o, official', solver: 'imported' },
      { runId: 'run-4', label: 'run-4', solver: 'null' },
    ]);
    expect([...names.values()]).toEqual(['A · gold', 'B · gold', 'C · GPT-4o, official', 'D · null']);
  });
});

describe('breakdown bars', () => {
  it('puts every run of every group with graded tasks side by side, intervals as lo/hi', () => {
    const bars = breakdownBars(twoRunReport.runs, 'variant');
    expect(bars.map((b) => `${b.run}/${b.group}`)).toEqual(['A · gold/IC SWE', 'A · gold/SWE Manager', 'B · null/IC SWE', 'B · null/SWE Manager']);
    expect(bars[1]).toMatchObject({ passRate: 0.5, passLo: 0, passHi: 1, earned: 1250, available: 2000, earnedLo: 0, earnedHi: 2000 });
  });

  it('leaves out groups without a graded task: a rate over nothing is not a zero', () => {
    const groups = breakdownBars([runA], 'price').map((b) => b.group);
    expect(groups).toEqual(['$0–250', '$1000–2000']);
  });

  it('orders price buckets by price, whatever order the runs list them in', () => {
    const reversed = { ...runA, byPriceBucket: [...runA.byPriceBucket].reverse() };
    expect(breakdownGroupOrder([reversed], 'price')).toEqual(['$0–250', '$1000–2000']);
  });

  it('says whether there is anything to draw (a dataset without sets has no set chart)', () => {
    expect(hasBreakdown([runA], 'set')).toBe(true);
    expect(hasBreakdown([{ ...runA, bySet: [] }], 'set')).toBe(false);
    expect(hasBreakdown([{ ...runA, bySet: [{ ...breakdown({ tasks: 0 }), label: 'x' }] }], 'set')).toBe(false);
  });
});

describe('CSV tables', () => {
  it('writes every group of every run, empty ones too, with rates as fractions', () => {
    const table = breakdownCsv(twoRunReport.runs, 'price');
    expect(table.columns.slice(0, 5)).toEqual(['run_id', 'group', 'price_min', 'price_max', 'tasks']);
    expect(table.rows).toHaveLength(6);
    const row = table.rows[2];
    expect(row?.slice(0, 5)).toEqual([runA.runId, '$1000–2000', 1000, 2000, 3]);
    expect(row?.[table.columns.indexOf('pass_rate')]).toBe(0.67);
    expect(row?.[table.columns.indexOf('pass_rate_ci_lo')]).toBe(0.33);
  });

  it('writes the summary as one row per run', () => {
    const table = breakdownCsv(twoRunReport.runs, 'summary');
    expect(table.rows.map((r) => [r[0], r[1]])).toEqual([
      [runA.runId, 'all'],
      [runB.runId, 'all'],
    ]);
  });

  it('pairs pass@k with pass^k per k', () => {
    const table = passAtKCsv([runA]);
    expect(table.rows).toEqual([
      [runA.runId, 1, 5, 0.8, 0.8, 3000],
      [runA.runId, 2, 5, 0.9, 0.7, 3400],
      [runA.runId, 3, 5, 1, 0.6, 3750],
    ]);
  });

  it('lists task outcomes with the suspect mark', () => {
    const table = tasksCsv(runA.runId, runA.tasks);
    expect(table.rows).toHaveLength(5);
    expect(table.rows[1]?.[table.columns.indexOf('suspect')]).toBe(true);
    expect(table.rows[1]?.[table.columns.indexOf('set')]).toBeNull();
    expect(table.rows[1]?.[table.columns.indexOf('gold_passed')]).toBe(2);
    expect(table.rows[0]?.[table.columns.indexOf('gold_graded')]).toBeNull();
  });
});

describe('curves, manager and cost data', () => {
  it('draws pass@k curves only when some run repeated its tasks', () => {
    expect(hasRepeats(twoRunReport.runs)).toBe(true);
    expect(hasRepeats([runB])).toBe(false);
    const points = kPoints(twoRunReport.runs);
    expect(points.filter((p) => p.run === 'A · gold').map((p) => [p.k, p.passAtK, p.passHatK, p.earnedAtK])).toEqual([
      [1, 0.8, 0.8, 3000],
      [2, 0.9, 0.7, 3400],
      [3, 1, 0.6, 3750],
    ]);
  });

  it('puts the model next to chance, only for runs with manager tasks', () => {
    const bars = managerBars(twoRunReport.runs);
    expect(bars.map((b) => [b.run, b.who, b.accuracy, b.lo, b.earned])).toEqual([
      ['A · gold', 'Model', 0.5, 0, 1250],
      ['A · gold', 'Chance', 0.3, null, 600],
    ]);
  });

  it('lays position bias out long, chosen next to hired per position', () => {
    expect(positionBiasBars(runA).slice(0, 4)).toEqual([
      { position: '1', who: 'Chosen', count: 4 },
      { position: '1', who: 'Hired', count: 2 },
      { position: '2', who: 'Chosen', count: 2 },
      { position: '2', who: 'Hired', count: 3 },
    ]);
    expect(positionBiasBars(runB)).toEqual([]);
  });

  it('labels runs that share a point together, a line each', () => {
    const labels = sharedLabels([
      { runId: 'a', run: 'A · gold', spent: 0, earned: 0 },
      { runId: 'b', run: 'B · null', spent: 0, earned: 0 },
      { runId: 'c', run: 'C · agent', spent: 1, earned: 250 },
    ]);
    expect(labels).toEqual([
      { spent: 0, earned: 0, label: 'A · gold\nB · null' },
      { spent: 1, earned: 250, label: 'C · agent' },
    ]);
  });

  it('makes one earned-against-spent point per run', () => {
    expect(costPoints(twoRunReport.runs).map((p) => [p.run, p.spent, p.earned])).toEqual([
      ['A · gold', 1.5, 3000],
      ['B · null', 0, 250],
    ]);
  });
});

describe('task filters', () => {
  const tasks = [
    task({ questionId: 'a', variant: 'ic_swe', price: 250, set: 'diamond' }),
    task({ questionId: 'b', variant: 'swe_manager', price: 1000, set: 'diamond' }),
    task({ questionId: 'c', variant: 'ic_swe', price: 4000, set: null }),
    task({ questionId: 'd', variant: 'ic_swe', price: 500, set: 'nondiamond' }),
  ];
  const ids = (filter: Parameters<typeof filterTasks>[1]): string[] => filterTasks(tasks, filter).map((t) => t.questionId);

  it('keeps everything without filters', () => {
    expect(ids({})).toEqual(['a', 'b', 'c', 'd']);
  });

  it('filters by variant, by set (null: no set) and by an inclusive price range', () => {
    expect(ids({ variant: 'swe_manager' })).toEqual(['b']);
    expect(ids({ set: 'diamond' })).toEqual(['a', 'b']);
    expect(ids({ set: null })).toEqual(['c']);
    expect(ids({ minPrice: 500, maxPrice: 1000 })).toEqual(['b', 'd']);
    expect(ids({ variant: 'ic_swe', minPrice: 300 })).toEqual(['c', 'd']);
  });

  it('lists the sets, and whether some task has none', () => {
    expect(setsOf(tasks)).toEqual({ names: ['diamond', 'nondiamond'], someWithout: true });
  });

  it('reads typed price bounds leniently and ignores what is not a price', () => {
    expect(parsePriceBound('')).toBeUndefined();
    expect(parsePriceBound(' $1,000 ')).toBe(1000);
    expect(parsePriceBound('250.5')).toBe(250.5);
    expect(parsePriceBound('-5')).toBeUndefined();
    expect(parsePriceBound('abc')).toBeUndefined();
  });
});

describe('compare rows', () => {
  it('keeps the report order (regressions first) and filters to one side', () => {
    expect(filterCompareRows(compareAB.rows, 'all').map((r) => r.questionId)).toEqual(compareAB.rows.map((r) => r.questionId));
    expect(filterCompareRows(compareAB.rows, 'onlyA').map((r) => r.questionId)).toEqual(['9004', '9101-manager-0', '9002']);
    expect(filterCompareRows(compareAB.rows, 'onlyB')).toEqual([]);
  });
});

describe('file names', () => {
  it('names downloads after the runs', () => {
    expect(reportStem(['run-20250101-120000-aaaaaa'])).toBe('report-run-20250101-120000-aaaaaa');
    expect(reportStem(['run-1', 'run-2', 'run-3'])).toBe('report-run-1-and-2-more');
    expect(reportStem([])).toBe('report');
    expect(compareStem({ a: 'run-1', b: 'run-2' })).toBe('compare-run-1-vs-run-2');
    expect(safeFilePart('a/b c:d')).toBe('a_b_c_d');
  });
});

describe('number formats', () => {
  it('shows rates (fractions in the data) as percentages', () => {
    expect(formatRate(0.625)).toBe('62.5%');
    expect(formatRate(1)).toBe('100%');
    expect(formatRate(null)).toBe('—');
    expect(formatRateCI([0.25, 0.7512])).toBe('25.0–75.1%');
  });

  it('signs differences and bounds p values', () => {
    expect(formatSignedDollars(2750)).toBe('+$2,750');
    expect(formatSignedDollars(-250)).toBe('−$250');
    expect(formatSignedDollars(0.2)).toBe('$0');
    expect(formatP(0.25)).toBe('0.250');
    expect(formatP(0.0001)).toBe('< 0.001');
  });
});
