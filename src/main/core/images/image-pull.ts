/**
 * Pulling the official images a run needs, with the size to download and the free disk known
 * before it starts, per-layer progress, and resumption after a cancel.
 *
 * How: the registry's HTTP API gives each image's manifest and config (registry-client.ts); a
 * layer whose chain id the daemon already has is skipped; the others are fetched into the
 * workbench's blob cache (blob-cache.ts, resumable with range requests); the image then goes to
 * the daemon with `docker load`, tagged under its canonical name, so runs find it whichever
 * registry it came from. Docker's own `docker pull` is the fallback when the registry's API
 * cannot be read from here (a daemon-side mirror or proxy): it works, but a cancelled Docker pull
 * starts over, because Docker's classic image store discards the layers it had finished.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { ImagePullEvent, PullImagePlan, PullLayerStatus, PullPlan, PullRequest } from '../../../shared/images';
import { AppError } from '../../../shared/result';
import type { Settings } from '../../../shared/domain';
import type { TaskRow } from '../../../shared/tasks';
import type { ImageUseRepo } from '../store/image-use-repo';
import { BlobCache } from './blob-cache';
import { JsonLineSplitter } from './build-stream';
import { budgetBytesOf, dockerDiskFree, enforceDiskBudget, officialImagesBytes } from './disk-budget';
import { formatBytes } from './image-disk';
import { normalizeRegistry, pullTargets, type PullTarget } from './official-images';
import { applyPullMessage, initialPullState, shortLayerId, type PullMessage } from './pull-progress';
import { chainIds, parseReference, RegistryClient, type ResolvedImage } from './registry-client';
import { tarEnd, tarFileHeader, tarPadding } from './tar-writer';

/** What the daemon has: every layer chain id of its images, and the image id of each name. */
export interface LocalImages {
  chains: Set<string>;
  ids: Map<string, string>;
}

/** Reads the daemon's images and the layer chains they hold. */
export async function localImages(docker: Dockerode): Promise<LocalImages> {
  const chains = new Set<string>();
  const ids = new Map<string, string>();
  for (const info of await docker.listImages()) {
    for (const tag of info.RepoTags ?? []) if (tag !== '<none>:<none>') ids.set(tag, info.Id);
    try {
      const inspect = await docker.getImage(info.Id).inspect();
      for (const chain of chainIds(inspect.RootFS?.Layers ?? [])) chains.add(chain);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
  }
  return { chains, ids };
}

/** A plan with what the pull needs to carry it out. */
export interface PlannedPull {
  plan: PullPlan;
  targets: PullTarget[];
  /** Manifests read for the plan, by canonical image name (absent when the registry failed). */
  resolved: Map<string, ResolvedImage>;
}

/** What the puller is given. */
export interface PullDeps {
  docker: Dockerode;
  cache: BlobCache;
  registry?: RegistryClient;
  use?: ImageUseRepo;
}

/**
 * Reads every target's manifest (four at a time) and says what a pull would fetch: layers the
 * daemon has are not counted, nor bytes already in the blob cache, and a layer two images
 * share is counted once. A registry failure is kept on its image (`error`), not thrown: the
 * confirmation shows it and the pull falls back to Docker for that image.
 */
export async function planPull(
  deps: PullDeps,
  targets: PullTarget[],
  opts: {
    registry?: string;
    monolith?: boolean;
    budgetBytes?: number | null;
    signal?: AbortSignal;
    /** Manifests read moments ago, by source: not asked for again (Docker Hub counts each read as a pull). */
    known?: ReadonlyMap<string, ResolvedImage>;
  } = {},
): Promise<PlannedPull> {
  const client = deps.registry ?? new RegistryClient();
  const local = await localImages(deps.docker);
  const resolved = new Map<string, ResolvedImage>();
  const errors = new Map<string, string>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const target = targets[next++]!;
      const known = opts.known?.get(target.source);
      if (known) {
        resolved.set(target.image, known);
        continue;
      }
      try {
        resolved.set(target.image, await client.resolve(target.source, opts.signal));
      } catch (error) {
        if (opts.signal?.aborted) throw opts.signal.reason;
        errors.set(target.image, (error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, targets.length) }, worker));

  const counted = new Set<string>();
  const images: PullImagePlan[] = [];
  for (const target of targets) {
    const res = resolved.get(target.image);
    if (!res) {
      images.push({ ...target, upToDate: false, layers: [], totalBytes: 0, downloadBytes: 0, error: errors.get(target.image) });
      continue;
    }
    const upToDate = local.ids.get(target.image) === res.configDigest;
    const chains = chainIds(res.diffIds);
    let downloadBytes = 0;
    const layers = [];
    for (const [i, layer] of res.layers.entries()) {
      const present = upToDate || local.chains.has(chains[i]!);
      layers.push({ digest: layer.digest, sizeBytes: layer.size, present });
      if (present || counted.has(layer.digest)) continue;
      counted.add(layer.digest);
      downloadBytes += Math.max(0, layer.size - (await deps.cache.cachedBytes(layer.digest)));
    }
    images.push({ ...target, upToDate, layers, totalBytes: res.layers.reduce((s, l) => s + l.size, 0), downloadBytes });
  }
  const disk = await dockerDiskFree(deps.docker);
  return {
    targets,
    resolved,
    plan: {
      registry: normalizeRegistry(opts.registry) ?? 'docker.io',
      monolith: opts.monolith === true,
      images,
      downloadBytes: images.reduce((s, i) => s + i.downloadBytes, 0),
      freeBytes: disk.freeBytes,
      dockerRootDir: disk.rootDir,
      budgetBytes: opts.budgetBytes ?? null,
      usedBytes: await officialImagesBytes(deps.docker),
    },
  };
}

