/**
 * Task images as the Images page and `lancer images` see them.
 */
export interface ImageInfo {
  id: string;
  names: string[];
  sizeBytes: number;
  sharedSizeBytes?: number;
  createdAt: string;
  kind?: string;
  questionId?: string;
  /** An official SWE-Lancer image (counts against the disk budget). */
  official?: boolean;
  /** When a run last used it (official images; the budget removes the least recent first). */
  lastUsedAt?: string;
}

export interface ImagesOverview {
  images: ImageInfo[];
  /** Disk the listed images take together, each shared layer counted once. */
  totalUniqueBytes: number;
  /** Disk the official images take, shared layers once (what the budget limits). */
  officialBytes?: number;
  /** The disk budget in bytes, or null when there is none. */
  budgetBytes?: number | null;
}

/** Progress of an image build, pushed as `images.progress`. */
export interface ImageBuildEvent {
  buildId: string;
  phase: string;
  image: string;
  step?: number;
  totalSteps?: number;
  message: string;
  done?: boolean;
  /** Set on the last event: the build finished (ok) or failed (error names image and step). */
  finished?: { ok: boolean; error?: string; images?: { name: string; upToDate: boolean }[] };
}

/** Where a layer of a pull is; `exists` means the daemon already had it (nothing to fetch). */
export type PullLayerStatus = 'waiting' | 'downloading' | 'verifying' | 'downloaded' | 'extracting' | 'complete' | 'exists' | 'retrying';

/** What pulling one image will fetch, read from the registry before the pull starts. */
export interface PullImagePlan {
  /** The name runs use: `swelancer/swelancer_x86_<question_id>:releasev1` or the monolith. */
  image: string;
  /** What is pulled: the same name on Docker Hub, or `<registry>/<image>`. */
  source: string;
  /** The tasks that run in this image. */
  questionIds: string[];
  /** The daemon has this exact image under the canonical name already. */
  upToDate: boolean;
  layers: { digest: string; sizeBytes: number; present: boolean }[];
  /** Compressed bytes of all its layers. */
  totalBytes: number;
  /** Compressed bytes of the layers the daemon lacks (shared ones counted once per plan). */
  downloadBytes: number;
  /**
   * Set when the registry's API could not be read from here: the sizes are unknown and the pull
   * goes through Docker for this image (which may still reach it through a daemon-side mirror).
   */
  error?: string;
}

/** Everything the confirmation before a pull shows. */
export interface PullPlan {
  /** `docker.io` or the registry the user named. */
  registry: string;
  monolith: boolean;
  images: PullImagePlan[];
  /** Bytes to download for the whole pull (layers shared by images counted once). */
  downloadBytes: number;
  /** Free bytes on the file system of Docker's data root; null when it cannot be told (a remote daemon). */
  freeBytes: number | null;
  dockerRootDir: string | null;
  /** The disk budget for the official images in bytes; null when there is none. */
  budgetBytes: number | null;
  /** Disk the official images take now, shared layers counted once. */
  usedBytes: number;
}

/** Input of `images.pullPlan` and `images.pull`. */
export interface PullRequest {
  datasetId: string;
  /** Question ids; all tasks of the dataset when absent. */
  taskIds?: string[];
  /** One image (the monolith) for every task, as the official harness's use_single_image. */
  monolith?: boolean;
  /** A registry host (`127.0.0.1:5000`, `registry.example.com`) instead of Docker Hub. */
  registry?: string;
}

/** Progress of a pull, pushed as `images.pullProgress`. */
export type ImagePullEvent =
  | { type: 'image'; pullId: string; image: string; index: number; count: number; state: 'pulling' | 'pulled' | 'up-to-date' | 'failed'; message?: string }
  | { type: 'layer'; pullId: string; image: string; layer: string; status: PullLayerStatus; current: number; total: number }
  | { type: 'message'; pullId: string; image: string; message: string }
  | {
      type: 'finished';
      pullId: string;
      ok: boolean;
      cancelled: boolean;
      /** For people: the outcome, and after a cancel that a second pull resumes. */
      message: string;
      images: { image: string; state: 'pulled' | 'up-to-date' | 'failed' | 'not-started' }[];
    };

/** What `images.prune` (and the check before a run) did. */
export interface PruneReport {
  budgetBytes: number;
  /** Disk of the official images before and after, shared layers counted once. */
  usedBytes: number;
  afterBytes: number;
  removed: { image: string; freedBytes: number; lastUsedAt: string }[];
  /** Images kept although they are over the budget, and why (needed by a run, in use, …). */
  kept: { image: string; reason: string }[];
  /** Still over the budget after removing every image allowed to go. */
  overBudgetBytes: number;
}
