/**
 * The Images page's view of a pull, folded from `images.pullProgress` events: per image its
 * state, per layer its status and bytes, and the bytes of the whole pull.
 */
import type { ImagePullEvent, PullLayerStatus } from '../../../../shared/images';
import { assertNever } from '../../../../shared/result';

export interface LayerView {
  id: string;
  status: PullLayerStatus;
  current: number;
  total: number;
}

export interface ImageView {
  image: string;
  index: number;
  state: 'waiting' | 'pulling' | 'pulled' | 'up-to-date' | 'failed';
  message?: string;
  /** In the order they were first reported (the manifest's order). */
  layers: LayerView[];
}

export interface PullView {
  pullId: string;
  images: ImageView[];
  /** Pull-wide notes (an image removed to stay under the budget). */
  messages: string[];
  finished: Extract<ImagePullEvent, { type: 'finished' }> | null;
}

function imageOf(view: PullView, image: string): ImageView {
  let found = view.images.find((i) => i.image === image);
  if (!found) {
    found = { image, index: view.images.length, state: 'waiting', layers: [] };
    view.images = [...view.images, found];
  }
  return found;
}

/** Applies one event; returns a new view (the input is not changed). */
export function foldPull(previous: PullView | undefined, event: ImagePullEvent): PullView {
  const view: PullView = previous
    ? { ...previous, images: previous.images.map((i) => ({ ...i, layers: [...i.layers] })), messages: [...previous.messages] }
    : { pullId: event.pullId, images: [], messages: [], finished: null };
  switch (event.type) {
    case 'image': {
      const image = imageOf(view, event.image);
      image.index = event.index;
      image.state = event.state;
      image.message = event.message;
      view.images.sort((a, b) => a.index - b.index);
      break;
    }
    case 'layer': {
      const image = imageOf(view, event.image);
      const layer: LayerView = { id: event.layer, status: event.status, current: event.current, total: event.total };
      const at = image.layers.findIndex((l) => l.id === event.layer);
      if (at === -1) image.layers.push(layer);
      else image.layers[at] = layer;
      break;
    }
    case 'message':
      view.messages.push(event.message);
      break;
    case 'finished':
      view.finished = event;
      break;
    default:
      assertNever(event, 'pull event');
  }
  return view;
}

/** Bytes to fetch and fetched so far, over the layers that needed fetching. */
export function pullBytes(view: PullView): { done: number; total: number } {
  let done = 0;
  let total = 0;
  for (const image of view.images) {
    for (const l of image.layers) {
      if (l.status === 'exists') continue;
      total += l.total;
      done += l.status === 'waiting' || l.status === 'retrying' ? 0 : l.status === 'downloading' ? l.current : l.total;
    }
  }
  return { done, total };
}

/** The words for a layer's status in the progress list. */
export function layerStatusLabel(status: PullLayerStatus): string {
  switch (status) {
    case 'waiting':
      return 'waiting';
    case 'downloading':
      return 'downloading';
    case 'verifying':
      return 'verifying';
    case 'downloaded':
      return 'downloaded';
    case 'extracting':
      return 'loading into Docker';
    case 'complete':
      return 'done';
    case 'exists':
      return 'already present';
    case 'retrying':
      return 'retrying';
    default:
      return assertNever(status, 'layer status');
  }
}
