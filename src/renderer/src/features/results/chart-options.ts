/**
 * Observable Plot specifications of the Results charts, built from the shaped rows of
 * report-tables.ts. Several runs share a chart: bars are grouped by run inside each group (a
 * facet per group), and one colour stands for one run on every chart of the page.
 *
 * Every mark gets a `title` channel, which Plot draws as SVG `<title>` elements: the exact
 * numbers on hover and for screen readers, without Plot's pointer tips.
 */
import * as Plot from '@observablehq/plot';
import { formatDollars } from '../runs/format';
import type { BreakdownBar, CostPoint, KPoint, ManagerBar } from './report-tables';
import { formatDollarCI, formatRate, formatRateCI } from './results-format';
import { formatUsd } from '../agent/usage-format';

/** Distinct and readable on white; a run keeps its colour on every chart. */
const RUN_PALETTE = ['#2f6fed', '#e07b39', '#1f9d55', '#8e5cc9', '#d64545', '#1b9aaa', '#c98a00', '#5c6b82', '#d45c9e', '#7a8f1e'];

export function runColour(index: number): string {
  return RUN_PALETTE[index % RUN_PALETTE.length] ?? '#2f6fed';
}

const INK = '#1d2330';
const PALE = '#e3e7ee';
const CHANCE = '#b3bbc8';
const MODEL = '#2f6fed';
const HIRED = '#1f9d55';

/** The runs of a chart in page order, with their colours. */
export interface RunLegend {
  names: string[];
  colours: string[];
}

const dollarTick = (d: number): string => formatDollars(d);

/** Wide enough for every bar to stay readable; the page scales wider charts down. */
function groupedWidth(groups: number, runs: number): number {
  return Math.max(360, Math.min(1100, 80 + groups * (runs * 30 + 36)));
}

/** Error-bar caps as wide as a part of the bar: pixels, from the width per bar above. */
const CAP_INSET = 9;

/** Pass rate per group and run, with the 95% interval as an error bar. */
export function breakdownRateChart(bars: readonly BreakdownBar[], groups: readonly string[], legend: RunLegend): Plot.PlotOptions {
  return {
    width: groupedWidth(groups.length, legend.names.length),
    height: 260,
    marginLeft: 48,
    marginBottom: 36,
    fx: { domain: [...groups], label: null, padding: 0.12, axis: 'bottom' },
    x: { domain: legend.names, axis: null, paddingInner: 0.12, paddingOuter: 0.1 },
    y: { domain: [0, 1], grid: true, label: 'Pass rate', tickFormat: '.0%' },
    color: { domain: legend.names, range: legend.colours },
    marks: [
      Plot.barY(bars, {
        fx: 'group',
        x: 'run',
        y: 'passRate',
        fill: 'run',
        title: (d: BreakdownBar) =>
          `${d.run} · ${d.group}\npass rate ${formatRate(d.passRate)} (95% CI ${formatRateCI([d.passLo, d.passHi])})\n${d.passed} of ${d.tasks} tasks`,
      }),
      ...errorBar(bars, 'group', 'run', 'passLo', 'passHi'),
      Plot.ruleY([0]),
    ],
  };
}

/** Earned dollars per group and run over the dollars available (pale), with the interval. */
export function breakdownEarnedChart(bars: readonly BreakdownBar[], groups: readonly string[], legend: RunLegend): Plot.PlotOptions {
  return {
    width: groupedWidth(groups.length, legend.names.length),
    height: 260,
    marginLeft: 64,
    marginBottom: 36,
    fx: { domain: [...groups], label: null, padding: 0.12, axis: 'bottom' },
    x: { domain: legend.names, axis: null, paddingInner: 0.12, paddingOuter: 0.1 },
    y: { grid: true, label: 'Earned ($)', tickFormat: dollarTick, nice: true },
    color: { domain: legend.names, range: legend.colours },
    marks: [
      Plot.barY(bars, {
        fx: 'group',
        x: 'run',
        y: 'available',
        fill: PALE,
        title: (d: BreakdownBar) => `${d.run} · ${d.group}\n${formatDollars(d.available)} available`,
      }),
      Plot.barY(bars, {
        fx: 'group',
        x: 'run',
        y: 'earned',
        fill: 'run',
        title: (d: BreakdownBar) =>
          `${d.run} · ${d.group}\nearned ${formatDollars(d.earned)} of ${formatDollars(d.available)} (95% CI ${formatDollarCI([d.earnedLo, d.earnedHi])})`,
      }),
      ...errorBar(bars, 'group', 'run', 'earnedLo', 'earnedHi'),
      Plot.ruleY([0]),
    ],
  };
}