/** How a pull ended, image by image. */
export interface PullOutcome {
  images: Array<{ image: string; state: 'pulled' | 'up-to-date' | 'failed' | 'not-started'; error?: string }>;
  /** Layers fetched and layers the daemon already had. */
  downloadedLayers: number;
  reusedLayers: number;
}

/** Options of {@link executePull}. */
export interface ExecuteOptions {
  pullId: string;
  emit: (event: ImagePullEvent) => void;
  signal?: AbortSignal;
  /** Layers fetched at the same time (Docker's default is 3). */
  concurrency?: number;
}

/**
 * Pulls the planned images one after another. An image that fails is reported and the others
 * go on; a cancel stops everything, keeping the blob cache for the next pull (the caller says
 * so). Throws only on cancel.
 */
export async function executePull(deps: PullDeps, planned: PlannedPull, opts: ExecuteOptions): Promise<PullOutcome> {
  const client = deps.registry ?? new RegistryClient();
  const local = await localImages(deps.docker);
  const outcome: PullOutcome = {
    images: planned.targets.map((t) => ({ image: t.image, state: 'not-started' as const })),
    downloadedLayers: 0,
    reusedLayers: 0,
  };
  for (const [index, target] of planned.targets.entries()) {
    const entry = outcome.images[index]!;
    const base = { pullId: opts.pullId, image: target.image, index, count: planned.targets.length };
    opts.signal?.throwIfAborted();
    const res = planned.resolved.get(target.image);
    if (res && local.ids.get(target.image) === res.configDigest) {
      entry.state = 'up-to-date';
      opts.emit({ type: 'image', ...base, state: 'up-to-date' });
      deps.use?.markUsed([target.image]);
      continue;
    }
    opts.emit({ type: 'image', ...base, state: 'pulling', message: res ? undefined : 'the registry API could not be read from here; pulling through Docker (a cancelled Docker pull starts over)' });
    try {
      if (res) {
        const counts = await loadFromRegistry(deps, client, local, target, res, opts);
        outcome.downloadedLayers += counts.downloaded;
        outcome.reusedLayers += counts.reused;
      } else {
        await pullThroughDocker(deps.docker, target, opts);
      }
      entry.state = 'pulled';
      opts.emit({ type: 'image', ...base, state: 'pulled' });
      deps.use?.markUsed([target.image]);
    } catch (error) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      entry.state = 'failed';
      entry.error = (error as Error).message;
      opts.emit({ type: 'image', ...base, state: 'failed', message: entry.error });
    }
  }
  return outcome;
}

