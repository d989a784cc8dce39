/**
 * Content hashes of an image's inputs, stored on the image as a label so an unchanged image is
 * never rebuilt.
 */
import { createHash } from 'node:crypto';
import type { TarFileEntry } from './tar-writer';

/** The label that carries an image's inputs hash. */
export const INPUTS_HASH_LABEL = 'lancer.inputs-hash';

/** Everything that decides what an image contains. */
export interface ImageInputs {
  dockerfile: string;
  /** The build context files (excluding the Dockerfile itself). */
  files: readonly TarFileEntry[];
  /** The id of the FROM image, so a rebuilt parent invalidates its children. */
  parentId?: string;
  /** Anything else that changes the result (build labels, import options, …). */
  extra?: Readonly<Record<string, string>>;
}

/**
 * A sha256 over the Dockerfile, each context file (path, mode, bytes) in path order, the parent
 * id and the extra values.
 *
 * Each field is length-prefixed so no two different input sets can produce the same byte
 * sequence (e.g. moving a character from one file name into the next file's content).
 */
export function hashInputs(inputs: ImageInputs): string {
  const h = createHash('sha256');
  const field = (tag: string, value: string | Buffer): void => {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    h.update(`${tag}:${bytes.length}:`);
    h.update(bytes);
    h.update('\n');
  };
  field('v', '1');
  field('dockerfile', inputs.dockerfile);
  field('parent', inputs.parentId ?? '');
  const files = [...inputs.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const file of files) {
    field('path', file.path);
    field('mode', (file.mode & 0o7777).toString(8));
    field('data', createHash('sha256').update(file.data).digest('hex'));
  }
  for (const key of Object.keys(inputs.extra ?? {}).sort()) {
    field('extra', `${key}=${inputs.extra?.[key] ?? ''}`);
  }
  return h.digest('hex');
}

/** A sha256 of a file's bytes, streamed so a large rootfs tarball is not held in memory. */
export async function hashStream(stream: AsyncIterable<Buffer | string>): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of stream) h.update(chunk);
  return h.digest('hex');
}