/** A vertical rule from lo to hi with short caps, centred on each bar of a faceted band chart. */
function errorBar<T>(data: readonly T[], fx: keyof T & string, x: keyof T & string, lo: keyof T & string, hi: keyof T & string): Plot.Markish[] {
  const kept = data.filter((d) => d[lo] !== null && d[hi] !== null);
  return [
    Plot.ruleX(kept, { fx, x, y1: lo, y2: hi, stroke: INK, strokeWidth: 1.5, ariaDescription: 'error bar' }),
    Plot.tickY(kept, { fx, x, y: lo, stroke: INK, strokeWidth: 1.5, insetLeft: CAP_INSET, insetRight: CAP_INSET, ariaDescription: 'error bar' }),
    Plot.tickY(kept, { fx, x, y: hi, stroke: INK, strokeWidth: 1.5, insetLeft: CAP_INSET, insetRight: CAP_INSET, ariaDescription: 'error bar' }),
  ];
}

function kDomain(points: readonly KPoint[]): [number, number] {
  const maxK = Math.max(1, ...points.map((p) => p.k));
  return [1, Math.max(2, maxK)];
}

/** Whole-number ticks for k: every k up to a dozen, else Plot's own (formatted as integers). */
function kTicks(points: readonly KPoint[]): number[] | undefined {
  const maxK = kDomain(points)[1];
  return maxK <= 12 ? Array.from({ length: maxK }, (_, i) => i + 1) : undefined;
}

/** pass@k (solid) and pass^k (dashed) for k = 1…N, a line per run. */
export function passAtKChart(points: readonly KPoint[], legend: RunLegend): Plot.PlotOptions {
  const hat = points.filter((p) => p.passHatK !== null);
  return {
    width: 560,
    height: 280,
    marginLeft: 48,
    x: { domain: kDomain(points), label: 'k (attempts)', ticks: kTicks(points), tickFormat: 'd' },
    y: { domain: [0, 1], grid: true, label: 'Pass rate', tickFormat: '.0%' },
    color: { domain: legend.names, range: legend.colours },
    marks: [
      Plot.lineY(points, { x: 'k', y: 'passAtK', stroke: 'run', strokeWidth: 2, ariaDescription: 'pass@k' }),
      Plot.dot(points, {
        x: 'k',
        y: 'passAtK',
        fill: 'run',
        r: 3,
        title: (d: KPoint) => `${d.run}\npass@${d.k} ${formatRate(d.passAtK)} over ${d.tasks} tasks`,
      }),
      Plot.lineY(hat, { x: 'k', y: 'passHatK', stroke: 'run', strokeWidth: 2, strokeDasharray: '5,4', ariaDescription: 'pass^k' }),
      Plot.dot(hat, {
        x: 'k',
        y: 'passHatK',
        stroke: 'run',
        fill: 'white',
        r: 3,
        title: (d: KPoint) => `${d.run}\npass^${d.k} ${formatRate(d.passHatK)} over ${d.tasks} tasks`,
      }),
    ],
  };
}

/** Expected dollars earned with k attempts at every task (a task counts once it passes). */
export function earnedAtKChart(points: readonly KPoint[], legend: RunLegend): Plot.PlotOptions {
  return {
    width: 560,
    height: 280,
    marginLeft: 64,
    x: { domain: kDomain(points), label: 'k (attempts)', ticks: kTicks(points), tickFormat: 'd' },
    y: { grid: true, label: 'Earned@k ($)', tickFormat: dollarTick, nice: true, zero: true },
    color: { domain: legend.names, range: legend.colours },
    marks: [
      Plot.lineY(points, { x: 'k', y: 'earnedAtK', stroke: 'run', strokeWidth: 2, ariaDescription: 'earned@k' }),
      Plot.dot(points, {
        x: 'k',
        y: 'earnedAtK',
        fill: 'run',
        r: 3,
        title: (d: KPoint) => `${d.run}\nearned@${d.k} ${formatDollars(d.earnedAtK)}`,
      }),
    ],
  };
}

/** The model's manager accuracy next to chance, per run, the model's with its interval. */
export function managerAccuracyChart(bars: readonly ManagerBar[], runs: readonly string[]): Plot.PlotOptions {
  return {
    width: groupedWidth(runs.length, 2),
    height: 240,
    marginLeft: 48,
    marginBottom: 36,
    fx: { domain: [...runs], label: null, padding: 0.15, axis: 'bottom' },
    x: { domain: ['Model', 'Chance'], axis: null, paddingInner: 0.12, paddingOuter: 0.1 },
    y: { domain: [0, 1], grid: true, label: 'Accuracy', tickFormat: '.0%' },
    color: { domain: ['Model', 'Chance'], range: [MODEL, CHANCE] },
    marks: [
      Plot.barY(bars, {
        fx: 'run',
        x: 'who',
        y: 'accuracy',
        fill: 'who',
        title: (d: ManagerBar) =>
          d.who === 'Model'
            ? `${d.run}\nmodel accuracy ${formatRate(d.accuracy)} (95% CI ${formatRateCI([d.lo ?? 0, d.hi ?? 0])})`
            : `${d.run}\nchance ${formatRate(d.accuracy)} (one proposal picked at random)`,
      }),
      ...errorBar(bars, 'run', 'who', 'lo', 'hi'),
      Plot.ruleY([0]),
    ],
  };
}

