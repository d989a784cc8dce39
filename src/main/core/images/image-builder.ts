/**
 * One image build (or rootfs import) through dockerode, with skip-if-unchanged, a full log file
 * and typed progress.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import {
  applyBuildMessage,
  describeBuildFailure,
  initialBuildState,
  JsonLineSplitter,
  type BuildState,
} from './build-stream';
import { hashInputs, INPUTS_HASH_LABEL } from './inputs-hash';
import { packTar, type TarFileEntry } from './tar-writer';

/** The stages of the sample images' build, in order. */
export type ImageBuildPhase = 'rootfs' | 'os' | 'base' | 'benchmark' | 'task' | 'monolith';

/** A progress event, for the UI's progress bar and the CLI's lines. */
export interface ImageBuildProgress {
  phase: ImageBuildPhase;
  /** The image (or, for the rootfs phase, the tarball) the event is about. */
  image: string;
  /** The Dockerfile step being run, 1-based, when the builder said. */
  step?: number;
  totalSteps?: number;
  message: string;
  /** Set on the last event of an image: built, or found up to date. */
  done?: boolean;
}

/** The outcome for one image. */
export interface BuiltImage {
  name: string;
  id: string;
  /** The image's size including its parents' layers (Docker's `Size`). */
  sizeBytes: number;
  /** True when the image already existed with the same inputs, so nothing was built. */
  upToDate: boolean;
  /** The full build log, when the image was built. */
  logPath?: string;
  phase: ImageBuildPhase;
  durationMs: number;
  questionId?: string;
}

/** Labels on every image this module makes; the reaper and the Images page filter on them. */
export const APP_LABEL = 'app';
export const APP_LABEL_VALUE = 'lancer-workbench';
export const IMAGE_SET_LABEL = 'lancer.image-set';
export const IMAGE_SET_SAMPLE = 'sample';
export const KIND_LABEL = 'lancer.kind';
export const QUESTION_ID_LABEL = 'lancer.question-id';

/** A failed build: which image, which step, and where the whole log is. */
export class ImageBuildError extends Error {
  override readonly name = 'ImageBuildError';
  constructor(
    message: string,
    readonly image: string,
    readonly logPath: string | undefined,
    readonly step?: number,
  ) {
    super(message);
  }
}

/** What every build shares: the daemon, where logs go, and how to report. */
export interface BuildContext {
  docker: Dockerode;
  logDir: string;
  onProgress?: (event: ImageBuildProgress) => void;
  signal?: AbortSignal;
}

/** One image to make from a Dockerfile. */
export interface ImageSpec {
  phase: ImageBuildPhase;
  name: string;
  dockerfile: string;
  /** Context files besides the Dockerfile. */
  files: readonly TarFileEntry[];
  parentId?: string;
  /** Labels beyond the app, set and hash labels, e.g. the kind and question id. */
  labels: Readonly<Record<string, string>>;
  questionId?: string;
}

/** The labels an image of `spec` carries, without the hash. */
export function specLabels(spec: Pick<ImageSpec, 'labels'>): Record<string, string> {
  return { [APP_LABEL]: APP_LABEL_VALUE, [IMAGE_SET_LABEL]: IMAGE_SET_SAMPLE, ...spec.labels };
}

/**
 * Appends the labels as one LABEL line. The build API's `labels` parameter would do the same but
 * as one builder step per label, each a few hundred milliseconds and noise in the step count.
 */
export function withLabels(dockerfile: string, labels: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `${dockerfile.replace(/\n*$/, '\n')}LABEL ${pairs.join(' ')}\n`;
}

/** The inputs hash of a spec: what decides whether its image must be rebuilt. */
export function specHash(spec: ImageSpec): string {
  return hashInputs({ dockerfile: spec.dockerfile, files: spec.files, parentId: spec.parentId, extra: specLabels(spec) });
}

/**
 * Returns the image named `spec.name`, building it unless an image of that name already carries
 * the same inputs hash.
 */
