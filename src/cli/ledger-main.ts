/**
 * The `lancer` command's second entry, for the commands that only read the run ledger (and
 * `--version`): its bundle holds the store's reading code and little else, ~30 kB against the
 * whole CLI's ~1 MB, which is most of what printing a run cost to start. bin/cli-bundle.js
 * (`ledgerEntryArgs`) routes a command line here by its first word.
 */
import { ledgerCommands } from './ledger-commands';
import { runCli } from './run-cli';

runCli(process.argv.slice(2), ledgerCommands);
