/**
 * The replay's index of each stored trace (actions, screencast frames with the zip entries that
 * hold them, console, network), computed once per content hash and reused: from memory, else from
 * a small file beside the artifact (so a restarted app, or the CLI's server, opens a 50 MB trace
 * without reading it again), else from the zip itself, read by position: its directory and its
 * event streams, never the whole file. The directory read for the index is kept to serve the
 * frames that the replay asks for next.
 *
 * An artifact never changes under its hash, so nothing here goes stale. The file is named after
 * the artifact (`<sha256>.replay-index.json`), so the artifact store's garbage collection, which
 * keeps files whose names start with a known hash, removes it with its artifact.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { TraceReplay } from '../../../shared/replay';
import { indexTrace, zipOnDisk, type TraceIndex } from './trace-replay';
import { ZipError, ZipFileReader } from './zip-reader';

/** Bumped whenever what indexTrace computes changes, so files written by an older parser are recomputed. */
export const TRACE_INDEX_VERSION = 1;

/** The file that holds an artifact's index, beside the artifact. */
export function indexFileOf(artifactPath: string): string {
  return `${artifactPath}.replay-index.json`;
}

/** A trace's index, or why its zip cannot be read (a damaged zip stays damaged: that is kept too). */
export type IndexedTrace = { index: TraceIndex; error: null } | { index: null; error: string };

interface IndexFile {
  version: number;
  sha256: string;
  index: TraceIndex | null;
  error: string | null;
}

/** Where an index came from, counted for tests and the bench. */
export interface TraceIndexStats {
  built: number;
  fromFile: number;
  fromMemory: number;
}

const isArray = (v: unknown): v is unknown[] => Array.isArray(v);

/**
 * A file we wrote, but one a crash may have cut short or an older build written: anything that
 * is not exactly an index of this hash and version is recomputed, never trusted as is.
 */
function readIndexFile(file: string, sha256: string): IndexedTrace | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  const f = parsed as Partial<IndexFile> | null;
  if (!f || typeof f !== 'object' || f.version !== TRACE_INDEX_VERSION || f.sha256 !== sha256) return null;
  if (typeof f.error === 'string' && f.index === null) return { index: null, error: f.error };
  const i = f.index;
  if (!i || typeof i !== 'object' || i.sha256 !== sha256 || typeof i.bytes !== 'number' || typeof i.wallStartMs !== 'number' || typeof i.durationMs !== 'number') return null;
  if (!isArray(i.actions) || !isArray(i.frames) || !isArray(i.console) || !isArray(i.network)) return null;
  return { index: i, error: null };
}

/** Written beside, then renamed: a reader never sees half a file. Failing to write only costs the next start a recompute. */
function writeIndexFile(file: string, content: IndexFile): void {
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(content));
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
  }
}

/** Least recently used first: a hit moves the key to the end. */
function touch<V>(map: Map<string, V>, key: string): V | undefined {
  const value = map.get(key);
  if (value !== undefined) {
    map.delete(key);
    map.set(key, value);
  }
  return value;
}

function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value as string);
}

export class TraceIndexStore {
  private readonly indexes = new Map<string, IndexedTrace>();
  private readonly zips = new Map<string, ZipFileReader>();
  readonly stats: TraceIndexStats = { built: 0, fromFile: 0, fromMemory: 0 };

  constructor(
    private readonly pathOf: (sha256: string) => string,
    private readonly options: { maxInMemory?: number } = {},
  ) {}

  private get max(): number {
    return this.options.maxInMemory ?? 50;
  }

  /** The index of a stored trace, computed at most once per hash (per data dir, across restarts). */
  get(sha256: string): IndexedTrace {
    const cached = touch(this.indexes, sha256);
    if (cached) {
      this.stats.fromMemory += 1;
      return cached;
    }
    const file = indexFileOf(this.pathOf(sha256));
    const stored = readIndexFile(file, sha256);
    if (stored) {
      this.stats.fromFile += 1;
      remember(this.indexes, sha256, stored, this.max);
      return stored;
    }
    this.stats.built += 1;
    const { indexed, lasting } = this.build(sha256);
    // Only what the bytes themselves decide is kept; a missing file or an I/O error may not last.
    if (lasting) {
      writeIndexFile(file, { version: TRACE_INDEX_VERSION, sha256, index: indexed.index, error: indexed.error });
      remember(this.indexes, sha256, indexed, this.max);
    }
    return indexed;
  }

  /** The replay's view of a trace artifact: its index under the artifact's name, or why it could not be read. */
  trace(artifact: { name: string; sha256: string; bytes: number }): TraceReplay {
    const { index, error } = this.get(artifact.sha256);
    if (index) return { name: artifact.name, ...index };
    return {
      name: artifact.name,
      sha256: artifact.sha256,
      bytes: artifact.bytes,
      title: null,
      wallStartMs: 0,
      durationMs: 0,
      actions: [],
      frames: [],
      console: [],
      network: [],
      error: `${artifact.name} could not be read: ${error}`,
    };
  }

  /** The zip of a stored artifact, its directory read once and kept (frames are served from it). */
  zip(sha256: string): ZipFileReader {
    let zip = touch(this.zips, sha256);
    if (!zip) {
      // No path in its errors: they reach the UI, which names the trace itself.
      zip = new ZipFileReader(this.pathOf(sha256), { label: null });
      remember(this.zips, sha256, zip, this.max);
    }
    return zip;
  }

  private build(sha256: string): { indexed: IndexedTrace; lasting: boolean } {
    try {
      return { indexed: { index: indexTrace(zipOnDisk(this.zip(sha256)), sha256), error: null }, lasting: true };
    } catch (error) {
      return { indexed: { index: null, error: error instanceof Error ? error.message : String(error) }, lasting: error instanceof ZipError };
    }
  }
}
