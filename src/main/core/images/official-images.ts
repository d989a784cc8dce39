/**
 * The official SWE-Lancer images' names (harness doc §2.1): one image per IC task,
 * `swelancer/swelancer_x86_<question_id>:releasev1`, and one monolith,
 * `swelancer/swelancer_x86_monolith:releasev1`, that sets a task up when its container starts.
 * SWE Manager tasks always use the monolith; IC tasks use it in monolith mode
 * (`use_single_image=True` in the official harness).
 */
import { imageFor } from '../engine/profiles';

export const OFFICIAL_PREFIX = 'swelancer/swelancer_x86';
export const OFFICIAL_TAG = 'releasev1';

/** The name a run of `questionId` uses, as the engine's createRun names it. */
export function officialImageName(questionId: string, monolith: boolean): string {
  return imageFor(OFFICIAL_PREFIX, OFFICIAL_TAG, questionId, monolith);
}

/**
 * Whether an image name is an official SWE-Lancer image (any tag, with or without the Docker Hub
 * namespace): these count against the disk budget and may be removed to stay under it. The
 * sample benchmark's images (`lancer-sample_*`) are small and rebuilt locally, so they do not.
 */
export function isOfficialImage(name: string): boolean {
  return /^(?:docker\.io\/)?(?:swelancer\/)?swelancer_x86_[\w.-]+:[\w.-]+$/.test(name);
}

/**
 * Cleans up a registry as people type it: no scheme, no trailing slash; Docker Hub's names mean
 * "no registry". Throws on something that cannot be a registry host (with an optional path).
 */
export function normalizeRegistry(registry: string | undefined): string | undefined {
  const trimmed = (registry ?? '').trim().replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (trimmed === '' || trimmed === 'docker.io' || trimmed === 'index.docker.io' || trimmed === 'registry-1.docker.io') return undefined;
  if (!/^[a-zA-Z0-9.-]+(?::\d{1,5})?(?:\/[a-z0-9._-]+)*$/.test(trimmed) || !/^[^/]*[.:]|^localhost(?:[:/]|$)/.test(trimmed)) {
    throw new Error(`"${registry}" is not a registry host (expected e.g. registry.example.com or 127.0.0.1:5000)`);
  }
  return trimmed;
}

/** One image to pull: what runs call it, where it comes from, which tasks need it. */
export interface PullTarget {
  /** The canonical name runs look for. */
  image: string;
  /** `<registry>/<image>`, or the image itself on Docker Hub. */
  source: string;
  questionIds: string[];
}

/**
 * The images a set of tasks needs, in task order, each once. Manager tasks need the monolith;
 * IC tasks their own image, or the monolith too when `monolith` is set.
 */
export function pullTargets(
  tasks: ReadonlyArray<{ questionId: string; variant: string }>,
  opts: { monolith?: boolean; registry?: string } = {},
): PullTarget[] {
  const registry = normalizeRegistry(opts.registry);
  const byImage = new Map<string, PullTarget>();
  for (const task of tasks) {
    const image = officialImageName(task.questionId, task.variant === 'swe_manager' || opts.monolith === true);
    const target = byImage.get(image) ?? { image, source: registry ? `${registry}/${image}` : image, questionIds: [] };
    target.questionIds.push(task.questionId);
    byImage.set(image, target);
  }
  return [...byImage.values()];
}
