/**
 * The commands that only read the run ledger. ledger-main.ts serves them from a bundle of their
 * own (bin/cli-bundle.js routes them there by name), main.ts lists them with the rest.
 */
import type { Command } from './run-cli';

export const ledgerCommands: Record<string, Command> = {
  results: {
    summary: "list a run's attempts with outcomes, earnings and artifacts",
    help: async () => (await import('./commands/results')).resultsHelp,
    options: {},
    ledgerOnly: true,
    run: async (ctx, _v, positionals) => (await import('./commands/results')).resultsCommand(ctx, positionals),
  },
};
