/**
 * Uploads a task CSV to the serve-mode server, which keeps it and answers with its path there.
 *
 * `api.ts` is otherwise the only module that touches the transport. Upload is kept apart on
 * purpose: its body is the file's raw bytes rather than a JSON `{ input }` envelope (a CSV can
 * be tens of megabytes, past the JSON body limit of /api/invoke), and it exists only in serve
 * mode; the Electron window reads local files by path and never uploads. Authentication is the
 * same as every other request: the same-origin cookie set from the URL's token.
 */
import type { Envelope } from '../../../../shared/result';
import { ApiError } from '../../api';

/** Sends `file` to `POST /api/upload`; resolves with the server-side path to import. */
export async function uploadFile(file: File): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`/api/upload?name=${encodeURIComponent(file.name)}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: file,
    });
  } catch (error) {
    throw new ApiError('unavailable', `upload of ${file.name} failed: ${(error as Error).message}`);
  }
  let envelope: Envelope<{ path: string }>;
  try {
    envelope = (await response.json()) as Envelope<{ path: string }>;
  } catch {
    throw new ApiError('internal', `upload of ${file.name} failed: HTTP ${response.status} ${response.statusText}`);
  }
  if (envelope.ok) return envelope.value.path;
  throw new ApiError(envelope.error.code, envelope.error.message);
}
