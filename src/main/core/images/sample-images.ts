/**
 * Builds the sample benchmark's Docker images, offline, in the official naming.
 *
 * The chain, each link skipped when its inputs are unchanged:
 *   rootfs tarball (debootstrap, cached)  → `<prefix>-os:<suite>`   (or debian:<suite>-slim when a
 *                                                                      registry or the local store has it)
 *   OS + Debian packages                  → `<prefix>-base:<hash>`
 *   base + repo, tests, runtime, playwright-core → `<prefix>:<tag>`
 *   benchmark + ENV ISSUE_ID + set-up     → `<prefix>_<question_id>:<tag>`  (one per IC task)
 *   benchmark + ENV RUNTIME_SETUP=true    → `<prefix>_monolith:<tag>`       (manager tasks)
 */
import { createReadStream, existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type Dockerode from 'dockerode';
import {
  baseDockerfile,
  benchmarkDockerfile,
  DEFAULT_MIRROR,
  DEFAULT_PREFIX,
  DEFAULT_SUITE,
  DEFAULT_TAG,
  DPKG_SLIM_CONFIG,
  imageNames,
  monolithDockerfile,
  taskDockerfile,
} from './dockerfiles';
import { formatBytes } from './image-disk';
import {
  APP_LABEL,
  APP_LABEL_VALUE,
  ensureImage,
  ensureImported,
  IMAGE_SET_LABEL,
  IMAGE_SET_SAMPLE,
  inspectOrUndefined,
  KIND_LABEL,
  logPathFor,
  pruneOldLogs,
  QUESTION_ID_LABEL,
  specHash,
  type BuildContext,
  type BuiltImage,
  type ImageBuildProgress,
} from './image-builder';
import { INPUTS_HASH_LABEL } from './inputs-hash';
import { ensureRootfsTarball } from './rootfs';
import {
  collectFiles,
  icTaskIds,
  missingSamplePaths,
  readSampleTasks,
  resolvePlaywrightCore,
  sampleBenchmarkDir,
} from './sample-tasks';

export type { BuiltImage, ImageBuildPhase, ImageBuildProgress } from './image-builder';
export { ImageBuildError } from './image-builder';
export { measureImagesDisk, formatBytes } from './image-disk';

/** Options of {@link buildSampleImages}. */
export interface BuildSampleImagesOptions {
  docker: Dockerode;
  /** The app's resources folder; the sample benchmark is its `sample-benchmark/`. */
  resourcesDir: string;
  /** The app's data folder: the rootfs cache and the build logs go below it. */
  dataDir: string;
  /** The project root, to find the installed playwright-core. */
  projectRoot: string;
  /** Tag of the benchmark, per-task and monolith images. Default `latest`. */
  tag?: string;
  /** Image name prefix. Default `lancer-sample`. */
  prefix?: string;
  /** Question ids whose per-task images to build, and/or `monolith`. Default: all. */
  only?: readonly string[];
  /** Debian release of the OS image. Default `trixie` (Node 20, which playwright-core needs). */
  suite?: string;
  /** Debian mirror for debootstrap. Default deb.debian.org. */
  mirror?: string;
  /**
   * Where the OS image comes from: `auto` uses debian:<suite>-slim when the daemon has it or a
   * registry answers quickly, else makes one with debootstrap.
   */
  osSource?: 'auto' | 'registry' | 'debootstrap';
  /** How long a registry may stay silent before `auto` gives up on pulling. Default 15 s. */
  pullIdleTimeoutMs?: number;
  onProgress?: (event: ImageBuildProgress) => void;
  signal?: AbortSignal;
}

/** The outcome of {@link buildSampleImages}. */
export interface BuildSampleImagesResult {
  /** Every image of the chain, in build order: os, base, benchmark, tasks, monolith. */
  images: BuiltImage[];
  /** The rootfs tarball, when the OS image came from debootstrap. */
  rootfs?: { path: string; created: boolean; durationMs: number; logPath?: string };
  durationMs: number;
}

/**
 * Builds (or finds up to date) every sample benchmark image.
 *
 * Images are built one after another: the daemon shares two cores with the app, and each
 * per-task image takes seconds. A failed build throws an {@link ImageBuildError} naming the image
 * and step; an abort through `signal` stops the running build and rejects with the signal's reason.
 */
export async function buildSampleImages(opts: BuildSampleImagesOptions): Promise<BuildSampleImagesResult> {
  const started = Date.now();
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  const tag = opts.tag ?? DEFAULT_TAG;
  const suite = opts.suite ?? DEFAULT_SUITE;
  const names = imageNames(prefix, tag, suite);
  const logDir = path.join(opts.dataDir, 'logs', 'images');
  const ctx: BuildContext = { docker: opts.docker, logDir, onProgress: opts.onProgress, signal: opts.signal };

  const sampleDir = sampleBenchmarkDir(opts.resourcesDir);
  const missing = missingSamplePaths(sampleDir);
  if (missing.length > 0) {
    throw new Error(`the sample benchmark at ${sampleDir} is incomplete: missing ${missing.join(', ')}`);
  }
  const allIcIds = icTaskIds(await readSampleTasks(sampleDir));
  const { taskIds, monolith } = selectTargets(allIcIds, opts.only);
  const withoutFolder = taskIds.filter((id) => !existsSync(path.join(sampleDir, 'issues', id)));
  if (withoutFolder.length > 0) {
    throw new Error(`IC task(s) ${withoutFolder.join(', ')} of ${sampleDir}/tasks.csv have no issues/<id>/ folder`);
  }
  const playwrightDir = resolvePlaywrightCore(opts.projectRoot);

  const images: BuiltImage[] = [];
  const os = await ensureOsImage(ctx, opts, names.os, suite);
  images.push(os.image);

  const baseFiles = [{ path: 'dpkg-slim.cfg', mode: 0o644, data: Buffer.from(DPKG_SLIM_CONFIG) }];
  const baseFile = baseDockerfile(os.ref);
  const baseSpec = { phase: 'base' as const, dockerfile: baseFile, files: baseFiles, parentId: os.image.id, labels: { [KIND_LABEL]: 'base' } };
  // The base is named by its inputs hash, so compute it before the name exists.
  const base = await ensureImage(ctx, { ...baseSpec, name: names.base(specHash({ ...baseSpec, name: '' })) });
  images.push(base);

  const benchFiles = [
    ...(await collectFiles(playwrightDir, 'playwright-core/')),
    // docker/ holds our own notes and templates, not part of the benchmark's content.
    ...(await collectFiles(sampleDir, 'sample/', (rel) => rel === 'docker' || rel.endsWith('/.DS_Store'))),
  ];
  const bench = await ensureImage(ctx, {
    phase: 'benchmark',
    name: names.benchmark,
    dockerfile: benchmarkDockerfile(base.name),
    files: benchFiles,
    parentId: base.id,
    labels: { [KIND_LABEL]: 'benchmark' },
  });
  images.push(bench);

  for (const questionId of taskIds) {
    images.push(
      await ensureImage(ctx, {
        phase: 'task',
        name: names.task(questionId),
        dockerfile: taskDockerfile(bench.name, questionId),
        files: [],
        parentId: bench.id,
        labels: { [KIND_LABEL]: 'task', [QUESTION_ID_LABEL]: questionId },
        questionId,
      }),
    );
  }
  if (monolith) {
    images.push(
      await ensureImage(ctx, {
        phase: 'monolith',
        name: names.monolith,
        dockerfile: monolithDockerfile(bench.name),
        files: [],
        parentId: bench.id,
        labels: { [KIND_LABEL]: 'monolith' },
      }),
    );
  }
  if (images.some((i) => !i.upToDate)) {
    await pruneReplacedImages(opts.docker);
    await pruneOldLogs(logDir).catch(() => undefined);
  }
  return { images, ...(os.rootfs ? { rootfs: os.rootfs } : {}), durationMs: Date.now() - started };
}

/**
 * Which per-task images to build and whether to build the monolith, from `only`. Unknown ids
 * are an error rather than silently skipped: a typo should not look like success.
 */
export function selectTargets(
  allIcIds: readonly string[],
  only: readonly string[] | undefined,
): { taskIds: string[]; monolith: boolean } {
  if (!only || only.length === 0) return { taskIds: [...allIcIds], monolith: true };
  const unknown = only.filter((id) => id !== 'monolith' && !allIcIds.includes(id));
  if (unknown.length > 0) {
    throw new Error(
      `unknown IC task id(s): ${unknown.join(', ')}; the sample benchmark has ${allIcIds.join(', ') || 'none'} (and monolith)`,
    );
  }
  return { taskIds: allIcIds.filter((id) => only.includes(id)), monolith: only.includes('monolith') };
}

interface OsImage {
  /** What the base Dockerfile says after FROM. */
  ref: string;
  image: BuiltImage;
  rootfs?: BuildSampleImagesResult['rootfs'];
}

async function ensureOsImage(ctx: BuildContext, opts: BuildSampleImagesOptions, osName: string, suite: string): Promise<OsImage> {
  const source = opts.osSource ?? 'auto';
  const slim = `debian:${suite}-slim`;
  const started = Date.now();
  const use = (ref: string, info: Dockerode.ImageInspectInfo, message: string): OsImage => {
    ctx.onProgress?.({ phase: 'os', image: ref, message, done: true });
    return {
      ref,
      image: { name: ref, id: info.Id, sizeBytes: info.Size, upToDate: true, phase: 'os', durationMs: Date.now() - started },
    };
  };
  if (source !== 'debootstrap') {
    const local = await inspectOrUndefined(ctx.docker, slim);
    if (local) return use(slim, local, 'using the Debian image the daemon has');
  }
  if (source === 'auto') {
    // Once made, our own OS image is kept: trying a registry on every build would cost a timeout
    // on offline machines, and switching to another OS image would rebuild everything above it.
    const own = await inspectOrUndefined(ctx.docker, osName);
    const labels = own?.Config?.Labels ?? {};
    if (own && labels[APP_LABEL] === APP_LABEL_VALUE && labels[KIND_LABEL] === 'os') return use(osName, own, 'up to date');
  }
  if (source !== 'debootstrap') {
    ctx.onProgress?.({ phase: 'os', image: slim, message: `looking for ${slim} in a registry` });
    if (await tryPull(ctx, slim, opts.pullIdleTimeoutMs ?? 15_000)) {
      const pulled = await inspectOrUndefined(ctx.docker, slim);
      if (pulled) return use(slim, pulled, 'pulled from the registry');
    }
    if (source === 'registry') throw new Error(`could not pull ${slim}: no registry answered or the pull failed`);
    ctx.onProgress?.({ phase: 'os', image: slim, message: 'no registry answered; making the OS image with debootstrap' });
  }

  const rootfsStarted = Date.now();
  const tarName = `debian-${suite}-minbase.tar`;
  await mkdir(ctx.logDir, { recursive: true });
  const rootfsLogPath = logPathFor(ctx.logDir, `rootfs-${suite}`);
  const tarball = await ensureRootfsTarball({
    dataDir: opts.dataDir,
    suite,
    mirror: opts.mirror ?? DEFAULT_MIRROR,
    logPath: rootfsLogPath,
    signal: ctx.signal,
    onLine: (line) => {
      ctx.onProgress?.({ phase: 'rootfs', image: tarName, message: line.replace(/^I: /, '') });
    },
  });
  ctx.onProgress?.({
    phase: 'rootfs',
    image: tarName,
    message: tarball.created ? 'root filesystem made' : 'root filesystem cached',
    done: true,
  });
  const rootfs = {
    path: tarball.path,
    created: tarball.created,
    durationMs: Date.now() - rootfsStarted,
    ...(tarball.created ? { logPath: rootfsLogPath } : {}),
  };

  const image = await ensureImported(ctx, {
    name: osName,
    open: () => createReadStream(tarball.path),
    tarSha256: tarball.sha256,
    changes: [
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'CMD ["bash"]',
    ],
    labels: { [KIND_LABEL]: 'os' },
  });
  return { ref: osName, image, rootfs };
}

/**
 * Pulls `ref`, giving up when the registry stays silent for `idleMs` (no registry answers on an
 * offline machine; a slow but working one keeps sending progress). Returns false on failure.
 */
async function tryPull(ctx: BuildContext, ref: string, idleMs: number): Promise<boolean> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(ctx.signal?.reason);
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  let timer = setTimeout(() => controller.abort(new Error('registry timeout')), idleMs);
  const bump = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error('registry timeout')), idleMs);
  };
  try {
    const stream = await ctx.docker.pull(ref, { abortSignal: controller.signal });
    let failed = false;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bump();
      if (chunk.toString('utf8').includes('"error"')) failed = true;
    }
    return !failed;
  } catch {
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    return false;
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Removes sample images left untagged by a rebuild (the old `lancer-sample:latest` and the
 * like), so repeated edits do not pile up gigabytes. Images a container still uses are kept by
 * the daemon.
 */
async function pruneReplacedImages(docker: Dockerode): Promise<void> {
  try {
    await docker.pruneImages({
      filters: { dangling: ['true'], label: [`${IMAGE_SET_LABEL}=${IMAGE_SET_SAMPLE}`] },
    });
  } catch {
    // Pruning is housekeeping; a busy daemon must not fail a good build.
  }
}

/** One image on the Images page. */
export interface WorkbenchImage {
  id: string;
  /** `repo:tag` names; empty for an untagged (replaced) image. */
  names: string[];
  sizeBytes: number;
  /** Bytes shared with other images, when the daemon computed it. */
  sharedSizeBytes?: number;
  createdAt: string;
  kind?: string;
  questionId?: string;
  inputsHash?: string;
  labels: Record<string, string>;
}

/** Every image labelled `app=lancer-workbench`, newest first. */
export async function listWorkbenchImages(docker: Dockerode): Promise<WorkbenchImage[]> {
  const infos = await docker.listImages({ filters: { label: [`${APP_LABEL}=${APP_LABEL_VALUE}`] } });
  return infos
    .map((info) => {
      const labels = info.Labels ?? {};
      return {
        id: info.Id,
        names: (info.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
        sizeBytes: info.Size,
        ...(info.SharedSize >= 0 ? { sharedSizeBytes: info.SharedSize } : {}),
        createdAt: new Date(info.Created * 1000).toISOString(),
        ...(labels[KIND_LABEL] ? { kind: labels[KIND_LABEL] } : {}),
        ...(labels[QUESTION_ID_LABEL] ? { questionId: labels[QUESTION_ID_LABEL] } : {}),
        ...(labels[INPUTS_HASH_LABEL] ? { inputsHash: labels[INPUTS_HASH_LABEL] } : {}),
        labels,
      };
    })
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** What {@link removeImage} did. */
export interface RemoveImageResult {
  removed: boolean;
  untagged: string[];
  deleted: string[];
}

/**
 * Removes an image by name or id. A missing image is not an error (removed: false), so the UI can
 * retry safely; an image a container uses is, with a message that says so, unless `force`.
 */
export async function removeImage(docker: Dockerode, name: string, opts: { force?: boolean } = {}): Promise<RemoveImageResult> {
  try {
    const result = (await docker.getImage(name).remove({ force: opts.force ?? false })) as Array<{
      Untagged?: string;
      Deleted?: string;
    }>;
    return {
      removed: true,
      untagged: result.flatMap((r) => (r.Untagged ? [r.Untagged] : [])),
      deleted: result.flatMap((r) => (r.Deleted ? [r.Deleted] : [])),
    };
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 404) return { removed: false, untagged: [], deleted: [] };
    if (status === 409) {
      throw new Error(`cannot remove ${name}: a container or a child image still uses it (${(error as Error).message})`);
    }
    throw error;
  }
}

/**
 * Removes every sample image (`lancer.image-set=sample`), children before parents, e.g. for a
 * cold rebuild. Images the daemon refuses to remove (a running container uses them) are listed
 * in `kept` with the reason instead of failing the whole clean-up.
 */
export async function removeSampleImages(
  docker: Dockerode,
  opts: { force?: boolean } = {},
): Promise<{ removed: string[]; kept: Array<{ ref: string; reason: string }> }> {
  const infos = await docker.listImages({ filters: { label: [`${IMAGE_SET_LABEL}=${IMAGE_SET_SAMPLE}`] } });
  // Newer images are built on older ones, so newest first removes children before parents.
  const ordered = [...infos].sort((a, b) => b.Created - a.Created);
  const removed: string[] = [];
  const kept: Array<{ ref: string; reason: string }> = [];
  for (const info of ordered) {
    const tags = (info.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
    for (const ref of tags.length > 0 ? tags : [info.Id]) {
      try {
        if ((await removeImage(docker, ref, opts)).removed) removed.push(ref);
      } catch (error) {
        kept.push({ ref, reason: (error as Error).message });
      }
    }
  }
  return { removed, kept };
}

/** One line per image for logs and the CLI: "built lancer-sample:latest 812 MB in 40.1 s". */
export function summarizeImage(image: BuiltImage): string {
  const what = image.upToDate ? 'up to date' : 'built';
  return `${what.padEnd(10)} ${image.name.padEnd(40)} ${formatBytes(image.sizeBytes).padStart(8)}  ${(image.durationMs / 1000).toFixed(1)} s`;
}
