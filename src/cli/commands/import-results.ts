/**
 * `lancer import-results`: an official results.csv (made by the official harness or another
 * tool) as a finished run, to compare with runs made here.
 */
import { importResults } from '../../main/core/reports/import-results';
import { formatDollarsCli } from '../format';
import { CliError, type CliContext } from '../context';

export const importResultsHelp = `lancer import-results FILE --dataset D [--name LABEL] [--json]
  Imports an official results.csv (columns question_id, attempt_id, correct, input_tokens,
  output_tokens, reasoning_tokens, earned; others are ignored) against dataset D (id or name)
  as a finished run, one attempt per row. Prints the new run's id; with --json
  { runId, rows, attemptsPerTask }.
  --name LABEL   how the run is labelled (default: the file's name)
  The official file writes correct=False for system errors too, so they import as failures.
  A bad value stops the import, naming the row (the header is row 1) and column; nothing is
  stored then.`;

export function importResultsCommand(ctx: CliContext, positionals: string[], opts: { dataset?: string; name?: string }): void {
  const [file, ...rest] = positionals;
  if (!file || rest.length > 0) throw new CliError(`expected exactly one results.csv path\n\n${importResultsHelp}`, 2);
  if (!opts.dataset) throw new CliError(`--dataset is required\n\n${importResultsHelp}`, 2);
  const wb = ctx.openWorkbench();
  const outcome = importResults(
    { datasets: wb.datasets, runs: wb.runs, appVersion: wb.options.version },
    { datasetId: opts.dataset, path: file, label: opts.name },
  );
  ctx.result(outcome, () => {
    const t = wb.runs.tally(outcome.runId);
    return (
      `Imported ${outcome.runId}: ${outcome.rows} rows, ${t.tasks} tasks × ${outcome.attemptsPerTask} attempts, ` +
      `${t.passed} passed, earned ${formatDollarsCli(t.earned)} of ${formatDollarsCli(t.available)}`
    );
  });
}