/** Emits a layer's state. */
function layerEvent(opts: ExecuteOptions, image: string, layer: string, status: PullLayerStatus, current: number, total: number): void {
  opts.emit({ type: 'layer', pullId: opts.pullId, image, layer, status, current, total });
}

async function loadFromRegistry(
  deps: PullDeps,
  client: RegistryClient,
  local: LocalImages,
  target: PullTarget,
  res: ResolvedImage,
  opts: ExecuteOptions,
): Promise<{ downloaded: number; reused: number }> {
  const chains = chainIds(res.diffIds);
  const missing = res.layers.map((_, i) => i).filter((i) => !local.chains.has(chains[i]!));
  for (const [i, layer] of res.layers.entries()) {
    const status = missing.includes(i) ? 'waiting' : 'exists';
    layerEvent(opts, target.image, shortLayerId(layer.digest), status, status === 'exists' ? layer.size : 0, layer.size);
  }

  // Fetch the missing blobs, a few at a time, reporting progress in steps of at least 1 %. Each
  // blob once (an image may list the same one twice), and when one fails the others stop too:
  // the image failed, and its siblings' partial files stay for the next pull.
  const progress = initialPullState();
  const toFetch = [...new Map(missing.map((i) => [res.layers[i]!.digest, res.layers[i]!])).values()];
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < toFetch.length && !signal.aborted) {
      const layer = toFetch[next++]!;
      const id = shortLayerId(layer.digest);
      await deps.cache.download(client, res.reference, layer, {
        signal,
        onProgress: (current, total) => {
          const changed = applyPullMessage(progress, { id, status: 'Downloading', progressDetail: { current, total } });
          for (const l of changed) layerEvent(opts, target.image, l.id, l.status, l.current, l.total);
        },
      });
      layerEvent(opts, target.image, id, 'downloaded', layer.size, layer.size);
    }
  };
  const results = await Promise.allSettled(
    Array.from({ length: Math.min(opts.concurrency ?? 3, toFetch.length) }, () =>
      worker().catch((error: unknown) => {
        stop.abort(error);
        throw error;
      }),
    ),
  );
  if (opts.signal?.aborted) throw opts.signal.reason;
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;

  // Hand the image to the daemon: config, the missing layers, and a manifest naming every layer
  // (the daemon skips those it has by chain id, so their files need not be in the archive).
  const byDiff = new Map(res.diffIds.map((d, i) => [d.replace(/^sha256:/, '').slice(0, 12), res.layers[i]!]));
  const configName = `${res.configDigest.replace(/^sha256:/, '')}.json`;
  const layerName = (digest: string): string => `${digest.replace(/^sha256:/, '')}/layer.tar`;
  const manifest = Buffer.from(JSON.stringify([{ Config: configName, RepoTags: [target.image], Layers: res.layers.map((l) => layerName(l.digest)) }]));
  const cache = deps.cache;
  async function* archive(): AsyncGenerator<Buffer> {
    yield tarFileHeader(configName, res.config.length);
    yield res.config;
    yield tarPadding(res.config.length);
    for (const i of missing) {
      const layer = res.layers[i]!;
      yield tarFileHeader(layerName(layer.digest), layer.size);
      for await (const chunk of createReadStream(cache.pathOf(layer.digest))) yield chunk as Buffer;
      yield tarPadding(layer.size);
    }
    yield tarFileHeader('manifest.json', manifest.length);
    yield manifest;
    yield tarPadding(manifest.length);
    yield tarEnd();
  }
  const where = `loading ${target.image} into Docker`;
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await deps.docker.loadImage(Readable.from(archive()), { quiet: false, abortSignal: opts.signal })) as NodeJS.ReadableStream;
  } catch (error) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    throw new Error(`${where}: ${(error as Error).message}`);
  }
  const splitter = new JsonLineSplitter();
  let failure: string | undefined;
  const onMessage = (msg: PullMessage): void => {
    if (msg.error || msg.errorDetail?.message) failure = (msg.errorDetail?.message ?? msg.error ?? '').trim();
    const layer = msg.id ? byDiff.get(msg.id) : undefined;
    if (layer && msg.status === 'Loading layer') {
      const changed = applyPullMessage(progress, { id: shortLayerId(layer.digest), status: 'Extracting', progressDetail: msg.progressDetail });
      for (const l of changed) layerEvent(opts, target.image, l.id, l.status, l.current, l.total);
    }
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) for (const msg of splitter.push(chunk)) onMessage(msg);
    for (const msg of splitter.flush()) onMessage(msg);
  } catch (error) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    throw new Error(`${where}: ${(error as Error).message}`);
  }
  if (failure) throw new Error(`${where}: ${failure}`);
  const id = await deps.docker
    .getImage(target.image)
    .inspect()
    .then((i) => i.Id)
    .catch(() => undefined);
  if (id !== res.configDigest) throw new Error(`${where}: the daemon has ${id ?? 'no image'} under that name afterwards, not ${res.configDigest}`);

  for (const i of missing) layerEvent(opts, target.image, shortLayerId(res.layers[i]!.digest), 'complete', res.layers[i]!.size, res.layers[i]!.size);
  for (const chain of chains) local.chains.add(chain);
  local.ids.set(target.image, res.configDigest);
  // The daemon has the layers now; their download copies would only take the disk twice.
  for (const i of missing) await deps.cache.remove(res.layers[i]!.digest);
  return { downloaded: missing.length, reused: res.layers.length - missing.length };
}

