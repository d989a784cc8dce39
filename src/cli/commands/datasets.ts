/**
 * `lancer import`, `lancer datasets`, `lancer tasks`: the dataset side of the workbench.
 */
import { taskQuerySchema, variants, type DatasetSummary, type TaskDetail, type TaskQuery, type TaskRow } from '../../shared/tasks';
import { describeIssues } from '../../main/core/handlers/dispatch';
import { importDataset } from '../../main/core/dataset/importer';
import { formatDollarsCli } from '../format';
import { CliError, type CliContext } from '../context';

export const importHelp = `lancer import <csv> [--issues DIR] [--name NAME] [--skip-bad-rows] [--json]
  Imports an official SWE-Lancer task CSV (current or older schema) as a dataset version.
  --issues DIR      link each task's issues/<question_id>/ folder (tests, patch, commit)
  --name NAME       dataset name (default: the file name without .csv)
  --skip-bad-rows   import the good rows and report the bad ones (default: all or nothing)
  Importing the same content again changes nothing; changed content becomes a new version.`;

const dollars = (n: number): string => formatDollarsCli(n);

export async function importCommand(
  ctx: CliContext,
  positionals: string[],
  opts: { issues?: string; name?: string; skipBadRows: boolean },
): Promise<void> {
  const [file, ...rest] = positionals;
  if (!file || rest.length > 0) throw new CliError(`expected exactly one CSV path\n\n${importHelp}`, 2);
  const wb = ctx.openWorkbench();
  let lastLine = '';
  const report = await importDataset(wb.datasets, {
    path: file,
    issuesDir: opts.issues,
    name: opts.name,
    skipBadRows: opts.skipBadRows,
    onProgress: (p) => {
      const pct = p.total ? Math.floor((100 * p.done) / p.total) : 100;
      const line = `${p.phase} ${pct}%`;
      // Progress goes to stderr at 10% steps, so logs stay short and --json stdout stays clean.
      if (line !== lastLine && (pct % 10 === 0 || p.phase === 'done')) {
        lastLine = line;
        ctx.progress(`import: ${line}`);
      }
    },
  });
  ctx.result(report, () => {
    const lines = [
      report.created
        ? `Imported ${report.taskCount} tasks (${dollars(report.totalDollars)}) as ${report.datasetId} v${report.version} (${report.schema} schema)`
        : `Unchanged: ${report.datasetId} v${report.version} already has this content (${report.taskCount} tasks)`,
    ];
    if (report.issuesLinked) lines.push(`Linked ${report.issuesLinked} issue folders`);
    for (const s of report.skipped) lines.push(`Skipped ${s.message}`);
    return lines.join('\n');
  });
}

export const datasetsHelp = `lancer datasets [--json]
  Lists datasets (newest version of each) with task counts and dollars by variant.`;

export function datasetsCommand(ctx: CliContext): void {
  const list = ctx.openWorkbench().datasets.listDatasets();
  const out = list.map((d: DatasetSummary) => ({
    id: d.id,
    name: d.name,
    version: d.version,
    versionCount: d.versionCount,
    schema: d.schema,
    contentHash: d.contentHash,
    importedAt: d.importedAt,
    sourcePath: d.sourcePath,
    issuesDir: d.issuesDir,
    taskCount: d.taskCount,
    totalDollars: d.totalDollars,
    byVariant: d.byVariant,
    extraColumns: d.extraColumns,
  }));
  ctx.result(out, () =>
    list.length === 0
      ? 'No datasets yet: lancer import <csv> [--issues DIR]'
      : list
          .map(
            (d) =>
              `${d.id} v${d.version}: ${d.taskCount} tasks, ${dollars(d.totalDollars)} ` +
              `(ic_swe ${d.byVariant.ic_swe.count} / ${dollars(d.byVariant.ic_swe.dollars)}, ` +
              `swe_manager ${d.byVariant.swe_manager.count} / ${dollars(d.byVariant.swe_manager.dollars)})`,
          )
          .join('\n'),
  );
}

export const tasksHelp = `lancer tasks [--dataset D] [--variant ic_swe|swe_manager] [--min-price P] [--max-price P]
             [--set S] [--search TEXT] [--json]
  Lists tasks of the newest dataset versions. With --json, each task's fields, and for manager
  tasks the proposals and the correct (hired) proposal id.`;

export function tasksCommand(
  ctx: CliContext,
  opts: { dataset?: string; variant?: string; minPrice?: string; maxPrice?: string; set?: string; search?: string },
): void {
  const num = (flag: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new CliError(`${flag} must be a number, got "${v}"`, 2);
    return n;
  };
  if (opts.variant !== undefined && !(variants as readonly string[]).includes(opts.variant)) {
    throw new CliError(`--variant must be one of ${variants.join(', ')}, got "${opts.variant}"`, 2);
  }
  const parsed = taskQuerySchema.safeParse({
    datasetId: opts.dataset,
    variant: opts.variant,
    minPrice: num('--min-price', opts.minPrice),
    maxPrice: num('--max-price', opts.maxPrice),
    set: opts.set,
    search: opts.search,
  } satisfies Partial<Record<keyof TaskQuery, unknown>>);
  if (!parsed.success) throw new CliError(describeIssues(parsed.error.issues), 2);
  const wb = ctx.openWorkbench();
  if (opts.dataset !== undefined && !wb.datasets.listDatasets().some((d) => d.id === opts.dataset)) {
    throw new CliError(`no dataset "${opts.dataset}" (see lancer datasets)`, 1);
  }
  const rows = wb.datasets.listTasks(parsed.data);
  if (ctx.json) {
    const details = rows.map((r: TaskRow) => toJson(wb.datasets.getTask(r.id)));
    ctx.result(details, () => '');
    return;
  }
  const total = rows.reduce((s, r) => s + r.price, 0);
  ctx.result(rows, () =>
    [
      ...rows.map((r) => `${r.id.padEnd(40)} ${r.variant.padEnd(11)} ${dollars(r.price).padStart(8)}  ${r.title.slice(0, 80)}`),
      `${rows.length} tasks, ${dollars(total)}`,
    ].join('\n'),
  );
}

/** The JSON a script gets for a task: everything but bulky issue-file contents. */
function toJson(t: TaskDetail): Record<string, unknown> {
  const { issue, ...rest } = t;
  return {
    ...rest,
    issue: issue && {
      folder: issue.folder,
      commitId: issue.commitId,
      gitTag: issue.gitTag,
      testFiles: issue.testFiles.map((f) => f.name),
      hasBugPatch: issue.bugPatch !== null,
      hasFlowMitm: issue.hasFlowMitm,
      issueTitle: issue.issueData?.title ?? null,
    },
  };
}
