/**
 * Small file helpers the download caches share (image layers, CLI agents): a size that may be
 * missing, and a file's bytes fed into a hash as they stream, never read whole (layers and agent
 * binaries run to hundreds of megabytes).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Hash } from 'node:crypto';

/** The file's size, or undefined when it does not exist. */
export async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch {
    return undefined;
  }
}

/** Streams the file into `hash` (which may already hold a prefix: a resumed download). */
export async function hashFile(file: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}
