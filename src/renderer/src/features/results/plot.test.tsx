// @vitest-environment jsdom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { breakdownRateChart, earnedVsSpentChart, managerAccuracyChart, passAtKChart, positionBiasChart, runColour } from './chart-options';
import { PLOT_CLASS, PlotFigure, renderPlot } from './plot';
import { breakdownBars, breakdownGroupOrder, costPoints, kPoints, managerBars, positionBiasBars } from './report-tables';
import { twoRunReport } from './report-fixture';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const runs = twoRunReport.runs;
const legend = { names: ['A · gold', 'B · null'], colours: [runColour(0), runColour(1)] };

describe('renderPlot', () => {
  it('draws grouped bars with error bars, with our class and no <style> element (the CSP)', () => {
    const bars = breakdownBars(runs, 'variant');
    const svg = renderPlot(breakdownRateChart(bars, breakdownGroupOrder(runs, 'variant'), legend), 'Pass rate by variant', 'per variant');
    expect(svg.getAttribute('class')).toBe(PLOT_CLASS);
    expect(svg.getAttribute('aria-label')).toBe('Pass rate by variant');
    expect(svg.getAttribute('aria-description')).toBe('per variant');
    expect(svg.getAttribute('role')).toBe('img');
    expect(svg.querySelectorAll('style')).toHaveLength(0);
    expect(svg.querySelectorAll('[style]')).toHaveLength(0);
    expect(svg.querySelectorAll('g[aria-label="bar"] rect')).toHaveLength(bars.length);
    // One rule and two caps per bar.
    expect(svg.querySelectorAll('g[aria-description="error bar"] line')).toHaveLength(3 * bars.length);
    const titles = [...svg.querySelectorAll('g[aria-label="bar"] title')].map((t) => t.textContent);
    expect(titles[0]).toBe('A · gold · IC SWE\npass rate 100% (95% CI 100–100%)\n2 of 3 tasks');
    // Each run keeps its colour.
    const fills = [...svg.querySelectorAll('g[aria-label="bar"] rect')].map((r) => r.getAttribute('fill'));
    expect(new Set(fills)).toEqual(new Set(legend.colours));
  });

  it('draws pass@k and pass^k lines, the manager and position-bias bars and the cost points', () => {
    const k = renderPlot(passAtKChart(kPoints(runs), legend), 'pass@k');
    expect(k.querySelectorAll('g[aria-description="pass@k"] path').length).toBeGreaterThanOrEqual(1);
    expect(k.querySelectorAll('g[aria-description="pass^k"] path').length).toBeGreaterThanOrEqual(1);

    const manager = renderPlot(managerAccuracyChart(managerBars(runs), ['A · gold']), 'Manager');
    expect(manager.querySelectorAll('g[aria-label="bar"] rect')).toHaveLength(2);
    // Chance has no interval: one error bar only.
    expect(manager.querySelectorAll('g[aria-description="error bar"] line')).toHaveLength(3);

    const runA = runs[0];
    if (!runA) throw new Error('fixture');
    const bias = renderPlot(positionBiasChart(positionBiasBars(runA)), 'Bias');
    expect(bias.querySelectorAll('g[aria-label="bar"] rect')).toHaveLength(6);

    const cost = renderPlot(earnedVsSpentChart(costPoints(runs), legend), 'Cost');
    expect(cost.querySelectorAll('g[aria-label="dot"] circle')).toHaveLength(2);
  });
});

describe('PlotFigure', () => {
  let container: HTMLDivElement;
  let root: Root;

  beforeEach(() => {
    container = document.createElement('div');
    document.body.append(container);
    root = createRoot(container);
  });

  afterEach(() => {
    act(() => root.unmount());
    container.remove();
  });

  it('places the chart in its figure, redraws on new options and removes it on unmount', () => {
    const bars = breakdownBars(runs, 'price');
    const groups = breakdownGroupOrder(runs, 'price');
    const first = breakdownRateChart(bars, groups, legend);
    act(() => root.render(<PlotFigure title="Pass rate by price bucket" options={first} fileStem="report-x-by-price" csv={{ fileName: 'report-x-by-price.csv', table: () => ({ columns: [], rows: [] }) }} />));
    const figure = container.querySelector('figure[aria-label="Pass rate by price bucket"]');
    expect(figure?.querySelectorAll('svg.lancer-plot')).toHaveLength(1);
    expect(figure?.querySelectorAll('g[aria-label="bar"] rect')).toHaveLength(bars.length);
    const buttons = [...(figure?.querySelectorAll('button') ?? [])].map((b) => b.getAttribute('aria-label'));
    expect(buttons).toEqual([
      'Download “Pass rate by price bucket” as SVG',
      'Download “Pass rate by price bucket” as PNG',
      'Download “Pass rate by price bucket” data as CSV',
    ]);

    const fewer = breakdownRateChart(bars.slice(0, 1), groups, legend);
    act(() => root.render(<PlotFigure title="Pass rate by price bucket" options={fewer} fileStem="report-x-by-price" />));
    expect(container.querySelectorAll('svg.lancer-plot')).toHaveLength(1);
    expect(container.querySelectorAll('g[aria-label="bar"] rect')).toHaveLength(1);

    act(() => root.render(<div />));
    expect(container.querySelectorAll('svg')).toHaveLength(0);
  });

  it('says so when a spec cannot be drawn instead of leaving a blank', () => {
    act(() => root.render(<PlotFigure title="Broken" options={{ marks: [() => { throw new Error('bad mark'); }] }} fileStem="broken" />));
    expect(container.querySelector('[role="alert"]')?.textContent).toContain('bad mark');
  });
});