/** Dollars the model earned on manager tasks next to what chance would earn. */
export function managerEarnedChart(bars: readonly ManagerBar[], runs: readonly string[]): Plot.PlotOptions {
  return {
    width: groupedWidth(runs.length, 2),
    height: 240,
    marginLeft: 64,
    marginBottom: 36,
    fx: { domain: [...runs], label: null, padding: 0.15, axis: 'bottom' },
    x: { domain: ['Model', 'Chance'], axis: null, paddingInner: 0.12, paddingOuter: 0.1 },
    y: { grid: true, label: 'Earned ($)', tickFormat: dollarTick, nice: true },
    color: { domain: ['Model', 'Chance'], range: [MODEL, CHANCE] },
    marks: [
      Plot.barY(bars, {
        fx: 'run',
        x: 'who',
        y: 'earned',
        fill: 'who',
        title: (d: ManagerBar) => `${d.run}\n${d.who === 'Model' ? 'model earned' : 'chance would earn'} ${formatDollars(d.earned)}`,
      }),
      Plot.ruleY([0]),
    ],
  };
}

/** How often the model chose each proposal position against how often that position was hired. */
export function positionBiasChart(bars: readonly { position: string; who: 'Chosen' | 'Hired'; count: number }[]): Plot.PlotOptions {
  const positions = [...new Set(bars.map((b) => b.position))].sort((a, b) => Number(a) - Number(b));
  return {
    width: groupedWidth(positions.length, 2),
    height: 220,
    marginLeft: 40,
    marginBottom: 36,
    fx: { domain: positions, label: 'Proposal position', padding: 0.15, axis: 'bottom' },
    x: { domain: ['Chosen', 'Hired'], axis: null, paddingInner: 0.12, paddingOuter: 0.1 },
    y: { grid: true, label: 'Tasks', tickFormat: 'd', nice: true },
    color: { domain: ['Chosen', 'Hired'], range: [MODEL, HIRED] },
    marks: [
      Plot.barY(bars, {
        fx: 'position',
        x: 'who',
        y: 'count',
        fill: 'who',
        title: (d: { position: string; who: string; count: number }) =>
          `position ${d.position}: ${d.who === 'Chosen' ? 'chosen by the model' : 'hired in truth'} ${d.count} times`,
      }),
      Plot.ruleY([0]),
    ],
  };
}

/** Earned dollars against dollars spent, one point per run. */
export function earnedVsSpentChart(points: readonly CostPoint[], legend: RunLegend): Plot.PlotOptions {
  const maxSpent = Math.max(0, ...points.map((p) => p.spent));
  const maxEarned = Math.max(0, ...points.map((p) => p.earned));
  return {
    width: 560,
    height: 300,
    marginLeft: 64,
    marginRight: 24,
    x: { domain: [0, maxSpent > 0 ? maxSpent * 1.15 : 1], label: 'Spent ($)', grid: true, tickFormat: (d: number) => formatUsd(d) },
    y: { domain: [0, maxEarned > 0 ? maxEarned * 1.15 : 1], label: 'Earned ($)', grid: true, tickFormat: dollarTick },
    color: { domain: legend.names, range: legend.colours },
    marks: [
      Plot.ruleY([0]),
      Plot.ruleX([0]),
      Plot.dot(points, {
        x: 'spent',
        y: 'earned',
        fill: 'run',
        r: 6,
        stroke: 'white',
        title: (d: CostPoint) =>
          `${d.run}\nspent ${formatUsd(d.spent)}, earned ${formatDollars(d.earned)}${d.spent > 0 && d.earned > 0 ? `\n${formatUsd(d.spent / d.earned)} per $ earned` : ''}`,
      }),
      // Runs at the same point (gold and null both spend nothing) share one label, a line each.
      Plot.text(sharedLabels(points), { x: 'spent', y: 'earned', text: 'label', dx: 9, textAnchor: 'start', lineAnchor: 'middle', fill: INK, ariaHidden: 'true' }),
    ],
  };
}

/** One label per distinct point, naming every run there. */
export function sharedLabels(points: readonly CostPoint[]): { spent: number; earned: number; label: string }[] {
  const byPoint = new Map<string, { spent: number; earned: number; label: string }>();
  for (const p of points) {
    const key = `${p.spent}|${p.earned}`;
    const seen = byPoint.get(key);
    if (seen) seen.label += `\n${p.run}`;
    else byPoint.set(key, { spent: p.spent, earned: p.earned, label: p.run });
  }
  return [...byPoint.values()];
}
