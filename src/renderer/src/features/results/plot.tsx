/**
 * One Observable Plot chart in React: Plot draws an SVG into a div the effect owns, and the
 * cleanup removes it, so React never touches Plot's nodes. The figure around it carries the
 * caption (the chart's accessible name), an HTML legend and the SVG / PNG / CSV downloads.
 *
 * The CSP: Plot adds a `<style>` element with its defaults to every chart; it is removed here and
 * the same rules live in results.css under our own class name, so the charts need nothing from
 * `style-src 'unsafe-inline'` (Plot's other styling is presentation attributes, which a CSP does
 * not govern). Legends are HTML here for the same reason: Plot's legends bring a `<style>` too.
 */
import * as Plot from '@observablehq/plot';
import { useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import { errorText } from '../runs/format';
import { downloadCsv, downloadPng, downloadSvg, type CsvTable } from './export';
import './results.css';

/** The class every chart's SVG carries; results.css styles it (Plot's defaults, moved there). */
export const PLOT_CLASS = 'lancer-plot';

/**
 * Draws a chart off-page: Plot's SVG with our class, the accessible name and description, and
 * without Plot's `<style>` element (see above).
 */
export function renderPlot(options: Plot.PlotOptions, label: string, description?: string): SVGSVGElement {
  const chart = Plot.plot({ ...options, className: PLOT_CLASS, figure: false, ariaLabel: label, ariaDescription: description ?? null });
  if (!(chart instanceof SVGSVGElement)) {
    // Only a figure (title, legends) would wrap it; none is asked for.
    throw new Error('Plot made a figure where an SVG was expected');
  }
  for (const style of chart.querySelectorAll('style')) style.remove();
  chart.setAttribute('role', 'img');
  return chart;
}

export interface LegendItem {
  name: string;
  colour: string;
  /** A line legend (dashed for pass^k) instead of a swatch. */
  dashed?: boolean;
}

export interface PlotFigureProps {
  /** The caption and the chart's accessible name. */
  title: string;
  /** What the chart shows, in words, for screen readers. */
  description?: string;
  /** Memoize it: a new object draws the chart again. */
  options: Plot.PlotOptions;
  /** Download names without extension, e.g. `report-<runId>-by-price-pass-rate`. */
  fileStem: string;
  /** The numbers behind the chart, offered as CSV (several charts may share one file name). */
  csv?: { fileName: string; table: () => CsvTable };
  legend?: readonly LegendItem[];
  /** Extra words under the caption: what the error bars are, what a dashed line means. */
  note?: string;
}

export function PlotFigure({ title, description, options, fileStem, csv, legend, note }: PlotFigureProps): ReactElement {
  const holder = useRef<HTMLDivElement>(null);
  const [exportError, setExportError] = useState<string | null>(null);

  // Drawn during render into a detached SVG (Plot only creates nodes), so a bad spec is a
  // message rather than a blank page; the effect only places it and takes it away again.
  const drawn = useMemo((): { chart: SVGSVGElement } | { error: string } => {
    try {
      return { chart: renderPlot(options, title, description) };
    } catch (e) {
      return { error: errorText(e) };
    }
  }, [options, title, description]);

  useEffect(() => {
    const node = holder.current;
    if (!node || !('chart' in drawn)) return undefined;
    node.replaceChildren(drawn.chart);
    return () => drawn.chart.remove();
  }, [drawn]);

  const svg = (): SVGSVGElement | null => holder.current?.querySelector('svg') ?? null;
  const exportAs = (kind: 'svg' | 'png'): void => {
    const node = svg();
    if (!node) return;
    setExportError(null);
    if (kind === 'svg') downloadSvg(`${fileStem}.svg`, node);
    else downloadPng(`${fileStem}.png`, node).catch((e: unknown) => setExportError(errorText(e)));
  };

  return (
    <figure className="plot-figure" aria-label={title} data-chart={fileStem}>
      <figcaption>
        <span className="plot-title">{title}</span>
        <span className="plot-actions">
          <button type="button" className="link-button" aria-label={`Download “${title}” as SVG`} onClick={() => exportAs('svg')}>
            SVG
          </button>
          <button type="button" className="link-button" aria-label={`Download “${title}” as PNG`} onClick={() => exportAs('png')}>
            PNG
          </button>
          {csv && (
            <button type="button" className="link-button" aria-label={`Download “${title}” data as CSV`} onClick={() => downloadCsv(csv.fileName, csv.table())}>
              CSV
            </button>
          )}
        </span>
      </figcaption>
      {note && <p className="plot-note muted">{note}</p>}
      {legend && legend.length > 1 && <PlotLegend items={legend} />}
      <div className="plot-holder" ref={holder} />
      {'error' in drawn && (
        <p className="error-box" role="alert">
          The chart could not be drawn: {drawn.error}
        </p>
      )}
      {exportError && (
        <p className="error-box" role="alert">
          The PNG could not be made: {exportError}
        </p>
      )}
    </figure>
  );
}

/** Colour keys in HTML (Plot's own legends would bring a `<style>` element). */
export function PlotLegend({ items }: { items: readonly LegendItem[] }): ReactElement {
  return (
    <ul className="chart-legend plot-legend">
      {items.map((item) => (
        <li key={item.name}>
          {item.dashed === undefined ? (
            <span className="swatch" style={{ background: item.colour }} aria-hidden="true" />
          ) : (
            <span className={item.dashed ? 'line-key dashed' : 'line-key'} style={{ borderColor: item.colour }} aria-hidden="true" />
          )}
          {item.name}
        </li>
      ))}
    </ul>
  );
}
