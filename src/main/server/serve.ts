/**
 * Serve mode: the same handlers as the Electron window, over HTTP + WebSocket on loopback.
 *
 * Researchers run the benchmark on a big Linux box and look at it from a laptop through an SSH
 * tunnel, the way they use Jupyter. Like Jupyter, a random token guards everything: the printed
 * URL carries it, the first page load turns it into a SameSite=Strict cookie so the bundle's own
 * requests carry it, and scripts may send it as a bearer token instead. Host and Origin are
 * checked so a web page cannot reach the server through DNS rebinding.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, existsSync, mkdirSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventName, EventMap } from '../../shared/contract';
import type { Envelope, ErrorInfo } from '../../shared/result';
import type { LiveQuality } from '../../shared/replay';
import { dispatch } from '../core/handlers/dispatch';
import type { Handlers } from '../core/handlers/handlers';
import type { EventBus } from '../core/events';
import { sendFileWithRange, sendTraceViewerFile } from '../core/live/trace-viewer';

export interface ServeOptions {
  handlers: Handlers;
  events: EventBus;
  /** The built renderer (index.html and assets). */
  rendererDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Given by tests; otherwise 32 random bytes. */
  token?: string;
  /** Largest accepted JSON body. */
  maxBodyBytes?: number;
  /** Where `POST /api/upload` stores files (a CSV to import from a laptop's browser). */
  uploadDir?: string;
  /** Largest accepted upload. */
  maxUploadBytes?: number;
  /** Stored artifacts (videos, traces) and entries of trace zips, for replays. */
  artifacts?: { pathOf(sha256: string): string; zipEntry(sha256: string, entry: string): Buffer | null };
  /** Live screens of running attempts, streamed over /api/live. */
  live?: { watch(attemptId: string, quality: LiveQuality, onFrame: (jpeg: Buffer) => void, onEnd?: (reason: string) => void): () => void };
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const COOKIE = 'lancer_token';
const HOST = '127.0.0.1';

