/**
 * The disk budget of the official images (~14 GB each): before a run starts, and before and
 * after a pull, the least recently used official images that nothing needs are removed until
 * the images fit. Never removed: an image the run or pull at hand needs, an image of a run that
 * is not finished (queued, running or paused), an image a container uses (the daemon refuses).
 *
 * Disk is counted as the union of the images' layers (a shared base once), from their history
 * (image-disk.ts), and only over the official images: the sample benchmark's are small and
 * rebuilt locally.
 */
import { statfs } from 'node:fs/promises';
import type Dockerode from 'dockerode';
import type { Settings } from '../../../shared/domain';
import type { PruneReport } from '../../../shared/images';
import { AppError } from '../../../shared/result';
import type { ImageUseRepo } from '../store/image-use-repo';
import { formatBytes, historyLayers, type HistoryEntry } from './image-disk';
import { isOfficialImage } from './official-images';

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/**
 * Reads a size as people write it: `200GB`, `1.5 TB`, `500mb`, `64GiB`; decimal units as Docker
 * prints them, binary ones when spelled `GiB`. A bare number is in GB, like the `diskBudgetGb`
 * setting. Throws on anything else, naming the text.
 */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = (m?.[2] ?? '').toLowerCase();
  const factor = unit === '' ? UNITS.gb : (UNITS[unit] ?? UNITS[`${unit}b`]);
  if (!m || factor === undefined) {
    throw new Error(`"${text}" is not a size (write e.g. 200GB, 1.5TB or 500MB)`);
  }
  return Math.round(Number(m[1]) * factor);
}

/** The budget in bytes from the settings, or null for "no budget" (0). */
export function budgetBytesOf(settings: Pick<Settings, 'diskBudgetGb'>): number | null {
  return settings.diskBudgetGb > 0 ? Math.round(settings.diskBudgetGb * 1e9) : null;
}

/** An official image on disk as the budget sees it. */
export interface BudgetImage {
  /** Its first official name, for messages. */
  image: string;
  /** Every official name of the image (removing the image means removing them all). */
  names: string[];
  id: string;
  /** Its layers keyed by ancestry (shared layers share a key). */
  layers: ReadonlyArray<{ key: string; size: number }>;
  /** When a run last used it, else when it was created. */
  lastUsedAt: string;
}

/** The images to remove, and what stays over the budget. */
export interface EvictionChoice {
  evict: Array<{ image: string; names: string[]; freedBytes: number; lastUsedAt: string }>;
  kept: Array<{ image: string; reason: string }>;
  usedBytes: number;
  afterBytes: number;
  /** How far `afterBytes + reserveBytes` stays over the budget (0 when it fits). */
  overBudgetBytes: number;
}

function uniqueBytes(images: readonly BudgetImage[]): number {
  const seen = new Map<string, number>();
  for (const image of images) for (const layer of image.layers) seen.set(layer.key, layer.size);
  let total = 0;
  for (const size of seen.values()) total += size;
  return total;
}

/**
 * Chooses which images to remove so that the images left, plus `reserveBytes` about to arrive,
 * fit in `budgetBytes`: least recently used first (ties by name, so the choice is stable), never
 * an image with a name in `protect` (name → why it stays). Pure; nothing is removed here.
 */
export function chooseEvictions(
  images: readonly BudgetImage[],
  opts: { budgetBytes: number; reserveBytes?: number; protect: ReadonlyMap<string, string> },
): EvictionChoice {
  const reserve = opts.reserveBytes ?? 0;
  const usedBytes = uniqueBytes(images);
  const reasonOf = (image: BudgetImage): string | undefined => {
    for (const name of image.names) {
      const reason = opts.protect.get(name);
      if (reason !== undefined) return reason;
    }
    return undefined;
  };
  const kept: EvictionChoice['kept'] = [];
  const candidates: BudgetImage[] = [];
  for (const image of images) {
    const reason = reasonOf(image);
    if (reason === undefined) candidates.push(image);
    else kept.push({ image: image.image, reason });
  }
  candidates.sort((a, b) => a.lastUsedAt.localeCompare(b.lastUsedAt) || a.image.localeCompare(b.image));

  let remaining = [...images];
  let current = usedBytes;
  const evict: EvictionChoice['evict'] = [];
  for (const candidate of candidates) {
    if (current + reserve <= opts.budgetBytes) break;
    remaining = remaining.filter((i) => i !== candidate);
    const after = uniqueBytes(remaining);
    evict.push({ image: candidate.image, names: candidate.names, freedBytes: current - after, lastUsedAt: candidate.lastUsedAt });
    current = after;
  }
  return { evict, kept, usedBytes, afterBytes: current, overBudgetBytes: Math.max(0, current + reserve - opts.budgetBytes) };
}