export async function ensureImage(ctx: BuildContext, spec: ImageSpec): Promise<BuiltImage> {
  ctx.signal?.throwIfAborted();
  const started = Date.now();
  const hash = specHash(spec);
  const existing = await inspectOrUndefined(ctx.docker, spec.name);
  const base = { name: spec.name, phase: spec.phase, ...(spec.questionId ? { questionId: spec.questionId } : {}) };
  if (existing && existing.Config?.Labels?.[INPUTS_HASH_LABEL] === hash) {
    ctx.onProgress?.({ phase: spec.phase, image: spec.name, message: 'up to date', done: true });
    return { ...base, id: existing.Id, sizeBytes: existing.Size, upToDate: true, durationMs: Date.now() - started };
  }
  ctx.onProgress?.({
    phase: spec.phase,
    image: spec.name,
    message: existing ? 'inputs changed, rebuilding' : 'building',
  });
  const dockerfile = withLabels(spec.dockerfile, { ...specLabels(spec), [INPUTS_HASH_LABEL]: hash });
  const context = packTar([{ path: 'Dockerfile', mode: 0o644, data: Buffer.from(dockerfile) }, ...spec.files]);
  const { log, logPath } = await openLog(ctx.logDir, spec.name);
  log.write(`# ${spec.name}\n# inputs hash ${hash}\n# parent ${spec.parentId ?? '-'}\n\n${dockerfile}\n`);
  const state = initialBuildState();
  try {
    const stream = await ctx.docker.buildImage(Readable.from([context]), {
      t: spec.name,
      rm: true,
      forcerm: true,
      // The classic builder: its "Step N/M" lines give the progress bar, and it needs no session.
      version: '1',
      ...(ctx.signal ? { abortSignal: ctx.signal } : {}),
    });
    await consume(stream, state, log, (line) =>
      ctx.onProgress?.({ phase: spec.phase, image: spec.name, message: line.message, step: line.step, totalSteps: line.totalSteps }),
    );
  } catch (error) {
    await closeLog(log);
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    throw new ImageBuildError(
      `building ${spec.name}: ${(error as Error).message} (log: ${logPath})`,
      spec.name,
      logPath,
      state.step,
    );
  }
  if (state.error || !state.imageId) {
    log.write(`\n# failed\n`);
    await closeLog(log);
    if (!state.error) state.error = 'the daemon ended the build without an image id';
    throw new ImageBuildError(`${describeBuildFailure(spec.name, state)}\n(log: ${logPath})`, spec.name, logPath, state.step);
  }
  await closeLog(log);
  const built = await ctx.docker.getImage(spec.name).inspect();
  ctx.onProgress?.({ phase: spec.phase, image: spec.name, message: 'built', done: true });
  return { ...base, id: built.Id, sizeBytes: built.Size, upToDate: false, logPath, durationMs: Date.now() - started };
}

/** An image to make by importing a root filesystem tarball. */
export interface ImportSpec {
  name: string;
  /** The tarball, as a fresh stream (it is read once). */
  open: () => NodeJS.ReadableStream;
  /** sha256 of the tarball's bytes. */
  tarSha256: string;
  /** Dockerfile instructions applied to the imported image (`docker import --change`). */
  changes: readonly string[];
  labels: Readonly<Record<string, string>>;
}

