/**
 * Turns a Playwright trace (trace.zip, format version 10 as written by playwright-core 1.64)
 * into the replay timeline: actions, screencast frames, console and network entries. Only the
 * event streams are read, never the DOM snapshots, which is what makes a large trace open fast.
 */
import type { ReplayAction, ReplayConsoleEntry, ReplayFrame, ReplayNetworkEntry, TraceReplay } from '../../../shared/replay';
import { listZip, readZipEntry } from './zip-reader';

interface TraceEvent {
  type?: string;
  callId?: string;
  startTime?: number;
  endTime?: number;
  class?: string;
  method?: string;
  apiName?: string;
  title?: string;
  params?: Record<string, unknown>;
  error?: { message?: string; error?: { message?: string } } | string;
  wallTime?: number;
  monotonicTime?: number;
  timestamp?: number;
  time?: number;
  file?: string;
  sha1?: string;
  width?: number;
  height?: number;
  messageType?: string;
  text?: string;
  snapshot?: {
    startedDateTime?: string;
    time?: number;
    request?: { method?: string; url?: string };
    response?: { status?: number };
    _monotonicTime?: number;
  };
}

/** What an action reads as in a timeline: `click #send`, `goto http://…`. */
function actionTitle(e: TraceEvent): string {
  if (e.title) return e.title;
  const name = e.apiName ?? `${(e.class ?? '').replace(/^./, (c) => c.toLowerCase())}.${e.method ?? ''}`;
  const p = e.params ?? {};
  const detail = p.selector ?? p.url ?? p.expression ?? p.key ?? p.text;
  return typeof detail === 'string' ? `${name} ${detail.length > 120 ? `${detail.slice(0, 117)}…` : detail}` : name;
}

function errorText(error: TraceEvent['error']): string | null {
  if (!error) return null;
  if (typeof error === 'string') return error;
  return error.message ?? error.error?.message ?? 'error';
}

function lines(buffer: Buffer): TraceEvent[] {
  const out: TraceEvent[] = [];
  for (const line of buffer.toString('utf8').split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as TraceEvent);
    } catch {
      // A trace cut short by a killed browser ends mid-line; keep what parsed.
    }
  }
  return out;
}

export function parseTrace(zip: Buffer, meta: { name: string; sha256: string }): TraceReplay {
  const entries = listZip(zip);
  const events: TraceEvent[] = [];
  const network: TraceEvent[] = [];
  for (const entry of entries.values()) {
    if (entry.name.endsWith('.trace')) events.push(...lines(readZipEntry(zip, entry)));
    else if (entry.name.endsWith('.network')) network.push(...lines(readZipEntry(zip, entry)));
  }
  const options = events.find((e) => e.type === 'context-options');
  const monoStart = options?.monotonicTime ?? 0;
  const wallStart = options?.wallTime ?? 0;
  const rel = (t: number | undefined): number => Math.max(0, (t ?? monoStart) - monoStart);

  const actions = new Map<string, ReplayAction>();
  const frames: ReplayFrame[] = [];
  const consoleEntries: ReplayConsoleEntry[] = [];
  let end = 0;
  for (const e of events) {
    switch (e.type) {
      case 'before':
        if (e.callId) {
          actions.set(e.callId, { callId: e.callId, title: actionTitle(e), startMs: rel(e.startTime), endMs: null, wallMs: wallStart + rel(e.startTime), error: null });
        }
        break;
      case 'after': {
        const action = e.callId ? actions.get(e.callId) : undefined;
        if (action) {
          action.endMs = rel(e.endTime);
          action.error = errorText(e.error);
        }
        end = Math.max(end, rel(e.endTime));
        break;
      }
      case 'screencast-frame': {
        const entry = e.file ?? (e.sha1 ? `resources/${e.sha1}` : undefined);
        if (entry && entries.has(entry)) {
          frames.push({ entry, ms: rel(e.timestamp), wallMs: wallStart + rel(e.timestamp), width: e.width ?? 0, height: e.height ?? 0 });
        }
        break;
      }
      case 'console':
        consoleEntries.push({ ms: rel(e.time ?? e.timestamp), type: e.messageType ?? 'log', text: e.text ?? '' });
        break;
      default:
        break;
    }
    end = Math.max(end, rel(e.startTime ?? e.timestamp ?? e.time));
  }
  const networkEntries: ReplayNetworkEntry[] = network
    .filter((n) => n.type === 'resource-snapshot' && n.snapshot?.request)
    .map((n) => {
      const started = n.snapshot?.startedDateTime ? Date.parse(n.snapshot.startedDateTime) : NaN;
      return {
        ms: Number.isFinite(started) ? Math.max(0, started - wallStart) : 0,
        method: n.snapshot?.request?.method ?? 'GET',
        url: n.snapshot?.request?.url ?? '',
        status: n.snapshot?.response?.status ?? null,
        durationMs: n.snapshot?.time ?? null,
      };
    })
    .sort((a, b) => a.ms - b.ms);
  const list = [...actions.values()].sort((a, b) => a.startMs - b.startMs);
  return {
    name: meta.name,
    sha256: meta.sha256,
    bytes: zip.length,
    title: (options as { title?: string } | undefined)?.title ?? null,
    wallStartMs: wallStart,
    durationMs: Math.max(end, frames.at(-1)?.ms ?? 0),
    actions: list,
    frames: frames.sort((a, b) => a.ms - b.ms),
    console: consoleEntries,
    network: networkEntries,
  };
}

/** The line of a test log that says what failed, for when no action carries the error. */
export function failureFromLog(log: string): string | null {
  const lines = log.split(/\r?\n/);
  const marker = lines.findIndex((l) => /assert|AssertionError|FAIL|Error:/i.test(l));
  if (marker < 0) return null;
  return lines.slice(marker, marker + 6).join('\n').trim() || null;
}
