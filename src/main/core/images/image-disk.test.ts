import { describe, expect, it } from 'vitest';
import { formatBytes, sumUniqueLayers, type HistoryEntry } from './image-disk';

const entry = (createdBy: string, size: number, created = 1): HistoryEntry => ({
  Id: '<missing>',
  Created: created,
  CreatedBy: createdBy,
  Size: size,
});

describe('sumUniqueLayers', () => {
  // Histories are newest first, as the daemon returns them.
  const os = [entry('import', 80)];
  const base = [entry('RUN apt-get install', 1000), ...os];
  const bench = [entry('COPY sample', 20), ...base];
  const task1 = [entry('RUN setup 1', 3), entry('ENV ISSUE_ID=1', 0), ...bench];
  const task2 = [entry('RUN setup 2', 4), entry('ENV ISSUE_ID=2', 0), ...bench];

  it('counts the shared parent chain once', () => {
    expect(sumUniqueLayers([os, base, bench, task1, task2])).toBe(80 + 1000 + 20 + 3 + 4);
    expect(sumUniqueLayers([task1])).toBe(1103);
  });

  it('does not merge equal commands on different parents', () => {
    const other = [entry('RUN setup 1', 3), entry('import other', 50)];
    expect(sumUniqueLayers([task1, other])).toBe(1103 + 53);
  });

  it('is zero for nothing', () => {
    expect(sumUniqueLayers([])).toBe(0);
  });
});

describe('formatBytes', () => {
  it('uses decimal units like docker', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1_234_000)).toBe('1.23 MB');
    expect(formatBytes(81_274_880)).toBe('81.3 MB');
    expect(formatBytes(1_210_000_000)).toBe('1.21 GB');
    expect(formatBytes(456_000_000)).toBe('456 MB');
  });
});
