/**
 * The `lancer` command line: the same core as the window, for scripts and SSH sessions.
 * Human output by default, `--json` for scripts; errors go to stderr with a non-zero exit.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;
import { datasetsCommand, datasetsHelp, importCommand, importHelp, tasksCommand, tasksHelp } from './commands/datasets';
import { imagesCommand, imagesHelp } from './commands/images';
import { exportCommand, exportHelp, resultsCommand, resultsHelp, runCommand, runHelp } from './commands/runs';
import { serveCommand, serveHelp } from './commands/serve';
import { reportCommand, reportHelp } from './commands/report';
import { containersCommand, containersHelp } from './commands/containers';
import { endpointsCommand, endpointsHelp } from './commands/endpoints';
import { agentsCommand, agentsHelp } from './commands/agents';
import { importResultsCommand, importResultsHelp } from './commands/import-results';
import { clusterCommand, clusterHelp } from './commands/cluster';
import { CliError, createContext, type CliContext } from './context';
import { AppError } from '../shared/result';

interface Command {
  summary: string;
  help: string;
  options: ParseArgsOptionsConfig;
  run(ctx: CliContext, values: Record<string, unknown>, positionals: string[]): Promise<void>;
}

const globalOptions: ParseArgsOptionsConfig = {
  json: { type: 'boolean' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const commands: Record<string, Command> = {
  serve: {
    summary: 'serve the UI on 127.0.0.1 with an access token',
    help: serveHelp,
    options: { port: { type: 'string' } },
    run: (ctx, values) => serveCommand(ctx, { port: values.port as string | undefined }),
  },
  import: {
    summary: 'import a SWE-Lancer task CSV (and its issues/ folder)',
    help: importHelp,
    options: { issues: { type: 'string' }, name: { type: 'string' }, 'skip-bad-rows': { type: 'boolean' } },
    run: (ctx, values, positionals) =>
      importCommand(ctx, positionals, {
        issues: values.issues as string | undefined,
        name: values.name as string | undefined,
        skipBadRows: values['skip-bad-rows'] === true,
      }),
  },
  datasets: {
    summary: 'list datasets with counts and dollars by variant',
    help: datasetsHelp,
    options: {},
    run: async (ctx) => datasetsCommand(ctx),
  },
  tasks: {
    summary: 'list and filter tasks',
    help: tasksHelp,
    options: {
      dataset: { type: 'string' },
      variant: { type: 'string' },
      'min-price': { type: 'string' },
      'max-price': { type: 'string' },
      set: { type: 'string' },
      search: { type: 'string' },
    },
    run: async (ctx, values) =>
      tasksCommand(ctx, {
        dataset: values.dataset as string | undefined,
        variant: values.variant as string | undefined,
        minPrice: values['min-price'] as string | undefined,
        maxPrice: values['max-price'] as string | undefined,
        set: values.set as string | undefined,
        search: values.search as string | undefined,
      }),
  },
  run: {
    summary: 'run tasks in Docker and grade them (gold, null, a predictions file, or a model agent)',
    help: runHelp,
    options: {
      dataset: { type: 'string' },
      tasks: { type: 'string' },
      set: { type: 'string' },
      solver: { type: 'string' },
      concurrency: { type: 'string' },
      attempts: { type: 'string' },
      'exclude-suspect': { type: 'boolean' },
      'image-prefix': { type: 'string' },
      'image-tag': { type: 'string' },
      monolith: { type: 'boolean' },
      resume: { type: 'string' },
      agent: { type: 'string' },
      'agent-command': { type: 'string' },
      grading: { type: 'string' },
      cluster: { type: 'string' },
      endpoint: { type: 'string' },
      'base-url': { type: 'string' },
      model: { type: 'string' },
      'api-key-env': { type: 'string' },
      protocol: { type: 'string' },
      'max-turns': { type: 'string' },
      'attempt-budget-usd': { type: 'string' },
      'budget-usd': { type: 'string' },
      'price-input': { type: 'string' },
      'price-cached': { type: 'string' },
      'price-output': { type: 'string' },
    },
    run: (ctx, v) =>
      runCommand(ctx, {
        agent: {
          agent: v.agent as string | undefined,
          agentCommand: v['agent-command'] as string | undefined,
          endpoint: v.endpoint as string | undefined,
          baseUrl: v['base-url'] as string | undefined,
          model: v.model as string | undefined,
          apiKeyEnv: v['api-key-env'] as string | undefined,
          protocol: v.protocol as string | undefined,
          maxTurns: v['max-turns'] as string | undefined,
          attemptBudgetUsd: v['attempt-budget-usd'] as string | undefined,
          budgetUsd: v['budget-usd'] as string | undefined,
          priceInput: v['price-input'] as string | undefined,
          priceCached: v['price-cached'] as string | undefined,
          priceOutput: v['price-output'] as string | undefined,
        },
        dataset: v.dataset as string | undefined,
        tasks: v.tasks as string | undefined,
        set: v.set as string | undefined,
        solver: v.solver as string | undefined,
        concurrency: v.concurrency as string | undefined,
        attempts: v.attempts as string | undefined,
        excludeSuspect: v['exclude-suspect'] === true,
        imagePrefix: v['image-prefix'] as string | undefined,
        imageTag: v['image-tag'] as string | undefined,
        monolith: v.monolith === true,
        resume: v.resume as string | undefined,
        grading: v.grading as string | undefined,
        cluster: v.cluster as string | undefined,
      }),
  },
  images: {
    summary: 'build the sample images, pull the official ones, list, remove, prune to a disk budget, distribute to a cluster',
    help: imagesHelp,
    options: {
      only: { type: 'string' },
      tag: { type: 'string' },
      force: { type: 'boolean' },
      dataset: { type: 'string' },
      tasks: { type: 'string' },
      monolith: { type: 'boolean' },
      registry: { type: 'string' },
      budget: { type: 'string' },
      'dry-run': { type: 'boolean' },
      cluster: { type: 'string' },
    },
    run: (ctx, v, positionals) =>
      imagesCommand(ctx, positionals, {
        only: v.only as string | undefined,
        tag: v.tag as string | undefined,
        force: v.force === true,
        dataset: v.dataset as string | undefined,
        tasks: v.tasks as string | undefined,
        monolith: v.monolith === true,
        registry: v.registry as string | undefined,
        budget: v.budget as string | undefined,
        dryRun: v['dry-run'] === true,
        cluster: v.cluster as string | undefined,
      }),
  },
  cluster: {
    summary: 'add, list, inspect and remove Docker Swarms to run attempts on',
    help: clusterHelp,
    options: { manager: { type: 'string' }, 'tls-dir': { type: 'string' }, dataset: { type: 'string' } },
    run: (ctx, v, positionals) =>
      clusterCommand(ctx, positionals, { manager: v.manager as string | undefined, tlsDir: v['tls-dir'] as string | undefined, dataset: v.dataset as string | undefined }),
  },
  endpoints: {
    summary: 'add, list, test and remove model endpoints (OpenAI-compatible servers) for agents',
    help: endpointsHelp,
    options: {
      'base-url': { type: 'string' },
      model: { type: 'string' },
      'api-key-env': { type: 'string' },
      'api-key-stdin': { type: 'boolean' },
      protocol: { type: 'string' },
      'price-input': { type: 'string' },
      'price-cached': { type: 'string' },
      'price-output': { type: 'string' },
      context: { type: 'string' },
      temperature: { type: 'string' },
      'reasoning-effort': { type: 'string' },
      'max-tokens': { type: 'string' },
    },
    run: (ctx, v, positionals) =>
      endpointsCommand(ctx, positionals, {
        baseUrl: v['base-url'] as string | undefined,
        model: v.model as string | undefined,
        apiKeyEnv: v['api-key-env'] as string | undefined,
        apiKeyStdin: v['api-key-stdin'] === true,
        protocol: v.protocol as string | undefined,
        priceInput: v['price-input'] as string | undefined,
        priceCached: v['price-cached'] as string | undefined,
        priceOutput: v['price-output'] as string | undefined,
        context: v.context as string | undefined,
        temperature: v.temperature as string | undefined,
        reasoningEffort: v['reasoning-effort'] as string | undefined,
        maxTokens: v['max-tokens'] as string | undefined,
      }),
  },
  agents: {
    summary: 'list the CLI coding agents and fetch their binaries from npm into the cache',
    help: agentsHelp,
    options: {},
    run: (ctx, _v, positionals) => agentsCommand(ctx, positionals),
  },
  containers: {
    summary: 'list or remove the containers kept after failed attempts',
    help: containersHelp,
    options: {},
    run: (ctx, _v, positionals) => containersCommand(ctx, positionals),
  },
  results: {
    summary: "list a run's attempts with outcomes, earnings and artifacts",
    help: resultsHelp,
    options: {},
    run: async (ctx, _v, positionals) => resultsCommand(ctx, positionals),
  },
  report: {
    summary: 'earnings analytics of runs (intervals, pass@k, manager, cost) and their comparison',
    help: reportHelp,
    options: { 'exclude-suspect': { type: 'boolean' }, resamples: { type: 'string' }, seed: { type: 'string' } },
    run: async (ctx, v, positionals) =>
      reportCommand(ctx, positionals, { excludeSuspect: v['exclude-suspect'] === true, resamples: v.resamples as string | undefined, seed: v.seed as string | undefined }),
  },
  export: {
    summary: 'write the official results.csv of a run',
    help: exportHelp,
    options: { format: { type: 'string' }, out: { type: 'string' } },
    run: async (ctx, v, positionals) => exportCommand(ctx, positionals, { format: v.format as string | undefined, out: v.out as string | undefined }),
  },
  'import-results': {
    summary: 'import an official results.csv against a dataset as a finished run',
    help: importResultsHelp,
    options: { dataset: { type: 'string' }, name: { type: 'string' } },
    run: async (ctx, v, positionals) => importResultsCommand(ctx, positionals, { dataset: v.dataset as string | undefined, name: v.name as string | undefined }),
  },
};

function usage(): string {
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

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(createContext({ json: false }).version + '\n');
    return 0;
  }
  const command = commands[name];
  if (!command) throw new CliError(`unknown command "${name}"\n\n${usage()}`, 2);
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options: { ...globalOptions, ...command.options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${command.help}`, 2);
  }
  if (parsed.values.help) {
    process.stdout.write(command.help + '\n');
    return 0;
  }
  const ctx = createContext({
    json: parsed.values.json === true,
    dataDir: parsed.values['data-dir'] as string | undefined,
  });
  try {
    await command.run(ctx, parsed.values, parsed.positionals);
  } finally {
    await ctx.close();
  }
  return 0;
}

main(process.argv.slice(2)).then(
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
