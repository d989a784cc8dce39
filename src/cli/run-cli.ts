/**
 * What both entries of the `lancer` command share: a command's shape, the global flags, and the
 * run of one command line (parsing, help, the context, errors and exit codes). main.ts holds
 * every command; ledger-main.ts only those that read the run ledger, so that printing a run
 * loads a bundle of ~30 kB instead of the whole CLI's (bin/cli-bundle.js).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError, createContext, type CliContext, type WorkbenchClass } from './context';
import { AppError } from '../shared/result';

export type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

export interface Command {
  summary: string;
  help(): Promise<string>;
  options: ParseArgsOptionsConfig;
  /** Reads only the run ledger (`ctx.openLedger`): the Workbench's code is not loaded for it. */
  ledgerOnly?: true;
  run(ctx: CliContext, values: Record<string, unknown>, positionals: string[]): Promise<void>;
}

const globalOptions: ParseArgsOptionsConfig = {
  json: { type: 'boolean' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

function usageOf(commands: Record<string, Command>): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  return [
    'Usage: lancer <command> [options]',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, cmd]) => `  ${name.padEnd(width)}  ${cmd.summary}`),
    '',
    'Global options:',
    '  --data-dir DIR   where the store lives (default: $LANCER_DATA_DIR, else the app data folder)',
    '  --json           machine-readable output on stdout',
    '  --help, -h       help for a command',
    '  --version        print the version',
  ].join('\n');
}

/**
 * The Workbench's module, for commands that open it. An entry passes its loader rather than this
 * module importing it, so that the ledger entry's bundle leaves the Workbench (most of the app) out.
 */
export type WorkbenchLoader = () => Promise<{ Workbench: WorkbenchClass }>;

async function runCommandLine(argv: string[], commands: Record<string, Command>, loadWorkbench?: WorkbenchLoader): Promise<number> {
  const usage = (): string => usageOf(commands);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(createContext({ json: false }).version + '\n');
    return 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) throw new CliError(`unknown command "${name}"\n\n${usage()}`, 2);
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options: { ...globalOptions, ...command.options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${await command.help()}`, 2);
  }
  if (parsed.values.help) {
    process.stdout.write((await command.help()) + '\n');
    return 0;
  }
  const ctx = createContext({
    json: parsed.values.json === true,
    dataDir: parsed.values['data-dir'] as string | undefined,
    workbench: command.ledgerOnly || !loadWorkbench ? undefined : (await loadWorkbench()).Workbench,
  });
  try {
    await command.run(ctx, parsed.values, parsed.positionals);
  } finally {
    await ctx.close();
  }
  return 0;
}

/** Runs one command line and exits with its code: 2 for a usage error, 1 for any other failure. */
export function runCli(argv: string[], commands: Record<string, Command>, loadWorkbench?: WorkbenchLoader): void {
  runCommandLine(argv, commands, loadWorkbench).then(
    (code) => {
      if (code !== 0) process.exit(code);
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`lancer: ${message}\n`);
      // Bad input (a flag's value the contract refuses) is a usage error, as CLI conventions have it.
      process.exit(error instanceof CliError ? error.exitCode : error instanceof AppError && error.code === 'invalid_input' ? 2 : 1);
    },
  );
}
