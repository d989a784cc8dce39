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
}

export interface ImagesOverview {
  images: ImageInfo[];
  /** Disk the listed images take together, each shared layer counted once. */
  totalUniqueBytes: number;
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
