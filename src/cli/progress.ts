/**
 * `lancer run`'s live status line on a terminal: attempts done of total, passed, earned dollars,
 * running, elapsed time and an estimate of the time left, redrawn in place. Pipes and --json get
 * plain lines instead (a log file full of carriage returns helps nobody).
 */
import type { Tally } from '../shared/runs';
import { formatDollarsCli } from './format';

export interface ProgressSnapshot {
  tally: Tally;
  running: number;
  elapsedMs: number;
  /** Attempts that finished since this process started, for the rate (a resumed run's earlier results do not count). */
  finishedHere: number;
  /** Why the run is not moving, when it waits (a Docker outage, say). */
  waiting?: string | null;
}

/** Durations for a terminal line: `12s`, `4m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const dollars = (n: number): string => formatDollarsCli(n, 0);

/** The estimate of time left: the pace so far times what is left, or null before any attempt ends. */
export function estimateLeftMs(s: ProgressSnapshot): number | null {
  const left = s.tally.pending;
  if (left <= 0) return 0;
  if (s.finishedHere === 0) return null;
  return (s.elapsedMs / s.finishedHere) * left;
}

/** The one-line status, e.g. `7/13 done · 5 passed · $6,250 earned · 2 running · 1m12s · ~1m30s left`. */
export function progressLine(s: ProgressSnapshot): string {
  // Progress counts attempts: with repeats a task is done only after its last attempt.
  const done = s.tally.attempts - s.tally.pending;
  const eta = estimateLeftMs(s);
  return [
    `${done}/${s.tally.attempts} done`,
    `${s.tally.passed} passed`,
    `${dollars(s.tally.earned)} earned`,
    `${s.running} running`,
    formatDuration(s.elapsedMs),
    s.waiting ? `waiting: ${s.waiting}` : eta === null ? 'estimating…' : `~${formatDuration(eta)} left`,
  ].join(' · ');
}

/**
 * Draws the status line on a terminal stream: `print` writes a line above it (the status is
 * redrawn after), `update` redraws it, `end` leaves the last status on its own line.
 */
export class StatusLine {
  private last = '';
  constructor(private readonly out: NodeJS.WriteStream) {}

  private fit(line: string): string {
    const width = this.out.columns || 120;
    return line.length < width ? line : `${line.slice(0, width - 2)}…`;
  }

  update(line: string): void {
    this.last = this.fit(line);
    this.out.write(`\r\x1b[2K${this.last}`);
  }

  print(line: string): void {
    this.out.write(`\r\x1b[2K${line}\n${this.last}`);
  }

  end(): void {
    if (this.last) this.out.write('\n');
    this.last = '';
  }
}