/** The policy for pages served here; Electron's window sets the same through a meta tag. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly info: ErrorInfo,
  ) {
    super(info.message);
  }
}

/** `127.0.0.1`, `localhost` or `[::1]`, with any port (or none). */
export function isLoopbackHost(host: string): boolean {
  return /^(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/i.test(host);
}

/** Starts the server on 127.0.0.1 and resolves once it listens. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const token = options.token ?? randomBytes(32).toString('hex');
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const rendererDir = path.resolve(options.rendererDir);
  let port = 0;

  /**
   * Host must be a loopback name (DNS rebinding), on any port: an SSH tunnel (`ssh -L 9000:…`)
   * changes the port the browser sees. Origin, when a browser sends one, must be the very origin
   * the Host names (CSRF: another site's page never has it).
   */
  const checkHostAndOrigin = (req: http.IncomingMessage): void => {
    const host = req.headers.host ?? '';
    if (!isLoopbackHost(host)) {
      throw new HttpError(403, { code: 'invalid_input', message: `Host "${host}" is not allowed` });
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${host}`) {
      throw new HttpError(403, { code: 'invalid_input', message: `Origin "${origin}" is not allowed` });
    }
  };

  const presentedToken = (req: http.IncomingMessage, url: URL): string | undefined => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length);
    const query = url.searchParams.get('token');
    if (query) return query;
    return parseCookies(req.headers.cookie)[COOKIE];
  };

  const checkToken = (req: http.IncomingMessage, url: URL): void => {
    if (!sameSecret(presentedToken(req, url), token)) {
      throw new HttpError(401, {
        code: 'invalid_input',
        message: 'missing or wrong token: open the URL printed by `lancer serve`',
      });
    }
  };

  const server = http.createServer((req, res) => {
    void handleRequest(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) {
        sendJson(res, error.status, { ok: false, error: error.info } satisfies Envelope<never>);
      } else {
        sendJson(res, 500, { ok: false, error: { code: 'internal', message: (error as Error).message } });
      }
    });
  });

  async function handleRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    checkHostAndOrigin(req);
    checkToken(req, url);

    if (url.pathname.startsWith('/api/invoke/')) {
      if (req.method !== 'POST') throw new HttpError(405, { code: 'invalid_input', message: 'use POST' });
      const channel = decodeURIComponent(url.pathname.slice('/api/invoke/'.length));
      const body = await readJsonBody(req, maxBodyBytes);
      const envelope = await dispatch(options.handlers, channel, body.input);
      const status = envelope.ok ? 200 : statusFor(envelope.error.code);
      sendJson(res, status, envelope);
      return;
    }
    if (url.pathname === '/api/upload') {
      if (req.method !== 'POST') throw new HttpError(405, { code: 'invalid_input', message: 'use POST' });
      const stored = await receiveUpload(req, url.searchParams.get('name') ?? '', options.uploadDir, options.maxUploadBytes ?? 2 * 1024 ** 3);
      sendJson(res, 200, { ok: true, value: { path: stored } });
      return;
    }
    const artifact = /^\/api\/artifacts\/([0-9a-f]{64})(?:\/zip\/(.+))?$/.exec(url.pathname);
    if (artifact) {
      serveArtifact(req, res, options.artifacts, artifact[1] ?? '', artifact[2] === undefined ? undefined : decodeURIComponent(artifact[2]));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new HttpError(405, { code: 'invalid_input', message: `${req.method ?? ''} is not allowed here` });
    }
    if (url.pathname.startsWith('/trace-viewer/')) {
      sendTraceViewerFile(url.pathname.slice('/trace-viewer/'.length), res);
      return;
    }
    // A valid token in the URL becomes a cookie, so the page's own asset and API requests carry
    // it; the token is then dropped from the address bar by the app.
    if (url.searchParams.get('token')) {
      res.setHeader('Set-Cookie', `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    }
    serveStatic(rendererDir, url.pathname, res);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    try {
      checkHostAndOrigin(req);
      checkToken(req, url);
      if (url.pathname !== '/api/events' && url.pathname !== '/api/live') throw new HttpError(404, { code: 'not_found', message: 'no such socket' });
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    if (url.pathname === '/api/live') {
      const attemptId = url.searchParams.get('attempt') ?? '';
      const quality: LiveQuality = url.searchParams.get('quality') === 'full' ? 'full' : 'thumb';
      wss.handleUpgrade(req, socket, head, (ws) => attachLive(ws, options.live, attemptId, quality));
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attachEvents(ws, options.events));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://${HOST}:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Forwards every bus event to one socket as `{ event, payload }` until it closes. */
function attachEvents(ws: WebSocket, events: EventBus): void {
  const unsubscribe = events.subscribe(<K extends EventName>(event: K, payload: EventMap[K]) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event, payload }));
  });
  ws.on('close', unsubscribe);
  ws.on('error', unsubscribe);
  // The socket is push-only; anything a client sends is ignored rather than interpreted.
  ws.on('message', () => undefined);
}

/**
 * Sends one attempt's live frames as binary messages while the socket is open. A slow client
 * gets fewer frames rather than later ones: frames are dropped while the socket is backed up.
 */
function attachLive(ws: WebSocket, live: ServeOptions['live'], attemptId: string, quality: LiveQuality): void {
  if (!live || !attemptId) {
    ws.close(1008, 'no live screens here');
    return;
  }
  const stop = live.watch(
    attemptId,
    quality,
    (jpeg) => {
      if (ws.readyState === ws.OPEN && ws.bufferedAmount < 2 * 1024 * 1024) ws.send(jpeg, { binary: true });
    },
    (reason) => ws.close(1000, reason.slice(0, 120)),
  );
  ws.on('close', stop);
  ws.on('error', stop);
}

/** An artifact file (with Range, so a video can seek), or one entry of a trace zip. */
function serveArtifact(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  artifacts: ServeOptions['artifacts'],
  sha256: string,
  entry: string | undefined,
): void {
  if (!artifacts) throw new HttpError(404, { code: 'not_found', message: 'no artifacts here' });
  const headers = { 'Cache-Control': 'private, max-age=31536000, immutable', 'X-Content-Type-Options': 'nosniff' };
  if (entry !== undefined) {
    const data = artifacts.zipEntry(sha256, entry);
    if (!data) throw new HttpError(404, { code: 'not_found', message: `no entry ${entry}` });
    res.writeHead(200, { ...headers, 'Content-Type': entry.endsWith('.jpeg') || entry.endsWith('.jpg') ? 'image/jpeg' : 'application/octet-stream', 'Content-Length': data.length });
    res.end(data);
    return;
  }
  const file = artifacts.pathOf(sha256);
  if (!existsSync(file)) throw new HttpError(404, { code: 'not_found', message: `no artifact ${sha256}` });
  sendFileWithRange(req, res, file, sniffType(file), headers);
}

