/**
 * `lancer images pull` and `lancer images prune`: the official SWE-Lancer images a dataset's
 * runs need, fetched with per-layer progress and resumable after Ctrl-C, and the disk budget.
 */
import type { ImagePullEvent, PullLayerStatus, PullPlan } from '../../shared/images';
import { AppError } from '../../shared/result';
import { budgetBytesOf, describePrune, enforceDiskBudget, parseSize } from '../../main/core/images/disk-budget';
import { formatBytes } from '../../main/core/images/image-disk';
import { CliError, type CliContext } from '../context';

export const imagesPullHelp = `lancer images pull --dataset D [--tasks ID,…] [--monolith] [--registry HOST] [--json]
  Pulls the official images the dataset's tasks need: swelancer/swelancer_x86_<question_id>:releasev1
  per IC task and swelancer/swelancer_x86_monolith:releasev1 for manager tasks (--monolith: for
  every task, one image). From Docker Hub, or HOST/swelancer/… tagged under the Docker Hub name
  (default: the imageRegistry setting). Prints the size to download and the free disk first.
  Ctrl-C cancels; downloaded layers are kept and the same command resumes.
lancer images prune [--budget 200GB] [--dry-run] [--json]
  Removes least recently used official images that no unfinished run needs until the rest fit
  the budget (MB, GB, TB; default: the diskBudgetGb setting).`;

/** Options of the two commands, as main.ts parses them. */
export interface ImagePullCliOptions {
  dataset?: string;
  tasks?: string;
  monolith: boolean;
  registry?: string;
  budget?: string;
  dryRun: boolean;
}

function planLines(plan: PullPlan): string[] {
  const lines = plan.images.map((i) => {
    if (i.error) return `  ${i.image}: size unknown (${i.error}); will pull through Docker`;
    if (i.upToDate) return `  ${i.image}: up to date`;
    const missing = i.layers.filter((l) => !l.present).length;
    return `  ${i.image}: ${formatBytes(i.downloadBytes)} to download (${missing} of ${i.layers.length} layers)`;
  });
  const free = plan.freeBytes === null ? 'free disk unknown (the daemon is not local)' : `${formatBytes(plan.freeBytes)} free on ${plan.dockerRootDir ?? "Docker's disk"}`;
  const unknown = plan.images.filter((i) => i.error).length;
  const budget = plan.budgetBytes === null ? 'no disk budget' : `official images use ${formatBytes(plan.usedBytes)} of a ${formatBytes(plan.budgetBytes)} budget`;
  return [
    `pulling ${plan.images.length} image${plan.images.length === 1 ? '' : 's'} from ${plan.registry}${plan.monolith ? ' (monolith mode)' : ''}:`,
    ...lines,
    `${formatBytes(plan.downloadBytes)} to download${unknown ? ` (plus ${unknown} image${unknown > 1 ? 's' : ''} of unknown size)` : ''}; ${free}; ${budget}`,
  ];
}

/** `lancer images pull`. */
export async function imagesPullCommand(ctx: CliContext, opts: ImagePullCliOptions): Promise<void> {
  if (!opts.dataset) throw new CliError(`--dataset is required\n\n${imagesPullHelp}`, 2);
  const wb = ctx.openWorkbench();
  const req = {
    datasetId: opts.dataset,
    taskIds: opts.tasks?.split(',').map((s) => s.trim()).filter(Boolean),
    monolith: opts.monolith,
    registry: opts.registry,
  };
  const abort = new AbortController();
  const onSigint = (): void => {
    ctx.progress('cancelling… (downloaded layers are kept)');
    abort.abort(new AppError('cancelled', 'interrupted'));
  };
  process.once('SIGINT', onSigint);
  // Layer lines only when a layer's state changes, or every quarter of a download: a 14 GB
  // image would otherwise print thousands of lines.
  const lastStatus = new Map<string, { status: PullLayerStatus; quarter: number }>();
  const onEvent = (e: ImagePullEvent): void => {
    switch (e.type) {
      case 'message':
        ctx.progress(e.message);
        break;
      case 'image':
        ctx.progress(`[${e.index + 1}/${e.count}] ${e.image}: ${e.state}${e.message ? ` (${e.message})` : ''}`);
        break;
      case 'layer': {
        const quarter = e.total > 0 ? Math.floor((4 * e.current) / e.total) : 0;
        const key = `${e.image} ${e.layer}`;
        const last = lastStatus.get(key);
        if (last && last.status === e.status && last.quarter === quarter) break;
        lastStatus.set(key, { status: e.status, quarter });
        const bytes = e.total > 0 ? ` ${formatBytes(e.current)}/${formatBytes(e.total)}` : '';
        ctx.progress(`  ${e.layer} ${e.status}${e.status === 'downloading' || e.status === 'extracting' ? bytes : ''}`);
        break;
      }
      case 'finished':
        break;
    }
  };
  try {
    const planned = await wb.imagePuller.plan(req, abort.signal);
    for (const line of planLines(planned.plan)) ctx.progress(line);
    const outcome = await wb.imagePuller.pull(req, onEvent, { signal: abort.signal });
    const failed = outcome.images.filter((i) => i.state === 'failed');
    ctx.result({ plan: planned.plan, ...outcome }, () =>
      [
        ...outcome.images.map((i) => `${i.state.padEnd(11)} ${i.image}${i.error ? `: ${i.error}` : ''}`),
        `${outcome.downloadedLayers} layers downloaded, ${outcome.reusedLayers} already present`,
      ].join('\n'),
    );
    if (failed.length > 0) throw new CliError(`${failed.length} image${failed.length > 1 ? 's' : ''} failed to pull`, 1);
  } catch (error) {
    if (error instanceof AppError && error.code === 'cancelled') throw new CliError(error.message, 130);
    throw error;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/** `lancer images prune`. */
export async function imagesPruneCommand(ctx: CliContext, opts: ImagePullCliOptions): Promise<void> {
  const wb = ctx.openWorkbench();
  let budgetBytes: number | null;
  try {
    budgetBytes = opts.budget !== undefined ? parseSize(opts.budget) : budgetBytesOf(wb.settings.get());
  } catch (error) {
    throw new CliError(`--budget: ${(error as Error).message}`, 2);
  }
  if (budgetBytes === null || budgetBytes <= 0) {
    throw new CliError('no disk budget: give --budget (e.g. 200GB) or set diskBudgetGb in Settings', 2);
  }
  const report = await enforceDiskBudget({ docker: wb.docker, use: wb.imageUse }, { budgetBytes, dryRun: opts.dryRun });
  ctx.result(report, () =>
    [
      ...report.removed.map((r) => `${opts.dryRun ? 'would remove' : 'removed'} ${r.image} (${formatBytes(r.freedBytes)}, last used ${r.lastUsedAt})`),
      ...report.kept.map((k) => `kept    ${k.image}: ${k.reason}`),
      describePrune(report),
    ].join('\n'),
  );
}