/** The fallback: `docker pull` of the source, then the canonical tag. */
async function pullThroughDocker(docker: Dockerode, target: PullTarget, opts: ExecuteOptions): Promise<void> {
  const where = `pulling ${target.source} through Docker`;
  const state = initialPullState();
  const splitter = new JsonLineSplitter();
  const onMessage = (msg: PullMessage): void => {
    for (const l of applyPullMessage(state, msg)) layerEvent(opts, target.image, l.id, l.status, l.current, l.total);
  };
  try {
    const stream = (await docker.pull(target.source, { abortSignal: opts.signal })) as NodeJS.ReadableStream;
    for await (const chunk of stream as AsyncIterable<Buffer>) for (const msg of splitter.push(chunk)) onMessage(msg);
    for (const msg of splitter.flush()) onMessage(msg);
  } catch (error) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    throw new Error(`${where}: ${(error as Error).message}`);
  }
  if (state.error) throw new Error(`${where}: ${state.error}`);
  if (target.source !== target.image) {
    const ref = parseReference(target.image);
    const repo = ref.registry === 'docker.io' ? ref.repository.replace(/^library\//, '') : `${ref.registry}/${ref.repository}`;
    await docker.getImage(target.source).tag({ repo, tag: ref.tag });
    // The registry's name would list the image twice; the canonical one is what runs use.
    await docker.getImage(target.source).remove().catch(() => undefined);
  }
}

/** The pull cache's folder under a data dir. */
export function pullCacheDir(dataDir: string): string {
  return path.join(dataDir, 'image-cache', 'blobs');
}

/** The tasks of a pull request, with unknown ids named. */
export function tasksOfRequest(tasks: readonly TaskRow[], req: Pick<PullRequest, 'datasetId' | 'taskIds'>): TaskRow[] {
  if (tasks.length === 0) throw new AppError('not_found', `no dataset "${req.datasetId}" (or it has no tasks)`);
  if (!req.taskIds || req.taskIds.length === 0) return [...tasks];
  const byId = new Map(tasks.map((t) => [t.questionId, t]));
  const wanted = [...new Set(req.taskIds.map((id) => id.replace(`${req.datasetId}/`, '')))];
  const unknown = wanted.filter((id) => !byId.has(id));
  if (unknown.length > 0) {
    throw new AppError('invalid_input', `dataset ${req.datasetId} has no task ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', …' : ''}`);
  }
  return wanted.map((id) => byId.get(id)!);
}

