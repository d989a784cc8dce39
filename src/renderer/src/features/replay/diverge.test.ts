import { describe, expect, it } from 'vitest';
import { firstDivergence, normalizeTitle } from './diverge';

const seq = (...titles: string[]): { title: string }[] => titles.map((title) => ({ title }));

describe('firstDivergence', () => {
  it('is null for identical sequences, empty ones included', () => {
    expect(firstDivergence([], [])).toBeNull();
    expect(firstDivergence(seq('page.goto /', 'frame.click #send'), seq('page.goto /', 'frame.click #send'))).toBeNull();
  });

  it('finds the first step whose titles differ', () => {
    const gold = seq('page.goto /', 'frame.click #composer', 'keyboard.press Enter', 'frame.evalOnSelectorAll .text');
    const model = seq('page.goto /', 'frame.click #composer', 'keyboard.press Enter', 'frame.queryCount .message', 'frame.queryCount .message');
    expect(firstDivergence(gold, model)).toEqual({ step: 3, a: 3, b: 3 });
  });

  it('differs at the first step when the first actions differ', () => {
    expect(firstDivergence(seq('a'), seq('b'))).toEqual({ step: 0, a: 0, b: 0 });
  });

  it('marks the end of the shorter sequence when one is a prefix of the other', () => {
    expect(firstDivergence(seq('a', 'b'), seq('a', 'b', 'c'))).toEqual({ step: 2, a: null, b: 2 });
    expect(firstDivergence(seq('a', 'b', 'c'), seq('a'))).toEqual({ step: 1, a: 1, b: null });
    expect(firstDivergence([], seq('a'))).toEqual({ step: 0, a: null, b: 0 });
  });

  it('compares by title only, ignoring whitespace differences', () => {
    const a = [{ title: 'frame.click  #send', error: null }];
    const b = [{ title: ' frame.click #send\n', error: 'Timeout 5000ms exceeded' }];
    expect(firstDivergence(a, b)).toBeNull();
  });

  it('is symmetric', () => {
    const a = seq('x', 'y', 'z');
    const b = seq('x', 'q');
    const ab = firstDivergence(a, b);
    const ba = firstDivergence(b, a);
    expect(ab?.step).toBe(ba?.step);
    expect([ab?.a, ab?.b]).toEqual([ba?.b, ba?.a]);
  });
});

describe('normalizeTitle', () => {
  it('trims and collapses whitespace', () => {
    expect(normalizeTitle('  page.fill \t #a \n "x" ')).toBe('page.fill #a "x"');
  });
});