/** The official images on disk, with their layers and last use (else their creation time). */
export async function officialImagesOnDisk(docker: Dockerode, lastUsed: ReadonlyMap<string, string>): Promise<BudgetImage[]> {
  const out: BudgetImage[] = [];
  for (const info of await docker.listImages()) {
    const names = (info.RepoTags ?? []).filter(isOfficialImage).sort();
    if (names.length === 0) continue;
    let history: HistoryEntry[];
    try {
      history = (await docker.getImage(info.Id).history()) as HistoryEntry[];
    } catch (error) {
      // Removed between the listing and now (another window pruning): nothing to count.
      if ((error as { statusCode?: number }).statusCode === 404) continue;
      throw error;
    }
    const created = new Date(info.Created * 1000).toISOString();
    const used = names.map((n) => lastUsed.get(n)).filter((t): t is string => t !== undefined).sort();
    out.push({ image: names[0]!, names, id: info.Id, layers: historyLayers(history), lastUsedAt: used[used.length - 1] ?? created });
  }
  return out;
}

/** Disk the official images take, shared layers once. */
export async function officialImagesBytes(docker: Dockerode): Promise<number> {
  return uniqueBytes(await officialImagesOnDisk(docker, new Map()));
}

/** Options of {@link enforceDiskBudget}. */
export interface EnforceOptions {
  budgetBytes: number;
  /** Images the caller is about to use (a run's, a pull's): never removed. */
  needed?: readonly string[];
  /** Why `needed` stays, for the report ("needed by the run being started"). */
  neededReason?: string;
  /** Bytes about to arrive (a pull's download), to make room for. */
  reserveBytes?: number;
  /** Only say what would go. */
  dryRun?: boolean;
  /**
   * Remove nothing unless the removals bring the images under the budget: a run or pull that is
   * refused anyway must not cost anyone their downloads. The report then lists no removals and
   * says how far over the images that must stay are (`afterBytes`, `overBudgetBytes`).
   */
  allOrNothing?: boolean;
}

/**
 * Removes least recently used official images until the rest (plus `reserveBytes`) fit in the
 * budget, keeping every image a caller or an unfinished run needs. Returns what it did; being
 * still over the budget is reported (`overBudgetBytes`), not thrown: callers decide.
 */
export async function enforceDiskBudget(deps: { docker: Dockerode; use: ImageUseRepo }, opts: EnforceOptions): Promise<PruneReport> {
  const images = await officialImagesOnDisk(deps.docker, deps.use.lastUsed());
  const protect = new Map<string, string>();
  for (const [image, runs] of deps.use.neededByUnfinishedRuns()) {
    protect.set(image, `needed by unfinished run${runs.length > 1 ? 's' : ''} ${runs.join(', ')}`);
  }
  for (const image of opts.needed ?? []) protect.set(image, opts.neededReason ?? 'needed now');
  const choice = chooseEvictions(images, { budgetBytes: opts.budgetBytes, reserveBytes: opts.reserveBytes, protect });
  const report: PruneReport = {
    budgetBytes: opts.budgetBytes,
    usedBytes: choice.usedBytes,
    afterBytes: choice.afterBytes,
    removed: [],
    kept: [...choice.kept],
    overBudgetBytes: choice.overBudgetBytes,
  };
  if (opts.dryRun) {
    report.removed = choice.evict.map(({ image, freedBytes, lastUsedAt }) => ({ image, freedBytes, lastUsedAt }));
    return report;
  }
  if (opts.allOrNothing && choice.overBudgetBytes > 0) return report;
  for (const victim of choice.evict) {
    try {
      for (const name of victim.names) await deps.docker.getImage(name).remove();
      deps.use.forget(victim.names);
      report.removed.push({ image: victim.image, freedBytes: victim.freedBytes, lastUsedAt: victim.lastUsedAt });
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 404) continue;
      // 409: a container (a kept failed attempt, a user's own) still uses it; the daemon is right.
      report.kept.push({ image: victim.image, reason: status === 409 ? 'a container uses it' : `could not remove it: ${(error as Error).message}` });
    }
  }
  if (report.removed.length !== choice.evict.length) {
    // Something stayed that the choice counted as gone: measure again rather than guess.
    report.afterBytes = uniqueBytes(await officialImagesOnDisk(deps.docker, new Map()));
    report.overBudgetBytes = Math.max(0, report.afterBytes + (opts.reserveBytes ?? 0) - opts.budgetBytes);
  }
  return report;
}

