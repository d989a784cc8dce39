import { describe, expect, it } from 'vitest';
import type { Tally } from '../shared/runs';
import { estimateLeftMs, formatDuration, progressLine, StatusLine } from './progress';

const tally = (over: Partial<Tally>): Tally => ({ tasks: 13, attempts: 13, passed: 0, failed: 0, timeout: 0, error: 0, cancelled: 0, pending: 13, earned: 0, available: 20_000, ...over });

describe('the run status line', () => {
  it('says done of total, passed, earned, running, elapsed and the time left', () => {
    const line = progressLine({ tally: tally({ passed: 5, failed: 2, pending: 6, earned: 6250 }), running: 2, elapsedMs: 72_000, finishedHere: 7 });
    // 72 s for 7 attempts, 6 left: about 62 s.
    expect(line).toBe('7/13 done · 5 passed · $6,250 earned · 2 running · 1m12s · ~1m02s left');
  });

  it('estimates nothing before an attempt of this process ends, and says why a run waits', () => {
    expect(estimateLeftMs({ tally: tally({ pending: 4 }), running: 1, elapsedMs: 5000, finishedHere: 0 })).toBeNull();
    expect(progressLine({ tally: tally({}), running: 0, elapsedMs: 3000, finishedHere: 0 })).toContain('estimating…');
    expect(progressLine({ tally: tally({}), running: 0, elapsedMs: 3000, finishedHere: 0, waiting: 'Docker is not answering' })).toContain('waiting: Docker is not answering');
    expect(estimateLeftMs({ tally: tally({ pending: 0 }), running: 0, elapsedMs: 9000, finishedHere: 13 })).toBe(0);
  });

  it('formats durations', () => {
    expect([formatDuration(0), formatDuration(59_400), formatDuration(61_000), formatDuration(3_725_000)]).toEqual(['0s', '59s', '1m01s', '1h02m']);
  });

  it('redraws in place and prints finished attempts above the status', () => {
    let written = '';
    const out = { columns: 40, write: (s: string) => ((written += s), true) } as unknown as NodeJS.WriteStream;
    const line = new StatusLine(out);
    line.update('1/2 done');
    line.print('  9001 passed');
    line.update('2/2 done · a very long line that does not fit the terminal');
    line.end();
    expect(written).toBe('\r\x1b[2K1/2 done' + '\r\x1b[2K  9001 passed\n1/2 done' + '\r\x1b[2K2/2 done · a very long line that does …' + '\n');
  });
});
