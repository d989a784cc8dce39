/**
 * The metering proxy: every model call of every agent goes through it, on the host.
 *
 * Each run gets a random key and each attempt a base URL (`/a/<attemptId>/v1`). The proxy checks
 * the key, refuses calls once a budget is spent, swaps in the real upstream key, relays the
 * response byte for byte as it arrives (streams are never buffered whole) and reads usage on the
 * side: the run's token and dollar totals come from here, not from what agents claim.
 *
 * Raw exchanges: when `storeRaw` is given, each finished exchange becomes one JSON line (request
 * and response bodies, keys scrubbed), gzipped on its own as a gzip member; members of an attempt
 * are concatenated (a valid gzip file, which gunzip reads as one JSONL stream) and handed over as
 * `model-exchanges.jsonl.gz` at closeAttempt (or stop). Memory held per attempt is therefore
 * the compressed size only.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import http, { type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ResponseMeter } from './response-meter';
import { REDACTED, scrubSecrets, scrubSecretsInBuffer } from './secret-scrubber';
import { SseSplitter } from './sse-splitter';
import { addUsage, costUsd, estimateTokens, requestChars, zeroUsage, type Prices, type TokenCounts, type Usage, type WireApi } from './usage';

/** Where a run's model calls really go. */
export interface Upstream {
  /** Base URL including the version segment, e.g. `http://host:port/v1` or `https://api.openai.com/v1`. */
  baseUrl: string;
  /** The real key; null for servers that need none. Never stored or logged. */
  apiKey: string | null;
  /**
   * The model the run is priced for. When set, the proxy rewrites the `model` of every call to
   * it, so an agent cannot quietly call a model the price table does not describe.
   */
  model?: string;
  prices: Prices;
  /** Headers added to every upstream call (they win over the agent's). */
  extraHeaders?: Record<string, string>;
}

/** One model call as metered. */
export interface ExchangeRecord {
  runId: string;
  attemptId: string;
  /** 1, 2, … per attempt, in the order calls arrived (refused calls included). */
  seq: number;
  /** When the call arrived (the proxy's clock, ms since the epoch). */
  at: number;
  /** Endpoint path as the agent called it, e.g. `/v1/chat/completions`. */
  path: string;
  /** Status the agent got: the upstream's, or the proxy's own (400 budget, 502 unreachable). */
  status: number;
  /** From arrival to the end of the response. */
  latencyMs: number;
  /** From arrival to the first response body bytes relayed; null when none were. */
  firstByteMs: number | null;
  stream: boolean;
  /** The model the call asked for (after any rewrite to the run's model). */
  model?: string;
  /** This exchange alone. */
  usage: Usage;
  estimated: boolean;
  error?: string;
}

/** Limits of one attempt; a call made once either is reached is refused. */
export interface AttemptBudget {
  /** Input plus output tokens (cached input included). */
  maxTokens?: number;
  maxUsd?: number;
}

export interface MeteringProxyOptions {
  /** Address to listen on; default 127.0.0.1 (for containers: the Docker bridge gateway). */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Host put in the URLs handed to agents, when they reach the proxy by another name (host.docker.internal). */
  advertiseHost?: string;
  /** Called once per finished exchange. */
  onExchange?(rec: ExchangeRecord): void;
  /** Receives each attempt's raw exchanges, gzipped, at closeAttempt. */
  storeRaw?(attemptId: string, name: string, gzipped: Buffer): void;
  /** Clock in ms; fractional values give sub-millisecond latencies. */
  now?: () => number;
}

/** Name under which an attempt's raw exchanges are stored. */
export const RAW_EXCHANGES_NAME = 'model-exchanges.jsonl.gz';

const MAX_REQUEST_BYTES = 64 * 1024 * 1024;
/** A stored body is cut here so one runaway stream cannot fill memory. */
const MAX_RAW_BODY_BYTES = 16 * 1024 * 1024;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'transfer-encoding', 'te', 'trailer', 'upgrade']);
// `expect` too: the proxy already holds the whole body, so there is nothing to wait for.
const NOT_FORWARDED = new Set([...HOP_BY_HOP, 'host', 'content-length', 'authorization', 'x-api-key', 'accept-encoding', 'content-encoding', 'expect']);
const gzip = promisify(zlib.gzip);

