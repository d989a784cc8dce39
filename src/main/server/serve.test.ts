import { describe, expect, it } from 'vitest';
import { sameSecret } from './serve';

describe('sameSecret', () => {
  it('accepts only the exact token', () => {
    expect(sameSecret('abc123', 'abc123')).toBe(true);
    expect(sameSecret('abc124', 'abc123')).toBe(false);
    expect(sameSecret('abc12', 'abc123')).toBe(false);
    expect(sameSecret('', 'abc123')).toBe(false);
    expect(sameSecret(undefined, 'abc123')).toBe(false);
  });
});
