/**
 * How the report's numbers read: rates (fractions in the data) as percentages, intervals, p
 * values and signed dollar differences.
 */
import type { Interval } from '../../../../shared/reports';
import { formatDollars } from '../runs/format';

function percentText(fraction: number): string {
  const value = 100 * fraction;
  return value === 0 || value === 100 ? value.toFixed(0) : value.toFixed(1);
}

/** `62.5%` from 0.625; a dash for a rate that could not be measured. */
export function formatRate(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  return `${percentText(fraction)}%`;
}

/** `45.0–78.2%`. */
export function formatRateCI(ci: Interval): string {
  return `${percentText(ci[0])}–${percentText(ci[1])}%`;
}

/** `$250–$1,000`. */
export function formatDollarCI(ci: Interval): string {
  return `${formatDollars(ci[0])}–${formatDollars(ci[1])}`;
}

/** `+$250`, `−$1,000`, `$0`: a difference says its direction. */
export function formatSignedDollars(value: number): string {
  const rounded = Math.round(value);
  if (rounded === 0) return '$0';
  return `${rounded > 0 ? '+' : '−'}${formatDollars(Math.abs(rounded))}`;
}

/** `+$250 – +$1,000` for an interval of differences. */
export function formatSignedDollarCI(ci: Interval): string {
  return `${formatSignedDollars(ci[0])} to ${formatSignedDollars(ci[1])}`;
}

/** A p value to three decimals, or `< 0.001`. */
export function formatP(p: number): string {
  if (!Number.isFinite(p)) return '—';
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** `4 min 10 s` style wall time from seconds. */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const whole = Math.round(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(whole / 3600)} h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')} min`;
}