type Endpoint = WireApi | 'models' | 'count_tokens';

/**
 * Calls forwarded but not metered: listing models and Anthropic's token counter (Claude Code
 * asks it before sending) generate nothing, cost nothing upstream, and are not model calls.
 */
function isMetered(endpoint: Endpoint): endpoint is WireApi {
  return endpoint !== 'models' && endpoint !== 'count_tokens';
}

interface RunState {
  runId: string;
  key: string;
  keyDigest: Buffer;
  upstream: Upstream;
  budgetUsd: number | undefined;
  usage: Usage;
  attempts: Map<string, AttemptState>;
}

interface AttemptState {
  attemptId: string;
  run: RunState;
  budget: AttemptBudget;
  usage: Usage;
  seq: number;
  open: boolean;
  inflight: Set<Exchange>;
  rawParts: Buffer[];
  /** Compressions of this attempt, chained so members keep their order. */
  rawChain: Promise<void>;
}

/** The state of one call while it is in flight. */
interface Exchange {
  attempt: AttemptState;
  seq: number;
  at: number;
  method: string;
  path: string;
  endpoint: Endpoint;
  stream: boolean;
  status: number;
  firstByteMs: number | null;
  model?: string;
  error?: string;
  forwarded: boolean;
  /** The upstream response arrived whole. */
  complete: boolean;
  done: boolean;
  meter: ResponseMeter | null;
  /** The parsed request, kept for the prompt estimate (computed only when a server sends no usage). */
  requestJson: Record<string, unknown> | null;
  requestHeaders: IncomingHttpHeaders;
  requestBody: Buffer | null;
  responseHeaders: IncomingHttpHeaders | null;
  responseChunks: Buffer[];
  responseBytes: number;
  upReq: ClientRequest | null;
  res: ServerResponse;
}

/** Host-side metering proxy for agents' model calls; see the module comment. */
export class MeteringProxy {
  private readonly runs = new Map<string, RunState>();
  private readonly attempts = new Map<string, AttemptState>();
  private readonly pendingStores = new Set<Promise<void>>();
  private readonly now: () => number;
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent = new https.Agent({ keepAlive: true });
  private server: http.Server | null = null;
  /** Listeners beside the main one (a Docker network's gateway, for agents in containers), by host. */
  private readonly extraServers = new Map<string, { server: http.Server; root: string }>();
  private baseUrl: string | null = null;

  constructor(private readonly opts: MeteringProxyOptions = {}) {
    this.now = opts.now ?? (() => performance.timeOrigin + performance.now());
  }

