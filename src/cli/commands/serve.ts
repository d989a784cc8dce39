/**
 * `lancer serve`: the UI over HTTP + WebSocket on 127.0.0.1, guarded by a token.
 */
import path from 'node:path';
import { Workbench } from '../../main/core/workbench';
import { createHandlers } from '../../main/core/handlers/handlers';
import { startServer } from '../../main/server/serve';
import { ensureRendererBuilt } from '../../main/server/renderer-build';
import { CliError, type CliContext } from '../context';

export const serveHelp = `lancer serve [--port N] [--data-dir DIR] [--json]
  Serves the workbench UI on http://127.0.0.1 (a free port unless --port) and prints its URL,
  which carries the access token. Stop with Ctrl-C.`;

export async function serveCommand(ctx: CliContext, args: { port?: string }): Promise<void> {
  const port = args.port === undefined ? 0 : Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliError(`--port must be an integer between 0 and 65535, got "${args.port ?? ''}"`, 2);
  }
  const rendererDir = ensureRendererBuilt(ctx.root, ctx.progress);
  const wb = new Workbench({ dataDir: ctx.dataDir, version: ctx.version, transport: 'serve' });
  const seeded = await wb.seedSampleBenchmark(path.join(ctx.root, 'resources'));
  if (seeded) ctx.progress(`New data dir: imported the bundled sample benchmark (${seeded.taskCount} tasks, dataset "${seeded.datasetId}").`);
  const server = await startServer({
    handlers: createHandlers(wb),
    events: wb.events,
    rendererDir,
    port,
    uploadDir: path.join(ctx.dataDir, 'uploads'),
    artifacts: { pathOf: (sha) => wb.artifacts.pathOf(sha), zipEntry: (sha, entry) => wb.replays.zipEntry(sha, entry) },
    live: wb.live,
  });
  const stopWatching = wb.watchDocker();
  const resumed = await wb.recoverRuns({ resume: true });
  if (resumed.length > 0) ctx.progress(`resuming ${resumed.length} run(s) a previous process left unfinished: ${resumed.join(', ')}`);
  if (ctx.json) {
    process.stdout.write(JSON.stringify({ url: server.url, port: server.port, dataDir: ctx.dataDir }) + '\n');
  } else {
    process.stdout.write(`Lancer Workbench ${ctx.version} is serving at ${server.url}\n`);
    process.stdout.write(`Data dir: ${ctx.dataDir}\n`);
  }
  const stop = (): void => {
    stopWatching();
    void server
      .close()
      .then(() => wb.close())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