/** Artifacts are named by hash only; their first bytes say what they are. */
function sniffType(file: string): string {
  const head = Buffer.alloc(12);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 12, 0);
  } finally {
    closeSync(fd);
  }
  if (head.subarray(4, 8).toString('latin1') === 'ftyp') return 'video/mp4';
  if (head.readUInt32LE(0) === 0x04034b50) return 'application/zip';
  return 'text/plain; charset=utf-8';
}

function statusFor(code: ErrorInfo['code']): number {
  switch (code) {
    case 'invalid_input':
      return 400;
    case 'unknown_channel':
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    case 'unavailable':
      return 503;
    case 'cancelled':
      return 409;
    case 'internal':
      return 500;
  }
}

async function readJsonBody(req: http.IncomingMessage, limit: number): Promise<{ input?: unknown }> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    throw new HttpError(413, { code: 'invalid_input', message: `body of ${declared} bytes exceeds the ${limit}-byte limit` });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      throw new HttpError(413, { code: 'invalid_input', message: `body exceeds the ${limit}-byte limit` });
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, { code: 'invalid_input', message: `body is not valid JSON: ${(error as Error).message}` });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, { code: 'invalid_input', message: 'body must be a JSON object like {"input": {...}}' });
  }
  return parsed as { input?: unknown };
}

/**
 * Streams an uploaded file to `<uploadDir>/<random>-<name>`; the name is reduced to safe
 * characters so it can never leave the folder. A body over the limit is cut off and removed.
 */
async function receiveUpload(req: http.IncomingMessage, name: string, dir: string | undefined, limit: number): Promise<string> {
  if (!dir) throw new HttpError(404, { code: 'not_found', message: 'uploads are not enabled on this server' });
  const safe = path.basename(name).replace(/[^\w.-]+/g, '_').replace(/^\.+/, '').slice(0, 100);
  if (!safe) throw new HttpError(400, { code: 'invalid_input', message: 'upload needs ?name=<file name>' });
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    throw new HttpError(413, { code: 'invalid_input', message: `upload of ${declared} bytes exceeds the ${limit}-byte limit` });
  }
  mkdirSync(dir, { recursive: true });
  const target = path.join(dir, `${randomBytes(6).toString('hex')}-${safe}`);
  let size = 0;
  try {
    await pipeline(
      req,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          size += chunk.length;
          if (size > limit) throw new HttpError(413, { code: 'invalid_input', message: `upload exceeds the ${limit}-byte limit` });
          yield chunk;
        }
      },
      createWriteStream(target, { flags: 'wx' }),
    );
  } catch (error) {
    rmSync(target, { force: true });
    throw error;
  }
  return target;
}

function serveStatic(root: string, pathname: string, res: http.ServerResponse): void {
  const relative = decodeURIComponent(pathname).replace(/^\/+/, '') || 'index.html';
  const file = path.resolve(root, relative);
  // Anything resolving outside the renderer folder (../, absolute tricks) is not ours to serve.
  const inside = file === root || file.startsWith(root + path.sep);
  const target = inside && existsSync(file) && statSync(file).isFile() ? file : path.join(root, 'index.html');
  if (!existsSync(target)) {
    sendJson(res, 503, {
      ok: false,
      error: { code: 'unavailable', message: `the UI is not built (${root} has no index.html); run npm run build` },
    });
    return;
  }
  res.writeHead(200, {
    'Content-Type': MIME[path.extname(target)] ?? 'application/octet-stream',
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  });
  createReadStream(target).pipe(res);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** Constant-time comparison, so the token cannot be guessed byte by byte from timings. */
export function sameSecret(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