/** Returns the image named `spec.name`, importing the tarball unless it is already there. */
export async function ensureImported(ctx: BuildContext, spec: ImportSpec): Promise<BuiltImage> {
  ctx.signal?.throwIfAborted();
  const started = Date.now();
  const labels = specLabels(spec);
  const hash = hashInputs({ dockerfile: spec.changes.join('\n'), files: [], parentId: spec.tarSha256, extra: labels });
  const existing = await inspectOrUndefined(ctx.docker, spec.name);
  if (existing && existing.Config?.Labels?.[INPUTS_HASH_LABEL] === hash) {
    ctx.onProgress?.({ phase: 'os', image: spec.name, message: 'up to date', done: true });
    return { name: spec.name, id: existing.Id, sizeBytes: existing.Size, upToDate: true, phase: 'os', durationMs: Date.now() - started };
  }
  ctx.onProgress?.({ phase: 'os', image: spec.name, message: 'importing the root filesystem' });
  const [repo, tag] = splitName(spec.name);
  const allLabels = { ...labels, [INPUTS_HASH_LABEL]: hash };
  const changes = [...spec.changes, ...Object.entries(allLabels).map(([k, v]) => `LABEL ${k}=${JSON.stringify(v)}`)];
  const { log, logPath } = await openLog(ctx.logDir, spec.name);
  log.write(`# import ${spec.name}\n# rootfs sha256 ${spec.tarSha256}\n${changes.map((c) => `# ${c}`).join('\n')}\n`);
  const state = initialBuildState();
  try {
    const stream = await ctx.docker.importImage(spec.open(), {
      repo,
      tag,
      changes,
      ...(ctx.signal ? { abortSignal: ctx.signal } : {}),
    });
    await consume(stream, state, log, () => undefined);
  } catch (error) {
    await closeLog(log);
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    throw new ImageBuildError(`importing ${spec.name}: ${(error as Error).message} (log: ${logPath})`, spec.name, logPath);
  }
  await closeLog(log);
  if (state.error) {
    throw new ImageBuildError(`importing ${spec.name}: ${state.error} (log: ${logPath})`, spec.name, logPath);
  }
  const imported = await ctx.docker.getImage(spec.name).inspect();
  ctx.onProgress?.({ phase: 'os', image: spec.name, message: 'imported', done: true });
  return { name: spec.name, id: imported.Id, sizeBytes: imported.Size, upToDate: false, logPath, phase: 'os', durationMs: Date.now() - started };
}

/** Splits "repo:tag" (the repo may hold a registry port, so the last colon after a slash). */
export function splitName(name: string): [string, string] {
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? [name.slice(0, colon), name.slice(colon + 1)] : [name, 'latest'];
}

/** Inspects an image, or returns undefined when the daemon has none of that name. */
export async function inspectOrUndefined(docker: Dockerode, name: string): Promise<Dockerode.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(name).inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}

async function consume(
  stream: NodeJS.ReadableStream,
  state: BuildState,
  log: WriteStream,
  onLine: (line: { message: string; step?: number; totalSteps?: number }) => void,
): Promise<void> {
  const splitter = new JsonLineSplitter();
  const handle = (messages: ReturnType<JsonLineSplitter['push']>): void => {
    for (const msg of messages) {
      for (const line of applyBuildMessage(state, msg)) {
        log.write(line.message + '\n');
        onLine(line);
      }
    }
  };
  for await (const chunk of stream as AsyncIterable<Buffer | string>) handle(splitter.push(chunk));
  handle(splitter.flush());
}

/** Opens `<logDir>/<image>-<timestamp>.log`, with the image name made safe for file names. */
export async function openLog(logDir: string, image: string): Promise<{ log: WriteStream; logPath: string }> {
  await mkdir(logDir, { recursive: true });
  const logPath = logPathFor(logDir, image);
  return { log: createWriteStream(logPath), logPath };
}

/** The path of a new log file for `image`: `<logDir>/<image>-<timestamp>.log`. */
export function logPathFor(logDir: string, image: string, now = new Date()): string {
  return path.join(logDir, `${logFileStem(image)}-${timestampForFile(now)}.log`);
}

/** "lancer-sample_123:latest" → "lancer-sample_123_latest". */
export function logFileStem(image: string): string {
  return image.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** "2025-01-02T03:04:05.678Z" → "20250102-030405-678", sortable and safe on every platform. */
export function timestampForFile(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').replace('.', '-').replace('Z', '');
}

function closeLog(log: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (log.closed || log.destroyed) return resolve();
    log.end(() => resolve());
  });
}

/**
 * Deletes all but the newest `keep` build logs of each image, so a data dir that sees daily
 * rebuilds does not grow forever. Log names sort by time within an image (see {@link logPathFor}).
 */
export async function pruneOldLogs(logDir: string, keep = 10): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(logDir);
  } catch {
    return [];
  }
  const byImage = new Map<string, string[]>();
  for (const name of names) {
    const m = /^(.*)-\d{8}-\d{6}-\d{3}\.log$/.exec(name);
    if (!m?.[1]) continue;
    byImage.set(m[1], [...(byImage.get(m[1]) ?? []), name]);
  }
  const removed: string[] = [];
  for (const logs of byImage.values()) {
    for (const name of logs.sort().slice(0, Math.max(0, logs.length - keep))) {
      await rm(path.join(logDir, name), { force: true });
      removed.push(name);
    }
  }
  return removed;
}