/** How long a plan's manifests are reused by the pull that follows its confirmation. */
const RECENT_PLAN_MS = 10 * 60_000;

/** What the puller needs from the workbench. */
export interface ImagePullerDeps {
  docker: Dockerode;
  dataDir: string;
  use: ImageUseRepo;
  settings: () => Pick<Settings, 'diskBudgetGb' | 'imageRegistry'>;
  listTasks: (datasetId: string) => TaskRow[];
  registry?: RegistryClient;
}

/**
 * The pull service behind `images.pullPlan`, `images.pull`, `images.pullCancel` and
 * `lancer images pull`: one pull at a time per process, with the disk budget applied before
 * (room for the download) and after (the download's real size on disk).
 */
export class ImagePuller {
  readonly cache: BlobCache;
  /** Manifests of recent plans by source, so the pull after a confirmation reads none again. */
  private readonly recent = new Map<string, { res: ResolvedImage; at: number }>();
  private current: { pullId: string; controller: AbortController; done: Promise<PullOutcome | undefined> } | undefined;

  constructor(private readonly deps: ImagePullerDeps) {
    this.cache = new BlobCache(pullCacheDir(deps.dataDir));
  }

  private pullDeps(): PullDeps {
    return { docker: this.deps.docker, cache: this.cache, registry: this.deps.registry, use: this.deps.use };
  }

  /** The registry a request pulls from: its own, else the setting, else Docker Hub. */
  private registryOf(req: PullRequest): string | undefined {
    try {
      return normalizeRegistry(req.registry ?? this.deps.settings().imageRegistry);
    } catch (error) {
      throw new AppError('invalid_input', (error as Error).message);
    }
  }

  /** Reads the manifests and the disk: what the confirmation shows. */
  async plan(req: PullRequest, signal?: AbortSignal): Promise<PlannedPull> {
    const tasks = tasksOfRequest(this.deps.listTasks(req.datasetId), req);
    const registry = this.registryOf(req);
    const targets = pullTargets(tasks, { monolith: req.monolith, registry });
    const known = new Map<string, ResolvedImage>();
    for (const [source, { res, at }] of this.recent) {
      if (Date.now() - at < RECENT_PLAN_MS) known.set(source, res);
      else this.recent.delete(source);
    }
    const planned = await planPull(this.pullDeps(), targets, {
      registry,
      monolith: req.monolith,
      budgetBytes: budgetBytesOf(this.deps.settings()),
      signal,
      known,
    });
    for (const target of targets) {
      const res = planned.resolved.get(target.image);
      if (res && !known.has(target.source)) this.recent.set(target.source, { res, at: Date.now() });
    }
    return planned;
  }

  /** The pull running now, if any. */
  get running(): string | undefined {
    return this.current?.pullId;
  }

  /**
   * Plans and pulls, emitting progress; resolves with the outcome, or rejects with an AppError:
   * `conflict` (thrown at once) when a pull runs already here or in another process on this
   * data dir, `unavailable` when the images cannot fit the budget or the disk, `cancelled` (with
   * what is kept for the next pull) after {@link cancel} or `signal`.
   */
  pull(req: PullRequest, emit: (event: ImagePullEvent) => void, opts: { pullId?: string; signal?: AbortSignal } = {}): Promise<PullOutcome> {
    // Checked before anything is returned, so start() can refuse instead of failing silently.
    if (this.current) throw new AppError('conflict', `pull ${this.current.pullId} is running; cancel it or wait for it`);
    let release: () => void;
    try {
      release = this.cache.lock();
    } catch (error) {
      throw new AppError('conflict', (error as Error).message);
    }
    const pullId = opts.pullId ?? `pull-${Date.now().toString(36)}`;
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const done = this.run(req, emit, pullId, controller.signal).finally(() => {
      this.current = undefined;
      release();
      opts.signal?.removeEventListener('abort', onAbort);
    });
    this.current = { pullId, controller, done: done.catch(() => undefined) };
    return done;
  }