  /** Starts listening; returns the proxy's root URL. */
  async start(): Promise<{ url: string }> {
    if (this.server) throw new Error('metering proxy: start: already started');
    const server = http.createServer({ noDelay: true }, (req, res) => this.handle(req, res));
    // Streams of a slow model can be quiet for minutes; the agent owns its own timeouts.
    server.requestTimeout = 0;
    server.keepAliveTimeout = 65_000;
    const host = this.opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`metering proxy: cannot listen on ${host}:${this.opts.port ?? 0}: ${err.message}`)));
      server.listen(this.opts.port ?? 0, host, () => resolve());
    });
    this.server = server;
    const { port } = server.address() as AddressInfo;
    const shown = this.opts.advertiseHost ?? host;
    this.baseUrl = `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
    return { url: this.baseUrl };
  }

  /**
   * Listens on one more address, the same proxy behind it, and returns that address's root URL
   * (for agents in containers: the gateway of a network whose only reachable host is this one).
   * Listening on that address rather than on every address keeps the proxy off other networks.
   */
  async listenAlso(host: string): Promise<string> {
    const known = this.extraServers.get(host);
    if (known) return known.root;
    if (!this.server) throw new Error('metering proxy: listenAlso: the proxy is not started');
    const server = http.createServer({ noDelay: true }, (req, res) => this.handle(req, res));
    server.requestTimeout = 0;
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`metering proxy: cannot listen on ${host}: ${err.message}`)));
      server.listen(0, host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const root = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.extraServers.set(host, { server, root });
    return root;
  }

  /**
   * Stops listening, ends calls in flight, closes every open attempt (storing its raw exchanges)
   * and waits until all of them were handed to `storeRaw`. Usage stays readable.
   */
  async stop(): Promise<void> {
    for (const a of this.attempts.values()) if (a.open) this.closeAttempt(a.attemptId);
    const servers = [this.server, ...[...this.extraServers.values()].map((e) => e.server)];
    this.server = null;
    this.extraServers.clear();
    for (const server of servers) {
      if (!server) continue;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    await this.flushRaw();
  }

  /** Resolves once every closed attempt's raw exchanges were handed to `storeRaw`. */
  async flushRaw(): Promise<void> {
    while (this.pendingStores.size > 0) await Promise.all([...this.pendingStores]);
  }

  /** Opens a run: its upstream, prices and dollar budget; returns the key its agents use. */
  openRun(runId: string, upstream: Upstream, opts: { budgetUsd?: number } = {}): { runKey: string } {
    if (this.runs.has(runId)) throw new Error(`metering proxy: openRun: run ${runId} is already open`);
    try {
      new URL(upstream.baseUrl);
    } catch {
      throw new Error(`metering proxy: openRun ${runId}: upstream baseUrl is not a URL`);
    }
    const key = `sk-lancer-${randomBytes(24).toString('hex')}`;
    this.runs.set(runId, {
      runId,
      key,
      keyDigest: digest(key),
      upstream: { ...upstream, prices: { ...upstream.prices } },
      budgetUsd: opts.budgetUsd,
      usage: zeroUsage(),
      attempts: new Map(),
    });
    return { runKey: key };
  }

  /**
   * Opens an attempt of an open run. `baseUrl` is for OpenAI-style clients; Anthropic clients,
   * which append `/v1/messages` themselves, take `anthropicBaseUrl`.
   */
  openAttempt(
    runId: string,
    attemptId: string,
    budget: AttemptBudget = {},
  ): { baseUrl: string; anthropicBaseUrl: string; apiKey: string; path: string } {
    if (!this.baseUrl) throw new Error('metering proxy: openAttempt: the proxy is not started');
    const run = this.runs.get(runId);
    if (!run) throw new Error(`metering proxy: openAttempt: run ${runId} is not open`);
    if (this.attempts.has(attemptId)) throw new Error(`metering proxy: openAttempt: attempt ${attemptId} was already opened`);
    const attempt: AttemptState = {
      attemptId,
      run,
      budget: { ...budget },
      usage: zeroUsage(),
      seq: 0,
      open: true,
      inflight: new Set(),
      rawParts: [],
      rawChain: Promise.resolve(),
    };
    this.attempts.set(attemptId, attempt);
    run.attempts.set(attemptId, attempt);
    // `path` under any of the proxy's roots (see listenAlso) reaches the same attempt.
    const attemptPath = `/a/${encodeURIComponent(attemptId)}`;
    const root = `${this.baseUrl}${attemptPath}`;
    return { baseUrl: `${root}/v1`, anthropicBaseUrl: root, apiKey: run.key, path: attemptPath };
  }

  /** What an attempt used so far (also after it was closed, until its run is closed). */
  attemptUsage(attemptId: string): Usage {
    return { ...this.attemptOf(attemptId, 'attemptUsage').usage };
  }

  /** What a run used so far, over all its attempts. */
  runUsage(runId: string): Usage {
    return { ...this.runOf(runId, 'runUsage').usage };
  }

  /**
   * Whether the proxy now refuses the attempt's calls: its token or dollar budget, or its run's,
   * is spent (the CLI agents' watchdog stops an agent that keeps running after that).
   */
  attemptBudgetSpent(attemptId: string): boolean {
    return budgetRefusal(this.attemptOf(attemptId, 'attemptBudgetSpent')) !== null;
  }

  /** Whether the run's dollar budget is spent (the engine stops starting attempts then). */
  runBudgetExceeded(runId: string): boolean {
    const run = this.runOf(runId, 'runBudgetExceeded');
    return run.budgetUsd !== undefined && run.usage.costUsd >= run.budgetUsd;
  }

  /**
   * Closes an attempt: later calls with its URL get 401, calls still in flight are cut (and
   * metered as far as they got), and its raw exchanges go to `storeRaw`. Returns its usage.
   */
  closeAttempt(attemptId: string): Usage {
    const a = this.attemptOf(attemptId, 'closeAttempt');
    if (!a.open) return { ...a.usage };
    a.open = false;
    for (const ex of [...a.inflight]) {
      ex.error = 'attempt closed while the call was in flight';
      ex.upReq?.destroy();
      ex.res.destroy();
      this.finish(ex);
    }
    const store = this.opts.storeRaw;
    if (store) {
      const done = a.rawChain
        .then(() => {
          if (a.rawParts.length > 0) store(attemptId, RAW_EXCHANGES_NAME, Buffer.concat(a.rawParts));
          a.rawParts = [];
        })
        .catch((err: unknown) => {
          console.warn(`metering proxy: storing raw exchanges of attempt ${attemptId} failed: ${this.scrub(errorText(err), a.run)}`);
        });
      this.pendingStores.add(done);
      void done.finally(() => this.pendingStores.delete(done));
    }
    return { ...a.usage };
  }

  /** Closes a run and its open attempts; returns its usage and forgets it. */
  closeRun(runId: string): Usage {
    const run = this.runOf(runId, 'closeRun');
    for (const a of run.attempts.values()) {
      if (a.open) this.closeAttempt(a.attemptId);
      this.attempts.delete(a.attemptId);
    }
    this.runs.delete(runId);
    return { ...run.usage };
  }

  private runOf(runId: string, place: string): RunState {
    const run = this.runs.get(runId);
    if (!run) throw new Error(`metering proxy: ${place}: run ${runId} is not open`);
    return run;
  }

  private attemptOf(attemptId: string, place: string): AttemptState {
    const a = this.attempts.get(attemptId);
    if (!a) throw new Error(`metering proxy: ${place}: attempt ${attemptId} is not known`);
    return a;
  }

  private scrub(text: string, run: RunState): string {
    return scrubSecrets(text, [run.upstream.apiKey, run.key]);
  }

  // ---- serving ----

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const t0 = this.now();
    const url = new URL(req.url ?? '/', 'http://proxy');
    const m = /^\/a\/([^/]+)(\/.*)?$/.exec(url.pathname);
    let attemptId: string | null = null;
    try {
      attemptId = m?.[1] !== undefined ? decodeURIComponent(m[1]) : null;
    } catch {
      attemptId = null;
    }
    const path = m?.[2] ?? '/';
    const anthropic = path.startsWith('/v1/messages');
    const attempt = attemptId === null ? undefined : this.attempts.get(attemptId);
    if (!attempt || !attempt.open) {
      drain(req);
      sendError(res, 401, 'authentication_error', 'invalid_api_key', 'metering proxy: unknown or closed attempt', anthropic);
      return;
    }
    const presented = presentedKey(req.headers);
    if (presented === null || !timingSafeEqual(digest(presented), attempt.run.keyDigest)) {
      drain(req);
      sendError(res, 401, 'authentication_error', 'invalid_api_key', `metering proxy: wrong key for attempt ${attempt.attemptId}`, anthropic);
      return;
    }
    const method = req.method ?? 'GET';
    const endpoint = endpointOf(method, path);
    if (endpoint === null) {
      drain(req);
      sendError(res, 404, 'not_found_error', 'not_found', `metering proxy: ${method} ${path} is not a model endpoint it forwards`, anthropic);
      return;
    }
    attempt.seq += 1;
    const ex: Exchange = {
      attempt,
      seq: attempt.seq,
      at: t0,
      method,
      path,
      endpoint,
      stream: false,
      status: 0,
      firstByteMs: null,
      forwarded: false,
      complete: false,
      done: false,
      meter: null,
      requestJson: null,
      requestHeaders: req.headers,
      requestBody: null,
      responseHeaders: null,
      responseChunks: [],
      responseBytes: 0,
      upReq: null,
      res,
    };
    attempt.inflight.add(ex);
    res.on('close', () => {
      if (ex.done || res.writableFinished) return;
      // The agent went away (or was killed): stop the model generating for nobody.
      ex.error = 'client disconnected before the response ended';
      ex.upReq?.destroy();
      this.finish(ex);
    });
    void readBody(req)
      .then((body) => this.forward(ex, req, body, url.search))
      .catch((err: unknown) => {
        if (ex.done) return;
        ex.error = `metering proxy: reading the request failed: ${errorText(err)}`;
        const status = err instanceof HttpError ? err.status : 400;
        ex.status = status;
        if (!res.headersSent && !res.destroyed) sendError(res, status, 'invalid_request_error', 'bad_request', ex.error);
        this.finish(ex);
      });
  }

  private forward(ex: Exchange, req: IncomingMessage, rawBody: Buffer, search: string): void {
    if (ex.done) return;
    const { attempt } = ex;
    const run = attempt.run;
    let body = rawBody;
    let json: Record<string, unknown> | null = null;
    if (body.length > 0) {
      try {
        const parsed: unknown = JSON.parse(body.toString('utf8'));
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
      } catch {
        // Not JSON: forwarded as it is, and the upstream says what is wrong with it.
      }
    }
    if (json) {
      let reserialize = false;
      if (run.upstream.model !== undefined && typeof json.model === 'string' && json.model !== run.upstream.model) {
        json.model = run.upstream.model;
        reserialize = true;
      }
      let hideUsageChunk = false;
      let spliceUsageOption = false;
      if (ex.endpoint === 'chat' && json.stream === true) {
        const so = typeof json.stream_options === 'object' && json.stream_options !== null ? (json.stream_options as Record<string, unknown>) : null;
        if (so?.include_usage !== true) {
          // Usage is the point of the proxy; the client, which did not ask, never sees the extra chunk.
          hideUsageChunk = true;
          if (so === null && json.stream_options === undefined) spliceUsageOption = true;
          else reserialize = true;
          json.stream_options = { ...(so ?? {}), include_usage: true };
        }
      }
      if (reserialize) body = Buffer.from(JSON.stringify(json));
      else if (spliceUsageOption) body = withLeadingMember(body, '"stream_options":{"include_usage":true}', Object.keys(json).length > 1);
      if (typeof json.model === 'string') ex.model = json.model;
      if (isMetered(ex.endpoint)) ex.meter = new ResponseMeter(ex.endpoint, hideUsageChunk);
    } else if (isMetered(ex.endpoint)) {
      ex.meter = new ResponseMeter(ex.endpoint);
    }
    ex.requestBody = body;
    ex.requestJson = json;

    if (isMetered(ex.endpoint)) {
      const refusal = budgetRefusal(attempt);
      if (refusal) {
        ex.status = 400;
        ex.error = `budget_exceeded: ${refusal}`;
        sendError(ex.res, 400, 'budget_exceeded', 'budget_exceeded', `metering proxy: ${refusal}`, ex.endpoint === 'messages');
        this.finish(ex);
        return;
      }
    }

    const base = new URL(run.upstream.baseUrl);
    const upstreamPath = `${base.pathname.replace(/\/+$/, '')}${ex.path.replace(/^\/v1/, '')}${search}`;
    const headers: OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !NOT_FORWARDED.has(k)) headers[k] = v;
    // The proxy reads every response; compressed ones (Codex asks for zstd) it could not meter.
    headers['accept-encoding'] = 'identity';
    headers['content-length'] = String(body.length);
    const key = run.upstream.apiKey;
    if (key !== null && key !== '') {
      if (ex.endpoint === 'messages' || ex.endpoint === 'count_tokens' || req.headers['x-api-key'] !== undefined) headers['x-api-key'] = key;
      else headers.authorization = `Bearer ${key}`;
    }
    for (const [k, v] of Object.entries(run.upstream.extraHeaders ?? {})) headers[k.toLowerCase()] = v;

    const secure = base.protocol === 'https:';
    const upReq = (secure ? https : http).request({
      protocol: base.protocol,
      hostname: base.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: base.port || (secure ? 443 : 80),
      method: ex.method,
      path: upstreamPath,
      headers,
      agent: secure ? this.httpsAgent : this.httpAgent,
    });
    ex.upReq = upReq;
    ex.forwarded = true;
    upReq.on('socket', (s) => s.setNoDelay(true));
    upReq.on('response', (upRes) => this.relay(ex, upRes));
    upReq.on('error', (err) => {
      if (ex.done) return;
      const where = `${base.origin}${upstreamPath.split('?')[0]}`;
      ex.error = `metering proxy: upstream ${where} failed: ${errorText(err)}`;
      if (!ex.res.headersSent) {
        ex.status = 502;
        sendError(ex.res, 502, 'api_error', 'upstream_unreachable', this.scrub(ex.error, run), ex.endpoint === 'messages');
      } else {
        ex.res.destroy();
      }
      this.finish(ex);
    });
    upReq.end(body);
  }

  private relay(ex: Exchange, upRes: IncomingMessage): void {
    if (ex.done) {
      upRes.destroy();
      return;
    }
    const res = ex.res;
    const status = upRes.statusCode ?? 502;
    ex.status = status;
    ex.responseHeaders = upRes.headers;
    const ok = status >= 200 && status < 300;
    const encoding = String(upRes.headers['content-encoding'] ?? '').trim().toLowerCase();
    const decoder =
      encoding === 'gzip' || encoding === 'x-gzip'
        ? zlib.createGunzip()
        : encoding === 'deflate'
          ? zlib.createInflate()
          : encoding === 'br'
            ? zlib.createBrotliDecompress()
            : null;
    const readable = decoder !== null || encoding === '' || encoding === 'identity';
    if (!readable) ex.error = `upstream sent ${encoding}-encoded data the proxy cannot read; usage estimated`;
    const sse = /^text\/event-stream/i.test(String(upRes.headers['content-type'] ?? ''));
    ex.stream = sse;
    const meter = ok && readable ? ex.meter : null;
    const splitter = sse && meter ? new SseSplitter() : null;
    // Only a chat stream whose usage chunk must be hidden is relayed event by event; everything
    // else goes through chunk by chunk, untouched.
    const filtering = splitter !== null && meter !== null && meter.hideUsageChunk;
    const keepBody = this.opts.storeRaw !== undefined || (!sse && meter !== null) || !ok;

    const headers: OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(upRes.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    if (decoder) delete headers['content-encoding'];
    if (decoder || filtering) delete headers['content-length'];
    res.writeHead(status, headers);
    if (sse) res.flushHeaders();

    const source: Readable = decoder ? upRes.pipe(decoder) : upRes;
    let waiting = false;
    const write = (data: Buffer | string): void => {
      if (ex.firstByteMs === null) ex.firstByteMs = this.now() - ex.at;
      if (!res.write(data) && !waiting) {
        // A slow reader holds the upstream back instead of the proxy buffering for it.
        waiting = true;
        source.pause();
        res.once('drain', () => {
          waiting = false;
          source.resume();
        });
      }
    };
    const keep = (chunk: Buffer): void => {
      if (!keepBody || ex.responseBytes >= MAX_RAW_BODY_BYTES) return;
      ex.responseChunks.push(chunk);
      ex.responseBytes += chunk.length;
    };
    source.on('data', (chunk: Buffer) => {
      if (ex.done) return;
      keep(chunk);
      if (filtering && splitter && meter) {
        let out = '';
        for (const e of splitter.push(chunk)) if (meter.onEvent(e)) out += e.raw;
        if (out !== '') write(out);
        return;
      }
      write(chunk);
      if (splitter && meter) for (const e of splitter.push(chunk)) meter.onEvent(e);
    });
    source.on('end', () => {
      if (ex.done) return;
      if (splitter && meter) {
        let out = '';
        for (const e of splitter.end()) if (meter.onEvent(e) && filtering) out += e.raw;
        if (out !== '') write(out);
      } else if (meter && !sse) {
        meter.onBody(Buffer.concat(ex.responseChunks).toString('utf8'));
      }
      ex.complete = true;
      if (!ok) ex.error = `upstream answered ${status}: ${Buffer.concat(ex.responseChunks).toString('utf8').slice(0, 300)}`;
      res.end();
      this.finish(ex);
    });
    const broken = (why: string): void => {
      if (ex.done) return;
      ex.error = `metering proxy: upstream response broke off: ${why}`;
      // Cut the client too, so it sees a broken response rather than a clean short one.
      res.destroy();
      this.finish(ex);
    };
    source.on('error', (err) => broken(errorText(err)));
    upRes.on('close', () => {
      if (!upRes.complete) broken('connection closed early');
    });
  }

  /** Meters a finished (or cut) exchange once: usage, totals, record, raw line. */
  private finish(ex: Exchange): void {
    if (ex.done) return;
    ex.done = true;
    const { attempt } = ex;
    const run = attempt.run;
    attempt.inflight.delete(ex);
    const usage = zeroUsage();
    if (ex.forwarded && isMetered(ex.endpoint)) {
      usage.requests = 1;
      const ok = ex.status >= 200 && ex.status < 300;
      const result = ok && ex.meter ? ex.meter.result() : null;
      let tokens: TokenCounts | null = result?.tokens ?? null;
      if (!tokens && (ok || ex.status === 0)) {
        // No usage came back: a server that reports none, or a call cut short. Count what was
        // sent and what passed, so budgets still hold.
        const promptChars = ex.requestJson ? requestChars(ex.requestJson) : (ex.requestBody?.length ?? 0);
        tokens = { inputTokens: estimateTokens(promptChars), cachedTokens: 0, outputTokens: estimateTokens(result?.outputChars ?? 0), reasoningTokens: 0 };
        usage.estimated = true;
      } else if (tokens && !ex.complete) {
        // Cut short after some usage arrived (Anthropic's message_start): the input is exact,
        // the output so far is not reported yet.
        tokens = { ...tokens, outputTokens: Math.max(tokens.outputTokens, estimateTokens(result?.outputChars ?? 0)) };
        usage.estimated = true;
      }
      if (tokens) {
        usage.inputTokens = tokens.inputTokens;
        usage.cachedTokens = tokens.cachedTokens;
        usage.outputTokens = tokens.outputTokens;
        usage.reasoningTokens = tokens.reasoningTokens;
        usage.costUsd = costUsd(tokens, run.upstream.prices);
      }
    }
    addUsage(attempt.usage, usage);
    addUsage(run.usage, usage);
    const error = ex.error === undefined ? undefined : this.scrub(ex.error, run);
    const rec: ExchangeRecord = {
      runId: run.runId,
      attemptId: attempt.attemptId,
      seq: ex.seq,
      at: ex.at,
      path: ex.path,
      status: ex.status,
      latencyMs: this.now() - ex.at,
      firstByteMs: ex.firstByteMs,
      stream: ex.stream,
      ...(ex.model !== undefined ? { model: ex.model } : {}),
      usage,
      estimated: usage.estimated,
      ...(error !== undefined ? { error } : {}),
    };
    if (this.opts.onExchange) {
      try {
        this.opts.onExchange(rec);
      } catch (err) {
        console.warn(`metering proxy: onExchange threw for ${attempt.attemptId}#${ex.seq}: ${this.scrub(errorText(err), run)}`);
      }
    }
    if (this.opts.storeRaw) this.keepRaw(ex, rec);
    // Drop the bodies now; the raw line holds what is kept.
    ex.requestBody = null;
    ex.requestJson = null;
    ex.responseChunks = [];
  }

  private keepRaw(ex: Exchange, rec: ExchangeRecord): void {
    const { attempt } = ex;
    // Built as bytes so JSON bodies (often hundreds of KB of context) go in as they are instead
    // of being decoded, parsed and serialized again on the event loop that relays other streams.
    const responseBody = Buffer.concat(ex.responseChunks);
    const head = JSON.stringify({ ...rec, method: ex.method }).slice(0, -1);
    const parts: Buffer[] = [
      Buffer.from(`${head},"request":{"headers":${JSON.stringify(redactHeaders(ex.requestHeaders))},"body":`),
      bodyForRecord(ex.requestBody ?? Buffer.alloc(0), ex.requestJson !== null),
    ];
    if (ex.responseHeaders) {
      const truncated = ex.responseBytes >= MAX_RAW_BODY_BYTES;
      parts.push(
        Buffer.from(`},"response":{"headers":${JSON.stringify(redactHeaders(ex.responseHeaders))},"truncated":${truncated},"body":`),
        bodyForRecord(responseBody, !ex.stream && !truncated && ex.meter?.bodyWasJson === true),
        Buffer.from('}}\n'),
      );
    } else {
      parts.push(Buffer.from('},"response":null}\n'));
    }
    const scrubbed = scrubSecretsInBuffer(Buffer.concat(parts), [attempt.run.upstream.apiKey, attempt.run.key]);
    // Compressed on the thread pool, off the event loop that relays other agents' streams.
    attempt.rawChain = attempt.rawChain
      .then(() => gzip(scrubbed))
      .then((gz) => {
        attempt.rawParts.push(gz);
      })
      .catch((err: unknown) => {
        console.warn(`metering proxy: compressing exchange ${attempt.attemptId}#${ex.seq} failed: ${errorText(err)}`);
      });
  }
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function presentedKey(h: IncomingHttpHeaders): string | null {
  const bearer = /^Bearer\s+(.+)$/i.exec(String(h.authorization ?? ''))?.[1]?.trim();
  if (bearer) return bearer;
  const x = h['x-api-key'];
  return typeof x === 'string' && x !== '' ? x : null;
}

