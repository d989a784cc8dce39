/**
 * Playwright's own trace viewer, served by us. Its CLI (`show-trace`) runs a server on loopback
 * with no token whose `/trace/file?path=` route reads any file by path, so any local user could
 * read through it. We serve only the viewer's static files (they ship in playwright-core) and the
 * trace itself, by artifact hash: in serve mode under the server's own token
 * (`/trace-viewer/…`), elsewhere (the desktop window, which opens the viewer in the system
 * browser) on a loopback server whose every path starts with a random capability token.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** The folder of the viewer's static build inside playwright-core. */
export function traceViewerDir(): string {
  const pkg = createRequire(import.meta.url).resolve('playwright-core/package.json');
  return path.join(path.dirname(pkg), 'lib', 'vite', 'traceViewer');
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ttf': 'font/ttf',
  '.webmanifest': 'application/manifest+json',
  '.json': 'application/json',
};

/**
 * Answers one request for a file of the viewer (`relative` is the path under the viewer's
 * root). Anything outside the folder, and the viewer's `file?path=` route, is a 404.
 */
export function sendTraceViewerFile(relative: string, res: http.ServerResponse): void {
  const root = traceViewerDir();
  const clean = decodeURIComponent(relative).replace(/^\/+/, '') || 'index.html';
  const file = path.resolve(root, clean);
  if (!file.startsWith(root + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('not part of the trace viewer');
    return;
  }
  res.writeHead(200, {
    'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    // The viewer registers a service worker scoped to its folder.
    'Service-Worker-Allowed': '/',
  });
  createReadStream(file).pipe(res);
}

/** Sends a file with Range support (the viewer reads zips in pieces; videos seek). */
export function sendFileWithRange(req: http.IncomingMessage, res: http.ServerResponse, file: string, type: string, headers: Record<string, string> = {}): void {
  const size = statSync(file).size;
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (range && (range[1] || range[2])) {
    const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
    const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (start > end || start >= size) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}` });
      res.end();
      return;
    }
    res.writeHead(206, { ...headers, 'Content-Type': type, 'Accept-Ranges': 'bytes', 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': end - start + 1 });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file, { start, end }).pipe(res);
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Type': type, 'Accept-Ranges': 'bytes', 'Content-Length': size });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}

/** The viewer's page for a trace served at `traceUrl` (a path on the same origin). */
export function traceViewerPage(base: string, traceUrl: string): string {
  return `${base}/index.html?trace=${encodeURIComponent(traceUrl)}`;
}

const LIFETIME_MS = 30 * 60_000;

interface LocalViewer {
  server: http.Server;
  base: string;
  timer: NodeJS.Timeout;
}
let local: LocalViewer | undefined;

/**
 * The viewer for a trace artifact on a loopback server of ours whose paths all start with a
 * random token (another local user who finds the port gets 404s). One server serves every
 * trace; it stops 30 minutes after the last open, or with the app.
 */
export async function openTraceViewer(pathOfArtifact: (sha256: string) => string, sha256: string): Promise<string> {
  if (!existsSync(pathOfArtifact(sha256))) throw new Error(`no artifact ${sha256}`);
  if (!local) {
    const token = randomBytes(24).toString('hex');
    const prefix = `/${token}`;
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      // Loopback names only (DNS rebinding), on our own port.
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      if (!['127.0.0.1', 'localhost'].includes(host) || !url.pathname.startsWith(`${prefix}/`) || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(404).end();
        return;
      }
      const rest = url.pathname.slice(prefix.length);
      const trace = /^\/traces\/([0-9a-f]{64})\.zip$/.exec(rest);
      if (trace?.[1]) {
        const file = pathOfArtifact(trace[1]);
        if (!existsSync(file)) res.writeHead(404).end();
        else sendFileWithRange(req, res, file, 'application/zip', { 'X-Content-Type-Options': 'nosniff' });
        return;
      }
      if (rest.startsWith('/viewer/')) {
        sendTraceViewerFile(rest.slice('/viewer/'.length), res);
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    server.unref();
    const { port } = server.address() as AddressInfo;
    local = { server, base: `http://127.0.0.1:${port}${prefix}`, timer: setTimeout(() => undefined, 0) };
  }
  clearTimeout(local.timer);
  local.timer = setTimeout(stopTraceViewers, LIFETIME_MS);
  local.timer.unref();
  const prefixPath = new URL(local.base).pathname;
  return traceViewerPage(`${local.base}/viewer`, `${prefixPath}/traces/${sha256}.zip`);
}

export function stopTraceViewers(): void {
  if (!local) return;
  clearTimeout(local.timer);
  local.server.closeAllConnections();
  local.server.close();
  local = undefined;
}
