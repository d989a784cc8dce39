import { describe, expect, it } from 'vitest';
import { parsePatch } from './patch-view';
import { lineDiff } from './line-diff';

describe('parsePatch', () => {
  it('classifies and numbers the lines of a unified diff', () => {
    const patch = [
      'diff --git a/a.ts b/a.ts',
      'index 1..2 100644',
      '--- a/a.ts',
      '+++ b/a.ts',
      '@@ -10,3 +10,3 @@ function f() {',
      ' keep',
      '--- a removed line that looks like a header',
      '+++ an added one',
      ' keep',
    ].join('\n');
    const lines = parsePatch(patch);
    expect(lines.map((l) => l.kind)).toEqual(['file', 'meta', 'meta', 'meta', 'hunk', 'context', 'del', 'add', 'context']);
    expect(lines[5]).toMatchObject({ oldNo: 10, newNo: 10 });
    expect(lines[6]).toMatchObject({ oldNo: 11, newNo: null });
    expect(lines[7]).toMatchObject({ oldNo: null, newNo: 11 });
    expect(lines[8]).toMatchObject({ oldNo: 12, newNo: 12 });
  });
});

describe('lineDiff', () => {
  it('marks added, removed and common lines', () => {
    const lines = lineDiff('a\nb\nc\n', 'a\nB\nc\nd\n');
    expect(lines.map((l) => `${l.kind}:${l.text}`)).toEqual(['context:a', 'del:b', 'add:B', 'context:c', 'add:d']);
  });
});