function endpointOf(method: string, path: string): Endpoint | null {
  if (method === 'POST') {
    if (path === '/v1/chat/completions') return 'chat';
    if (path === '/v1/responses') return 'responses';
    if (path === '/v1/messages') return 'messages';
    if (path === '/v1/messages/count_tokens') return 'count_tokens';
  }
  if (method === 'GET' && (path === '/v1/models' || path.startsWith('/v1/models/'))) return 'models';
  return null;
}

function budgetRefusal(a: AttemptState): string | null {
  const usd = (n: number): string => `$${n.toFixed(4)}`;
  const { maxTokens, maxUsd } = a.budget;
  const tokens = a.usage.inputTokens + a.usage.outputTokens;
  if (maxTokens !== undefined && tokens >= maxTokens) {
    return `attempt ${a.attemptId} token budget exceeded: ${tokens} of ${maxTokens} tokens spent`;
  }
  if (maxUsd !== undefined && a.usage.costUsd >= maxUsd) {
    return `attempt ${a.attemptId} dollar budget exceeded: ${usd(a.usage.costUsd)} of ${usd(maxUsd)} spent`;
  }
  const run = a.run;
  if (run.budgetUsd !== undefined && run.usage.costUsd >= run.budgetUsd) {
    return `run ${run.runId} dollar budget exceeded: ${usd(run.usage.costUsd)} of ${usd(run.budgetUsd)} spent`;
  }
  return null;
}

