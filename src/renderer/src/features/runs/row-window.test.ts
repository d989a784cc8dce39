import { describe, expect, it } from 'vitest';
import { OVERSCAN, rowWindow } from './row-window';

describe('rowWindow', () => {
  it('draws the rows in view and a margin either side', () => {
    // Rows 30 px high, pixels 600..900 of the body in view: rows 20..30, plus the margin.
    expect(rowWindow(1488, 30, 600, 900)).toEqual({ first: 20 - OVERSCAN, last: 30 + OVERSCAN });
    expect(rowWindow(1488, 30, 600, 900, 0)).toEqual({ first: 20, last: 30 });
  });

  it('keeps to the rows there are at either end', () => {
    expect(rowWindow(1488, 30, 0, 500)).toEqual({ first: 0, last: 17 + OVERSCAN });
    expect(rowWindow(1488, 30, 1487 * 30, 1488 * 30 + 400)).toEqual({ first: 1487 - OVERSCAN, last: 1488 });
    expect(rowWindow(0, 30, 0, 500)).toEqual({ first: 0, last: 0 });
  });

  it('draws the margin at the nearer end when the body is out of view', () => {
    // The body starts below the view (the summary fills the screen): its first rows.
    expect(rowWindow(1488, 30, -2000, -1000)).toEqual({ first: 0, last: OVERSCAN });
    expect(rowWindow(1488, 30, -200, 10)).toEqual({ first: 0, last: 1 + OVERSCAN });
    // Scrolled past its end: its last rows.
    expect(rowWindow(1488, 30, 60_000, 61_000)).toEqual({ first: 1488 - OVERSCAN, last: 1488 });
    expect(rowWindow(5, 30, 60_000, 61_000)).toEqual({ first: 0, last: 5 });
  });

  it('never divides by a zero height', () => {
    expect(rowWindow(10, 0, 0, 5)).toEqual({ first: 0, last: 10 });
  });
});