  /** Starts {@link pull} in the background and returns its id; the end comes as a `finished` event. */
  start(req: PullRequest, emit: (event: ImagePullEvent) => void): { pullId: string } {
    const pullId = `pull-${Date.now().toString(36)}`;
    // The outcome reaches the UI as the `finished` event; nothing awaits the promise.
    this.pull(req, emit, { pullId }).catch(() => undefined);
    return { pullId };
  }

  /** Cancels the running pull; false when `pullId` is not running. */
  cancel(pullId: string): boolean {
    if (this.current?.pullId !== pullId) return false;
    this.current.controller.abort(new AppError('cancelled', 'the pull was cancelled'));
    return true;
  }

  /** Cancels whatever pull runs (the app is closing) and waits for it to stop. */
  async stop(): Promise<void> {
    const current = this.current;
    if (!current) return;
    current.controller.abort(new AppError('cancelled', 'the app is closing'));
    await current.done;
  }

  private async run(req: PullRequest, emit: (event: ImagePullEvent) => void, pullId: string, signal: AbortSignal): Promise<PullOutcome> {
    const finish = (ok: boolean, cancelled: boolean, message: string, outcome?: PullOutcome): void =>
      emit({ type: 'finished', pullId, ok, cancelled, message, images: (outcome?.images ?? []).map(({ image, state }) => ({ image, state })) });
    let outcome: PullOutcome | undefined;
    try {
      const planned = await this.plan(req, signal);
      const budgetBytes = planned.plan.budgetBytes;
      const needed = planned.targets.map((t) => t.image);
      if (budgetBytes !== null) {
        const report = await enforceDiskBudget(this.deps, {
          budgetBytes,
          needed,
          neededReason: 'needed by this pull',
          reserveBytes: planned.plan.downloadBytes,
          allOrNothing: true,
        });
        for (const r of report.removed) emit({ type: 'message', pullId, image: r.image, message: `removed ${r.image} (least recently used) to stay under the disk budget` });
        if (report.overBudgetBytes > 0) {
          throw new AppError(
            'unavailable',
            `these images need ${formatBytes(planned.plan.downloadBytes)} more while the official images that must stay take ${formatBytes(report.afterBytes)}: ` +
              `over the disk budget of ${formatBytes(budgetBytes)} by ${formatBytes(report.overBudgetBytes)}; nothing was removed or downloaded. ` +
              'Raise the budget, pull fewer tasks, or use monolith mode.',
          );
        }
      }
      const free = planned.plan.freeBytes;
      if (free !== null && planned.plan.downloadBytes > free) {
        throw new AppError(
          'unavailable',
          `the pull downloads ${formatBytes(planned.plan.downloadBytes)} but ${planned.plan.dockerRootDir ?? 'Docker’s disk'} has ${formatBytes(free)} free`,
        );
      }
      outcome = await executePull(this.pullDeps(), planned, { pullId, emit, signal });
      if (budgetBytes !== null) {
        // The estimate counted compressed bytes; the images take more once unpacked.
        await enforceDiskBudget(this.deps, { budgetBytes, needed, neededReason: 'needed by this pull' });
      }
      const failed = outcome.images.filter((i) => i.state === 'failed');
      const pulled = outcome.images.filter((i) => i.state === 'pulled').length;
      const upToDate = outcome.images.filter((i) => i.state === 'up-to-date').length;
      const summary = `${pulled} pulled, ${upToDate} up to date${failed.length ? `, ${failed.length} failed: ${failed.map((f) => f.error).join('; ')}` : ''}`;
      finish(failed.length === 0, false, summary, outcome);
      return outcome;
    } catch (error) {
      if (signal.aborted) {
        const kept = await this.cache.usage();
        const message =
          `pull cancelled. ${formatBytes(kept.bytes)} of downloaded layers are kept in ${this.cache.dir}; ` +
          'pull again to pick up where this one stopped (finished layers are not fetched again, a partial one resumes)';
        finish(false, true, message, outcome);
        throw new AppError('cancelled', message);
      }
      finish(false, false, (error as Error).message, outcome);
      throw error;
    }
  }
}
