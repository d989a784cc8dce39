/**
 * A CLI context that keeps what a command writes, as the real one (src/cli/context.ts) would
 * write it to stdout (`--json` too), around a run ledger already open: for calling a command in
 * process, in tests and benchmarks.
 */
import type { CliContext } from '../../src/cli/context';
import type { RunRepo } from '../../src/main/core/store/run-repo';

export function capturingCliContext(runs: RunRepo, opts: { json?: boolean; dataDir?: string } = {}): CliContext & { stdout: string[] } {
  const json = opts.json ?? false;
  const stdout: string[] = [];
  return {
    stdout,
    json,
    dataDir: opts.dataDir ?? '',
    root: '',
    version: 'test',
    info: (line) => {
      if (!json) stdout.push(line + '\n');
    },
    progress: () => {},
    result: (value, human) => stdout.push((json ? JSON.stringify(value, null, 2) : human()) + '\n'),
    openWorkbench: () => {
      throw new Error('this context holds the run ledger alone');
    },
    openLedger: async () => ({ runs }),
    close: async () => {},
  };
}
