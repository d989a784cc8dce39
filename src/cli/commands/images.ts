/**
 * `lancer images build sample | list | rm NAME`: the sample benchmark's images.
 */
import path from 'node:path';
import { buildSampleImages, formatBytes, listWorkbenchImages, measureImagesDisk, removeImage } from '../../main/core/images/sample-images';
import { CliError, type CliContext } from '../context';
import { imagesPruneCommand, imagesPullCommand, imagesPullHelp, type ImagePullCliOptions } from './image-pull';
import { imagesDistributeCommand, imagesDistributeHelp } from './cluster';

export const imagesHelp = `lancer images build sample [--only ID,…|monolith] [--tag T] [--json]
lancer images list [--json]
lancer images rm NAME [--force]
  Builds the sample benchmark's images (base from debian when a registry answers, else from a
  debootstrap rootfs; per-task images <prefix>_<question_id>:<tag> and a monolith), lists the
  workbench's images with sizes and disk use, or removes one. Rebuilding unchanged is a no-op.
${imagesPullHelp}
${imagesDistributeHelp}`;

export async function imagesCommand(
  ctx: CliContext,
  positionals: string[],
  opts: { only?: string; tag?: string; force: boolean; cluster?: string } & Partial<ImagePullCliOptions>,
): Promise<void> {
  const [action, arg, ...rest] = positionals;
  if (action === 'distribute') {
    if (arg !== undefined) throw new CliError(`unexpected argument "${arg}"\n\n${imagesDistributeHelp}`, 2);
    return imagesDistributeCommand(ctx, { cluster: opts.cluster, dataset: opts.dataset, tasks: opts.tasks, monolith: opts.monolith });
  }
  if (action === 'pull' || action === 'prune') {
    if (arg !== undefined) throw new CliError(`unexpected argument "${arg}"\n\n${imagesPullHelp}`, 2);
    const pullOpts = { ...opts, monolith: opts.monolith === true, dryRun: opts.dryRun === true };
    return action === 'pull' ? imagesPullCommand(ctx, pullOpts) : imagesPruneCommand(ctx, pullOpts);
  }
  const wb = ctx.openWorkbench();
  if (action === 'build') {
    if (arg !== 'sample' || rest.length) throw new CliError(`only the sample images can be built here\n\n${imagesHelp}`, 2);
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    const result = await buildSampleImages({
      docker: wb.docker,
      resourcesDir: path.join(ctx.root, 'resources'),
      dataDir: ctx.dataDir,
      projectRoot: ctx.root,
      tag: opts.tag,
      only: opts.only?.split(',').map((s) => s.trim()).filter(Boolean),
      signal: abort.signal,
      onProgress: (e) => {
        // One line per step or finished image keeps the log readable; apt's chatter stays in the build log.
        if (e.step !== undefined || e.done) {
          ctx.progress(`[${e.phase}] ${e.image}${e.step !== undefined ? ` step ${e.step}/${e.totalSteps ?? '?'}` : ''}: ${e.message.split('\n')[0]?.slice(0, 120) ?? ''}`);
        }
      },
    });
    const names = result.images.map((i) => i.name);
    const disk = await measureImagesDisk(wb.docker, names);
    ctx.result({ ...result, totalUniqueBytes: disk.totalBytes }, () =>
      [
        ...result.images.map((i) => `${i.upToDate ? 'up to date' : 'built     '}  ${i.name.padEnd(34)} ${formatBytes(i.sizeBytes).padStart(9)}  ${(i.durationMs / 1000).toFixed(1)} s`),
        `${result.images.length} images in ${(result.durationMs / 1000).toFixed(1)} s; ${formatBytes(disk.totalBytes)} on disk (shared layers once)`,
      ].join('\n'),
    );
    return;
  }
  if (action === 'list' || action === undefined) {
    const images = await listWorkbenchImages(wb.docker);
    const disk = await measureImagesDisk(wb.docker, images.flatMap((i) => i.names.slice(0, 1)));
    ctx.result({ images, totalUniqueBytes: disk.totalBytes }, () =>
      [...images.map((i) => `${(i.names[0] ?? i.id.slice(7, 19)).padEnd(40)} ${formatBytes(i.sizeBytes).padStart(9)}  ${i.kind ?? ''}`), `total on disk: ${formatBytes(disk.totalBytes)}`].join('\n'),
    );
    return;
  }
  if (action === 'rm') {
    if (!arg) throw new CliError('expected an image name', 2);
    const result = await removeImage(wb.docker, arg, { force: opts.force });
    ctx.result(result, () => (result.removed ? `removed ${arg}` : `no image ${arg}`));
    return;
  }
  throw new CliError(`unknown images action "${action}"\n\n${imagesHelp}`, 2);
}
