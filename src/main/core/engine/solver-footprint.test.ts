import { describe, expect, it } from 'vitest';
import { footprintBetween, parseSnapshot } from './solver-footprint';

const line = (...parts: string[]): string => parts.join('\t');

describe('the solver footprint', () => {
  const before = parseSnapshot(
    [
      line('F', 'tests', '1000', '1700000000.1000000000', '/app/tests.zip'),
      line('F', 'shell-startup', '40', '1700000000.2000000000', '/root/.bashrc'),
      line('F', 'path', '9000', '1600000000.0000000000', '/usr/bin/git'),
      line('F', 'path', '100', '1600000000.0000000000', '/usr/bin/old-tool'),
      line('P', '1', '/sbin/docker-init -- sleep infinity'),
      line('P', '7', 'sleep infinity'),
      'noise that is not a record',
    ].join('\n'),
  );

  it('reads files and processes, and ignores other lines', () => {
    expect(before.files.size).toBe(4);
    expect(before.processes.get(7)).toBe('sleep infinity');
  });

  it('finds files added, changed (size or ctime) and removed, and new processes', () => {
    const after = parseSnapshot(
      [
        // Same size, but a new ctime: rewritten (a process cannot set ctime back).
        line('F', 'tests', '1000', '1700000500.0000000000', '/app/tests.zip'),
        line('F', 'shell-startup', '40', '1700000000.2000000000', '/root/.bashrc'),
        line('F', 'path', '9000', '1600000000.0000000000', '/usr/bin/git'),
        line('F', 'path', '20', '1700000600.0000000000', '/usr/local/bin/pytest'),
        line('F', 'tests', '5', '1700000600.0000000000', '/app/tests/logs/9001/pytest_exit_code'),
        line('P', '1', '/sbin/docker-init -- sleep infinity'),
        line('P', '7', 'sleep infinity'),
        line('P', '88', 'sh -c while true; do echo 0 > x; done'),
      ].join('\n'),
    );
    const { outsideRepoChanges, processesLeft } = footprintBetween(before, after);
    expect(outsideRepoChanges).toEqual([
      { path: '/app/tests.zip', area: 'tests', change: 'modified' },
      { path: '/app/tests/logs/9001/pytest_exit_code', area: 'tests', change: 'added' },
      { path: '/usr/bin/old-tool', area: 'path', change: 'removed' },
      { path: '/usr/local/bin/pytest', area: 'path', change: 'added' },
    ]);
    expect(processesLeft).toEqual([{ pid: 88, command: 'sh -c while true; do echo 0 > x; done' }]);
  });

  it('counts a reused pid running another program as a new process', () => {
    const after = parseSnapshot([line('P', '1', '/sbin/docker-init -- sleep infinity'), line('P', '7', 'python3 -m http.server')].join('\n'));
    expect(footprintBetween(before, after).processesLeft).toEqual([{ pid: 7, command: 'python3 -m http.server' }]);
  });

  it('reports nothing when nothing changed', () => {
    expect(footprintBetween(before, before)).toEqual({ outsideRepoChanges: [], processesLeft: [] });
  });
});
