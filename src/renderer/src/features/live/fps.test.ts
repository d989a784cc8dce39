import { describe, expect, it } from 'vitest';
import { measuredFps, pushBounded } from './fps';

describe('pushBounded', () => {
  it('keeps the latest entries only', () => {
    const times: number[] = [];
    for (let i = 0; i < 10; i++) pushBounded(times, i, 4);
    expect(times).toEqual([6, 7, 8, 9]);
  });
});

describe('measuredFps', () => {
  const at = (fps: number, from: number, to: number): number[] => {
    const out: number[] = [];
    for (let t = from; t <= to; t += 1000 / fps) out.push(t);
    return out;
  };
  it('measures a steady stream', () => {
    expect(measuredFps(at(10, 0, 5000), 5000)).toBeCloseTo(10, 5);
    expect(measuredFps(at(25, 0, 5000), 5010)).toBeCloseTo(25, 5);
  });
  it('does not under-count a stream that just started', () => {
    expect(measuredFps(at(10, 4500, 5000), 5000)).toBeCloseTo(10, 5);
  });
  it('is 0 with too few frames or when the stream stalled', () => {
    expect(measuredFps([], 1000)).toBe(0);
    expect(measuredFps([900], 1000)).toBe(0);
    expect(measuredFps(at(10, 0, 2000), 4000)).toBe(0);
  });
  it('ignores frames outside the window', () => {
    expect(measuredFps([...at(50, 0, 1000), ...at(5, 3000, 5000)], 5000)).toBeCloseTo(5, 5);
  });
});
