/**
 * Charts in plain SVG: a run's outcomes as one stacked bar, earned against available dollars,
 * and earned dollars per run for the Results page.
 *
 * Bars stretch with their container (`preserveAspectRatio="none"`), so text stays in HTML
 * beside them where it cannot be distorted; the per-run chart has a fixed coordinate system
 * and scales as a whole.
 */
import type { ReactElement } from 'react';
import type { RunSummary, Tally } from '../../../../shared/runs';
import { formatCount, formatDollars, formatPercent, outcomeColours, outcomeKeys, outcomeLabels, shortRunId, solverShort } from './format';

interface Segment {
  key: string;
  label: string;
  count: number;
  colour: string;
}

/** The tally's parts in display order; `running` (when known) is split off from pending. */
function segmentsOf(tally: Tally, running: number | undefined): Segment[] {
  return outcomeKeys.flatMap((key): Segment[] => {
    if (key !== 'pending' || running === undefined) {
      return [{ key, label: outcomeLabels[key], count: tally[key], colour: outcomeColours[key] }];
    }
    return [
      { key: 'running', label: 'Running', count: running, colour: RUNNING_COLOUR },
      { key: 'pending', label: 'Queued', count: Math.max(0, tally.pending - running), colour: outcomeColours.pending },
    ];
  });
}

const RUNNING_COLOUR = '#8fb0f2';

/**
 * Passed / failed / timeout / error / cancelled / pending, side by side in one bar. With
 * `running`, live attempts show apart from those still queued.
 */
export function OutcomeBar({
  tally,
  running,
  height = 14,
  legend = true,
}: {
  tally: Tally;
  running?: number;
  height?: number;
  legend?: boolean;
}): ReactElement {
  const total = Math.max(tally.attempts, 1);
  const parts = segmentsOf(tally, running);
  const rects: ReactElement[] = [];
  for (let i = 0, x = 0; i < parts.length; i++) {
    const part = parts[i];
    if (!part || part.count === 0) continue;
    const width = (100 * part.count) / total;
    rects.push(
      <rect key={part.key} x={x} y={0} width={width} height={10} fill={part.colour}>
        <title>{`${part.label}: ${formatCount(part.count)}`}</title>
      </rect>,
    );
    x += width;
  }
  const description = parts.map((p) => `${formatCount(p.count)} ${p.label.toLowerCase()}`).join(', ');
  return (
    <div className="outcome-chart">
      <svg
        className="outcome-bar"
        viewBox="0 0 100 10"
        preserveAspectRatio="none"
        style={{ height }}
        role="img"
        aria-label={`Outcomes: ${description}`}
      >
        <rect x={0} y={0} width={100} height={10} fill={outcomeColours.pending} />
        {rects}
      </svg>
      {legend && (
        <ul className="chart-legend">
          {parts.map((p) => (
            <li key={p.key} className={p.count === 0 ? 'zero' : undefined} data-outcome={p.key}>
              <span className="swatch" style={{ background: p.colour }} aria-hidden="true" />
              {p.label} <strong>{formatCount(p.count)}</strong>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Earned dollars against the dollars the run's tasks are worth. */
export function EarnedBar({ earned, available }: { earned: number; available: number }): ReactElement {
  const share = available > 0 ? Math.min(100, (100 * earned) / available) : 0;
  return (
    <div className="earned-chart">
      <div className="earned-figures">
        <span className="earned-amount" data-testid="earned-amount">
          {formatDollars(earned)}
        </span>
        <span className="muted">
          earned of <span data-testid="available-amount">{formatDollars(available)}</span> ({formatPercent(earned, available)})
        </span>
      </div>
      <svg
        className="earned-bar"
        viewBox="0 0 100 10"
        preserveAspectRatio="none"
        role="img"
        aria-label={`${formatDollars(earned)} earned of ${formatDollars(available)}`}
      >
        <rect x={0} y={0} width={100} height={10} fill="#e3e7ee" />
        <rect x={0} y={0} width={share} height={10} fill={outcomeColours.passed} />
      </svg>
    </div>
  );
}

const CHART_WIDTH = 860;
const LABEL_WIDTH = 250;
const VALUE_WIDTH = 170;
const ROW_HEIGHT = 30;

/** The smallest 1, 2, 2.5 or 5 times a power of ten at or above `value`: round axis ticks. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Earned dollars per run, each against its available dollars, on one shared scale. */
export function EarningsChart({ runs }: { runs: readonly RunSummary[] }): ReactElement {
  const max = niceCeiling(Math.max(1, ...runs.map((r) => r.tally.available)));
  const barSpace = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const height = runs.length * ROW_HEIGHT + 24;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <svg
      className="earnings-chart"
      viewBox={`0 0 ${CHART_WIDTH} ${height}`}
      role="img"
      aria-label="Earned dollars per run"
      data-testid="earnings-chart"
    >
      {ticks.map((t) => (
        <g key={t}>
          <line x1={LABEL_WIDTH + t * barSpace} x2={LABEL_WIDTH + t * barSpace} y1={4} y2={height - 20} stroke="#e6e9ef" />
          <text x={LABEL_WIDTH + t * barSpace} y={height - 6} textAnchor="middle" className="tick">
            {formatDollars(max * t)}
          </text>
        </g>
      ))}
      {runs.map((run, i) => {
        const y = 8 + i * ROW_HEIGHT;
        const availableWidth = (barSpace * run.tally.available) / max;
        const earnedWidth = (barSpace * run.tally.earned) / max;
        return (
          <g key={run.id} data-run-id={run.id}>
            <title>{`${run.id}: ${formatDollars(run.tally.earned)} of ${formatDollars(run.tally.available)}`}</title>
            <text x={LABEL_WIDTH - 10} y={y + 13} textAnchor="end" className="label">
              {clip(`${shortRunId(run.id)} · ${solverShort(run.solver)}`, 34)}
            </text>
            <rect x={LABEL_WIDTH} y={y} width={Math.max(availableWidth, 1)} height={18} rx={3} fill="#e3e7ee" />
            <rect x={LABEL_WIDTH} y={y} width={earnedWidth} height={18} rx={3} fill={outcomeColours.passed} />
            <text x={LABEL_WIDTH + barSpace + 10} y={y + 13} className="value">
              {`${formatDollars(run.tally.earned)} / ${formatDollars(run.tally.available)}`}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
