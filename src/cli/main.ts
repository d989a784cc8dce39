/**
 * The `lancer` command line: the same core as the window, for scripts and SSH sessions.
 * Human output by default, `--json` for scripts; errors go to stderr with a non-zero exit.
 */
import { runCli, type Command } from './run-cli';
import { ledgerCommands } from './ledger-commands';

// Each command's module is loaded when that command runs, and with it only the code it uses: a
// command that needs no Docker does not evaluate the engine or the agents. The bundle
// (bin/cli-bundle.js) keeps these modules lazy too.
const agentsModule = () => import('./commands/agents');
const clusterModule = () => import('./commands/cluster');
const containersModule = () => import('./commands/containers');
const datasetsModule = () => import('./commands/datasets');
const endpointsModule = () => import('./commands/endpoints');
const imagesModule = () => import('./commands/images');
const importResultsModule = () => import('./commands/import-results');
const reportModule = () => import('./commands/report');
const runsModule = () => import('./commands/runs');
const serveModule = () => import('./commands/serve');

const commands: Record<string, Command> = {
  serve: {
    summary: 'serve the UI on 127.0.0.1 with an access token',
    help: async () => (await serveModule()).serveHelp,
    options: { port: { type: 'string' } },
    run: async (ctx, values) => (await serveModule()).serveCommand(ctx, { port: values.port as string | undefined }),
  },
  import: {
    summary: 'import a SWE-Lancer task CSV (and its issues/ folder)',
    help: async () => (await datasetsModule()).importHelp,
    options: { issues: { type: 'string' }, name: { type: 'string' }, 'skip-bad-rows': { type: 'boolean' } },
    run: async (ctx, values, positionals) =>
      (await datasetsModule()).importCommand(ctx, positionals, {
        issues: values.issues as string | undefined,
        name: values.name as string | undefined,
        skipBadRows: values['skip-bad-rows'] === true,
      }),
  },
  datasets: {
    summary: 'list datasets with counts and dollars by variant',
    help: async () => (await datasetsModule()).datasetsHelp,
    options: {},
    run: async (ctx) => (await datasetsModule()).datasetsCommand(ctx),
  },
  tasks: {
    summary: 'list and filter tasks',
    help: async () => (await datasetsModule()).tasksHelp,
    options: {
      dataset: { type: 'string' },
      variant: { type: 'string' },
      'min-price': { type: 'string' },
      'max-price': { type: 'string' },
      set: { type: 'string' },
      search: { type: 'string' },
    },
    run: async (ctx, values) =>
      (await datasetsModule()).tasksCommand(ctx, {
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
    help: async () => (await runsModule()).runHelp,
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
    run: async (ctx, v) =>
      (await runsModule()).runCommand(ctx, {
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
    help: async () => (await imagesModule()).imagesHelp,
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
    run: async (ctx, v, positionals) =>
      (await imagesModule()).imagesCommand(ctx, positionals, {
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
    help: async () => (await clusterModule()).clusterHelp,
    options: { manager: { type: 'string' }, 'tls-dir': { type: 'string' }, dataset: { type: 'string' } },
    run: async (ctx, v, positionals) =>
      (await clusterModule()).clusterCommand(ctx, positionals, { manager: v.manager as string | undefined, tlsDir: v['tls-dir'] as string | undefined, dataset: v.dataset as string | undefined }),
  },
  endpoints: {
    summary: 'add, list, test and remove model endpoints (OpenAI-compatible servers) for agents',
    help: async () => (await endpointsModule()).endpointsHelp,
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
    run: async (ctx, v, positionals) =>
      (await endpointsModule()).endpointsCommand(ctx, positionals, {
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
    help: async () => (await agentsModule()).agentsHelp,
    options: {},
    run: async (ctx, _v, positionals) => (await agentsModule()).agentsCommand(ctx, positionals),
  },
  containers: {
    summary: 'list or remove the containers kept after failed attempts',
    help: async () => (await containersModule()).containersHelp,
    options: {},
    run: async (ctx, _v, positionals) => (await containersModule()).containersCommand(ctx, positionals),
  },
  results: ledgerCommands.results!,
  report: {
    summary: 'earnings analytics of runs (intervals, pass@k, manager, cost) and their comparison',
    help: async () => (await reportModule()).reportHelp,
    options: { 'exclude-suspect': { type: 'boolean' }, resamples: { type: 'string' }, seed: { type: 'string' } },
    run: async (ctx, v, positionals) =>
      (await reportModule()).reportCommand(ctx, positionals, { excludeSuspect: v['exclude-suspect'] === true, resamples: v.resamples as string | undefined, seed: v.seed as string | undefined }),
  },
  export: {
    summary: 'write the official results.csv of a run',
    help: async () => (await runsModule()).exportHelp,
    options: { format: { type: 'string' }, out: { type: 'string' } },
    run: async (ctx, v, positionals) => (await runsModule()).exportCommand(ctx, positionals, { format: v.format as string | undefined, out: v.out as string | undefined }),
  },
  'import-results': {
    summary: 'import an official results.csv against a dataset as a finished run',
    help: async () => (await importResultsModule()).importResultsHelp,
    options: { dataset: { type: 'string' }, name: { type: 'string' } },
    run: async (ctx, v, positionals) => (await importResultsModule()).importResultsCommand(ctx, positionals, { dataset: v.dataset as string | undefined, name: v.name as string | undefined }),
  },
};

runCli(process.argv.slice(2), commands, () => import('../main/core/workbench'));
