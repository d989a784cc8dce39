/**
 * Per-layer state of a `docker pull`, folded from the daemon's JSON-lines stream.
 *
 * Pure code, like build-stream.ts: the puller feeds parsed messages in and gets back the layers
 * whose progress is worth telling the UI about. Docker redraws a layer's progress bar many times
 * a second; only a change of state or a step of at least 1 % (or 4 MB on small layers) is passed
 * on, so the UI and the event bus are not flooded by a 14 GB pull.
 */
import type { PullLayerStatus } from '../../../shared/images';
import type { DockerStreamMessage } from './build-stream';

/** A pull message: a build-stream message with the byte counts of the progress bar. */
export type PullMessage = DockerStreamMessage & { progressDetail?: { current?: number; total?: number } };

/** One layer as the pull sees it. `id` is Docker's short id: the first 12 hex of the blob digest. */
export interface LayerProgress {
  id: string;
  status: PullLayerStatus;
  /** Bytes done in the current stage (downloading or extracting). */
  current: number;
  /** The layer's compressed size, from the stream or the manifest. */
  total: number;
}

/** What the fold knows so far. */
export interface PullState {
  layers: Map<string, LayerProgress>;
  /** The last bytes reported per layer, for the 1 % step rule. */
  reported: Map<string, { status: PullLayerStatus; current: number }>;
  /** Pull-wide lines (`Digest: …`, `Status: Downloaded newer image …`). */
  messages: string[];
  error?: string;
}

const STATUS: Record<string, PullLayerStatus> = {
  'pulling fs layer': 'waiting',
  waiting: 'waiting',
  downloading: 'downloading',
  'verifying checksum': 'verifying',
  'download complete': 'downloaded',
  extracting: 'extracting',
  'pull complete': 'complete',
  'already exists': 'exists',
};

/** A fresh state; `sizes` maps short layer ids to their manifest sizes when the plan read them. */
export function initialPullState(sizes: ReadonlyMap<string, number> = new Map()): PullState {
  const layers = new Map<string, LayerProgress>();
  for (const [id, total] of sizes) layers.set(id, { id, status: 'waiting', current: 0, total });
  return { layers, reported: new Map(), messages: [] };
}

/** Docker's short id of a blob digest. */
export function shortLayerId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

const MIN_STEP = 4_000_000;

/**
 * Folds one message into the state; returns the layers to report now (possibly none).
 * An `error` message is kept in `state.error` for the caller to throw with the image's name.
 */
export function applyPullMessage(state: PullState, msg: PullMessage): LayerProgress[] {
  if (msg.error || msg.errorDetail?.message) {
    state.error = (msg.errorDetail?.message ?? msg.error ?? '').trim();
    return [];
  }
  const text = msg.status ?? '';
  const lower = text.toLowerCase();
  const id = msg.id ?? '';
  let status: PullLayerStatus | undefined = STATUS[lower];
  if (!status && lower.startsWith('retrying in')) status = 'retrying';
  // Layer ids are 12 hex digits; other ids are the tag ("Pulling from …", id: releasev1).
  if (!status || !/^[0-9a-f]{12}$/.test(id)) {
    if (text) state.messages.push(id && !/^[0-9a-f]{12}$/.test(id) ? `${id}: ${text}` : text);
    return [];
  }
  const previous = state.layers.get(id);
  const detail = msg.progressDetail ?? {};
  const total = detail.total && detail.total > 0 && status === 'downloading' ? detail.total : (previous?.total ?? detail.total ?? 0);
  let current = detail.current ?? 0;
  if (status === 'complete' || status === 'exists' || status === 'downloaded' || status === 'verifying') current = total;
  const layer: LayerProgress = { id, status, current, total };
  state.layers.set(id, layer);

  const last = state.reported.get(id);
  const step = Math.max(MIN_STEP, total / 100);
  if (!last || last.status !== status || Math.abs(current - last.current) >= step) {
    state.reported.set(id, { status, current });
    return [layer];
  }
  return [];
}

/** Sums of a pull's layers: bytes to fetch, fetched so far, and layers the daemon already had. */
export function pullTotals(state: PullState): { totalBytes: number; doneBytes: number; reused: number; complete: number; layers: number } {
  let totalBytes = 0;
  let doneBytes = 0;
  let reused = 0;
  let complete = 0;
  for (const l of state.layers.values()) {
    if (l.status === 'exists') {
      reused += 1;
      continue;
    }
    totalBytes += l.total;
    // Once downloaded, a layer's bytes are fetched even while it is being extracted.
    doneBytes += l.status === 'downloading' ? l.current : l.status === 'waiting' || l.status === 'retrying' ? 0 : l.total;
    if (l.status === 'complete') complete += 1;
  }
  return { totalBytes, doneBytes, reused, complete, layers: state.layers.size };
}
