/**
 * Serve mode in-process on a fresh data dir, the way e2e and integration suites use it.
 */
import path from 'node:path';
import { createHandlers } from '../../src/main/core/handlers/handlers';
import { Workbench } from '../../src/main/core/workbench';
import { startServer, type RunningServer } from '../../src/main/server/serve';
import { makeTempDir } from './temp-dir';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

export interface TestServer {
  wb: Workbench;
  server: RunningServer;
  base: string;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startTestServer(
  opts: { maxBodyBytes?: number; maxUploadBytes?: number; rendererDir?: string; firstStart?: boolean } = {},
): Promise<TestServer> {
  const { dir, cleanup } = makeTempDir('lancer-serve-');
  const wb = new Workbench({ dataDir: dir, version: 'test', transport: 'serve' });
  // As `lancer serve` does on a new data dir: the bundled sample benchmark is imported.
  if (opts.firstStart) await wb.seedSampleBenchmark(path.join(repoRoot, 'resources'));
  const server = await startServer({
    handlers: createHandlers(wb),
    events: wb.events,
    rendererDir: opts.rendererDir ?? path.join(repoRoot, 'out', 'renderer'),
    maxBodyBytes: opts.maxBodyBytes,
    uploadDir: path.join(dir, 'uploads'),
    maxUploadBytes: opts.maxUploadBytes,
    artifacts: { pathOf: (sha) => wb.artifacts.pathOf(sha), zipEntry: (sha, entry) => wb.replays.zipEntry(sha, entry) },
    live: wb.live,
  });
  return {
    wb,
    server,
    base: `http://127.0.0.1:${server.port}`,
    dataDir: dir,
    stop: async () => {
      await server.close();
      await wb.close();
      cleanup();
    },
  };
}

/** Calls a channel over HTTP with the token, as a script or another tool would; throws its error. */
export async function callChannel<T>(t: TestServer, channel: string, input: unknown): Promise<T> {
  const res = await fetch(`${t.base}/api/invoke/${channel}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${t.server.token}` },
    body: JSON.stringify({ input }),
  });
  const body = (await res.json()) as { ok: true; value: T } | { ok: false; error: { message: string } };
  if (!body.ok) throw new Error(`${channel}: ${body.error.message}`);
  return body.value;
}