/** One line for people: "3 images removed (freed 41.2 GB); 60.1 GB of 200 GB used". */
export function describePrune(report: PruneReport): string {
  const freed = report.removed.reduce((sum, r) => sum + r.freedBytes, 0);
  const head = report.removed.length
    ? `${report.removed.length} image${report.removed.length > 1 ? 's' : ''} removed (freed ${formatBytes(freed)})`
    : 'nothing removed';
  const over = report.overBudgetBytes > 0 ? `, ${formatBytes(report.overBudgetBytes)} over the budget` : '';
  return `${head}; official images use ${formatBytes(report.afterBytes)} of the ${formatBytes(report.budgetBytes)} budget${over}`;
}

/** Free space where the daemon keeps its images, or null when that cannot be told from here. */
export async function dockerDiskFree(docker: Dockerode): Promise<{ rootDir: string | null; freeBytes: number | null }> {
  let rootDir: string | null = null;
  try {
    rootDir = ((await docker.info()) as { DockerRootDir?: string }).DockerRootDir ?? null;
  } catch {
    return { rootDir: null, freeBytes: null };
  }
  // A daemon over TCP (or in a VM, as Docker Desktop's) keeps its root dir on another machine:
  // a directory of the same name here would say nothing about it.
  // A host (tcp://, ssh://) means a daemon elsewhere; without one dockerode talks to a local
  // socket or pipe.
  const modem = (docker as unknown as { modem?: { host?: unknown } }).modem;
  const local = !modem?.host;
  if (!rootDir || !local) return { rootDir, freeBytes: null };
  try {
    const fs = await statfs(rootDir);
    return { rootDir, freeBytes: fs.bavail * fs.bsize };
  } catch {
    return { rootDir, freeBytes: null };
  }
}

/**
 * What the run engine calls around runs (see EngineDeps.images): the budget check before a run
 * is recorded, and the record of use when an attempt starts in an image.
 */
export interface RunImageHooks {
  /**
   * Before a run is created with these images: removes least recently used official images
   * nobody needs to stay under the budget, and throws an `unavailable` AppError (so no run is
   * recorded) when the images that must stay are over it.
   */
  beforeRun(images: readonly string[]): Promise<void>;
  /** An attempt started in `image`. Never throws: bookkeeping must not fail an attempt. */
  used(image: string): void;
}

/** The hooks over the real daemon and store. */
export function createRunImageHooks(deps: { docker: Dockerode; use: ImageUseRepo; settings: () => Pick<Settings, 'diskBudgetGb'> }): RunImageHooks {
  return {
    async beforeRun(images) {
      const budgetBytes = budgetBytesOf(deps.settings());
      if (budgetBytes !== null) {
        const report = await enforceDiskBudget(deps, { budgetBytes, needed: images, neededReason: 'needed by the run being started', allOrNothing: true });
        if (report.overBudgetBytes > 0) {
          const reasons = [...new Set(report.kept.map((k) => k.reason))].join('; ');
          throw new AppError(
            'unavailable',
            `the official images that must stay (${reasons || 'in use'}) take ${formatBytes(report.afterBytes)}, over the disk budget of ` +
              `${formatBytes(budgetBytes)}; nothing was removed and the run was not started. ` +
              'Raise the budget in Settings (0 = none), finish or delete other runs, or run in monolith mode (one image for every task).',
          );
        }
      }
      deps.use.markUsed(images.filter(isOfficialImage));
    },
    used(image) {
      try {
        deps.use.markUsed([image]);
      } catch {
        // A busy database must not fail an attempt over LRU bookkeeping.
      }
    },
  };
}

/** An official image for the Images page: its names, size, creation and last use. */
export interface OfficialImageInfo {
  id: string;
  names: string[];
  sizeBytes: number;
  createdAt: string;
  questionId?: string;
  kind: 'task' | 'monolith';
  lastUsedAt?: string;
}

/** The official images on disk (any name of theirs official), newest first. */
export async function listOfficialImages(docker: Dockerode, lastUsed: ReadonlyMap<string, string>): Promise<OfficialImageInfo[]> {
  const out: OfficialImageInfo[] = [];
  for (const info of await docker.listImages()) {
    const names = (info.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
    const official = names.filter(isOfficialImage);
    if (official.length === 0) continue;
    const suffix = /swelancer_x86_([\w.-]+):/.exec(official[0]!)?.[1] ?? '';
    const used = official.map((n) => lastUsed.get(n)).filter((t): t is string => t !== undefined).sort();
    out.push({
      id: info.Id,
      names,
      sizeBytes: info.Size,
      createdAt: new Date(info.Created * 1000).toISOString(),
      ...(suffix === 'monolith' ? { kind: 'monolith' as const } : { kind: 'task' as const, questionId: suffix }),
      ...(used.length ? { lastUsedAt: used[used.length - 1] } : {}),
    });
  }
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