/**
 * An error body in the OpenAI shape; Anthropic clients also get the top-level `type: "error"`
 * their SDK looks for.
 */
function sendError(res: ServerResponse, status: number, type: string, code: string, message: string, anthropic = false): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify({ ...(anthropic ? { type: 'error' } : {}), error: { type, code, message } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function drain(req: IncomingMessage): void {
  req.resume();
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const encoding = String(req.headers['content-encoding'] ?? '').trim().toLowerCase();
  let source: Readable = req;
  if (encoding === 'gzip' || encoding === 'x-gzip') source = req.pipe(zlib.createGunzip());
  else if (encoding === 'deflate') source = req.pipe(zlib.createInflate());
  else if (encoding === 'br') source = req.pipe(zlib.createBrotliDecompress());
  else if (encoding !== '' && encoding !== 'identity') {
    req.resume();
    throw new HttpError(415, `request body encoding ${encoding} is not supported`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of source) {
    const chunk = c as Buffer;
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) throw new HttpError(413, `request body over ${MAX_REQUEST_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function redactHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k] = k === 'authorization' || k === 'x-api-key' || k === 'cookie' || k === 'set-cookie' ? REDACTED : Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * A body as a JSON value for the raw line: a body known to be a JSON object goes in verbatim
 * (readable as JSON in the JSONL) unless it has line breaks, which would split the line;
 * anything else goes in as a JSON string.
 */
function bodyForRecord(buf: Buffer, isJsonObject: boolean): Buffer {
  if (isJsonObject && buf.length > 0 && buf.length <= MAX_RAW_BODY_BYTES && !buf.includes(0x0a) && !buf.includes(0x0d)) return buf;
  const text = buf.subarray(0, MAX_RAW_BODY_BYTES).toString('utf8');
  if (isJsonObject) {
    try {
      return Buffer.from(JSON.stringify(JSON.parse(text)));
    } catch {
      // Fall through: stored as text.
    }
  }
  return Buffer.from(JSON.stringify(text));
}

/**
 * Inserts a member at the front of a JSON object's bytes, so a large request gains a field
 * without being serialized again. The caller knows the body is an object without that member.
 */
function withLeadingMember(body: Buffer, member: string, hasMembers: boolean): Buffer {
  const open = body.indexOf(0x7b); // `{`: only whitespace or a BOM can precede it
  return Buffer.concat([body.subarray(0, open + 1), Buffer.from(hasMembers ? `${member},` : member), body.subarray(open + 1)]);
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
