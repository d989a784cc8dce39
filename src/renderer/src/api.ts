/**
 * The only module that touches the transport. In Electron the preload's bridge is present; in a
 * browser (serve mode) calls go over HTTP and events over a WebSocket, authenticated by the
 * cookie the server set from the URL's token.
 */
import type { ChannelInput, ChannelName, ChannelOutput, EventMap, EventName } from '../../shared/contract';
import type { Envelope, ErrorCode } from '../../shared/result';
import type { LiveQuality } from '../../shared/replay';

interface Bridge {
  invoke(channel: string, input: unknown): Promise<unknown>;
  on(listener: (event: string, payload: unknown) => void): () => void;
  /** Electron only: live JPEG frames of an attempt's screen while subscribed. */
  watchLive?(attemptId: string, quality: LiveQuality, onFrame: (jpeg: Uint8Array) => void): () => void;
}

declare global {
  interface Window {
    lancer?: Bridge;
  }
}

/** A failed call, with the envelope's code so the UI can tell bad input from a broken daemon. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function httpBridge(): Bridge {
  const listeners = new Set<(event: string, payload: unknown) => void>();
  let socket: WebSocket | undefined;
  let retryMs = 500;

  const connect = (): void => {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    socket = new WebSocket(`${scheme}://${location.host}/api/events`);
    socket.onopen = () => {
      retryMs = 500;
    };
    socket.onmessage = (message) => {
      const data = JSON.parse(String(message.data)) as { event: string; payload: unknown };
      for (const listener of listeners) listener(data.event, data.payload);
    };
    socket.onclose = () => {
      // The server restarted or the tunnel dropped: come back quietly, with backoff.
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
  };

  return {
    async invoke(channel, input) {
      const response = await fetch(`/api/invoke/${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        credentials: 'same-origin',
        body: JSON.stringify({ input }),
      });
      return (await response.json()) as unknown;
    },
    on(listener) {
      listeners.add(listener);
      if (!socket) connect();
      return () => listeners.delete(listener);
    },
  };
}

const bridge: Bridge = window.lancer ?? httpBridge();

export const transport: 'electron' | 'serve' = window.lancer ? 'electron' : 'serve';

/** Calls a channel; resolves with its value or rejects with an ApiError. */
export async function invoke<K extends ChannelName>(channel: K, input: ChannelInput<K>): Promise<ChannelOutput<K>> {
  const envelope = (await bridge.invoke(channel, input)) as Envelope<ChannelOutput<K>>;
  if (envelope.ok) return envelope.value;
  throw new ApiError(envelope.error.code, envelope.error.message);
}

/** Listens to one event; returns the unsubscribe function. */
export function on<K extends EventName>(name: K, listener: (payload: EventMap[K]) => void): () => void {
  return bridge.on((event, payload) => {
    if (event === name) listener(payload as EventMap[K]);
  });
}

/** Drops the token from the address bar once the cookie carries it, so it is not shared by accident. */
export function forgetTokenInUrl(): void {
  const url = new URL(location.href);
  if (url.searchParams.has('token')) {
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
}

/**
 * The URL of a stored artifact (a video, a trace), or of one entry of a trace zip (a screencast
 * frame). Serve mode serves them over HTTP with the session cookie (with Range, so videos
 * seek); the window through its own `lancer-artifact:` protocol.
 */
export function artifactUrl(sha256: string, entry?: string): string {
  const suffix = entry ? `/zip/${entry.split('/').map(encodeURIComponent).join('/')}` : '';
  return window.lancer ? `lancer-artifact://a/${sha256}${suffix}` : `/api/artifacts/${sha256}${suffix}`;
}

/**
 * Streams an attempt's live screen (JPEG frames) while subscribed. Nothing streams when nobody
 * watches: the server starts the capture on the first watcher and stops it after the last.
 */
export function watchLive(attemptId: string, quality: LiveQuality, onFrame: (frame: Blob) => void): () => void {
  if (window.lancer?.watchLive) {
    return window.lancer.watchLive(attemptId, quality, (jpeg) => onFrame(new Blob([jpeg as BlobPart], { type: 'image/jpeg' })));
  }
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const socket = new WebSocket(`${scheme}://${location.host}/api/live?attempt=${encodeURIComponent(attemptId)}&quality=${quality}`);
  socket.binaryType = 'blob';
  socket.onmessage = (message) => {
    if (message.data instanceof Blob) onFrame(message.data);
  };
  return () => socket.close();
}
