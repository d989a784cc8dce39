/**
 * Disk use of a set of images, counting each shared layer once.
 *
 * An image's `Size` includes all its parents' layers, so summing sizes over a base and twenty
 * per-task images would count the base twenty-one times. The history of each image lists its
 * layers with their sizes; layers with the same ancestry are the same layer.
 */
import { createHash } from 'node:crypto';
import type Dockerode from 'dockerode';

/** One entry of `GET /images/{id}/history` (newest first, as the daemon returns it). */
export interface HistoryEntry {
  Id: string;
  Created: number;
  CreatedBy: string;
  Size: number;
}

/**
 * The bytes used by the union of the images' layers.
 *
 * Each entry is keyed by its whole ancestry (every older entry's creation time, command and
 * size), so two images share a key exactly where they share a parent chain. Ids are not used:
 * the daemon reports `<missing>` for layers that came from an import or a pull.
 */
export function sumUniqueLayers(histories: ReadonlyArray<readonly HistoryEntry[]>): number {
  const seen = new Map<string, number>();
  for (const history of histories) {
    for (const layer of historyLayers(history)) seen.set(layer.key, layer.size);
  }
  let total = 0;
  for (const size of seen.values()) total += size;
  return total;
}

/**
 * An image's history entries, oldest first, each keyed by its whole ancestry as in
 * {@link sumUniqueLayers}: two images share a key exactly where they share a layer. The disk
 * budget uses the keys to tell what removing one image would free.
 */
export function historyLayers(history: readonly HistoryEntry[]): Array<{ key: string; size: number }> {
  const out: Array<{ key: string; size: number }> = [];
  let key = '';
  for (const entry of [...history].reverse()) {
    key = createHash('sha256').update(`${key}\n${entry.Created}\n${entry.CreatedBy}\n${entry.Size}`).digest('hex');
    out.push({ key, size: entry.Size });
  }
  return out;
}

/** The disk use of images given by name or id. */
export interface ImagesDiskUsage {
  /** Bytes of the union of their layers. */
  totalBytes: number;
  images: Array<{ name: string; sizeBytes: number }>;
}

/** Measures the images' disk use with shared layers counted once. Missing images are skipped. */
export async function measureImagesDisk(docker: Dockerode, names: readonly string[]): Promise<ImagesDiskUsage> {
  const histories: HistoryEntry[][] = [];
  const images: ImagesDiskUsage['images'] = [];
  for (const name of names) {
    try {
      const image = docker.getImage(name);
      const info = await image.inspect();
      histories.push((await image.history()) as HistoryEntry[]);
      images.push({ name, sizeBytes: info.Size });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
  }
  return { totalBytes: sumUniqueLayers(histories), images };
}

/** Formats a byte count for people: "1.23 GB", "456 MB", "12 kB" (decimal units, as Docker). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${units[unit]}`;
}
