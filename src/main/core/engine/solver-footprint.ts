/**
 * What a solver left behind outside the repository, for grading that a solver cannot quietly
 * tamper with: a solver runs as root in the container that is then graded, so it could plant a
 * changed test runner, a shell alias, a program on PATH, or a process that outlives it. The
 * clean grading (a fresh container) makes that harmless to the score; this module makes it
 * visible.
 *
 * A snapshot lists the watched files with their size and ctime (which no process can set back,
 * unlike mtime) and the running processes, in one exec; the solver's footprint is the
 * difference between the snapshot taken after set-up and the one taken when grading begins.
 */
import type { LeftProcess, OutsideRepoChange } from '../../../shared/runs';
import type { TaskContainer } from './container-runtime';

type Area = OutsideRepoChange['area'];

/** Shell start-up files: an alias or a function here changes what later commands run. */
const SHELL_STARTUP = [
  '/root/.bashrc',
  '/root/.profile',
  '/root/.bash_profile',
  '/root/.bash_login',
  '/root/.bash_logout',
  '/root/.inputrc',
  '/etc/bash.bashrc',
  '/etc/profile',
  '/etc/profile.d',
  '/etc/environment',
  '/etc/ld.so.preload',
];

/** Where programs are found: the PATH of the task containers. */
const PATH_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The hidden tests: zipped while the solver runs, unzipped for grading. */
const TESTS = ['/app/tests', '/app/tests.zip'];

/**
 * One exec that prints `F <area> <size> <ctime> <path>` per watched file and `P <pid> <cmdline>`
 * per process. Plain sh with an explicit PATH, so an alias or a changed PATH in start-up files
 * does not steer it; `find -printf` and builtins only.
 */
function snapshotScript(): string {
  const list = (area: Area, roots: string[], depth: string): string =>
    `for r in ${roots.join(' ')}; do [ -e "$r" ] || [ -L "$r" ] || continue; find "$r" -xdev ${depth} \\( -type f -o -type l \\) -printf 'F\\t${area}\\t%s\\t%C@\\t%p\\n' 2>/dev/null; done`;
  return [
    'export PATH=/usr/bin:/bin',
    list('tests', TESTS, ''),
    list('shell-startup', [...SHELL_STARTUP, '/home/*/.bashrc', '/home/*/.profile', '/home/*/.bash_profile'], ''),
    list('path', PATH_DIRS, '-maxdepth 1'),
    // The glob is expanded once, before the loop: processes it starts itself are not listed.
    'self=$$',
    'for d in /proc/[0-9]*; do p=${d#/proc/}; [ "$p" = "$self" ] && continue; c=$(tr "\\000" " " < "$d/cmdline" 2>/dev/null); [ -n "$c" ] && printf "P\\t%s\\t%s\\n" "$p" "$c"; done',
    'true',
  ].join('\n');
}

export interface FootprintSnapshot {
  files: Map<string, { area: Area; size: string; ctime: string }>;
  processes: Map<number, string>;
}

export function parseSnapshot(output: string): FootprintSnapshot {
  const files = new Map<string, { area: Area; size: string; ctime: string }>();
  const processes = new Map<number, string>();
  for (const line of output.split('\n')) {
    const parts = line.split('\t');
    if (parts[0] === 'F' && parts.length >= 5) {
      files.set(parts.slice(4).join('\t'), { area: parts[1] as Area, size: parts[2] ?? '', ctime: parts[3] ?? '' });
    } else if (parts[0] === 'P' && parts.length >= 3) {
      const pid = Number(parts[1]);
      if (Number.isInteger(pid)) processes.set(pid, parts.slice(2).join('\t').trim());
    }
  }
  return { files, processes };
}

export async function takeSnapshot(container: TaskContainer, signal: AbortSignal): Promise<FootprintSnapshot> {
  const result = await container.exec(snapshotScript(), { timeoutMs: 60_000, signal });
  return parseSnapshot(result.output);
}

/** Files added, changed or removed between two snapshots; processes running now that were not before. */
export function footprintBetween(
  before: FootprintSnapshot,
  after: FootprintSnapshot,
): { outsideRepoChanges: OutsideRepoChange[]; processesLeft: LeftProcess[] } {
  const outsideRepoChanges: OutsideRepoChange[] = [];
  for (const [path, now] of after.files) {
    const then = before.files.get(path);
    if (!then) outsideRepoChanges.push({ path, area: now.area, change: 'added' });
    else if (then.size !== now.size || then.ctime !== now.ctime) outsideRepoChanges.push({ path, area: now.area, change: 'modified' });
  }
  for (const [path, then] of before.files) {
    if (!after.files.has(path)) outsideRepoChanges.push({ path, area: then.area, change: 'removed' });
  }
  outsideRepoChanges.sort((a, b) => a.path.localeCompare(b.path));
  const processesLeft: LeftProcess[] = [];
  for (const [pid, command] of after.processes) {
    // A pid reused by another program counts as a new process.
    if (before.processes.get(pid) !== command) processesLeft.push({ pid, command: command.slice(0, 500) });
  }
  return { outsideRepoChanges: outsideRepoChanges.slice(0, 1000), processesLeft: processesLeft.slice(0, 200) };
}
