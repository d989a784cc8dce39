/**
 * Turns a Playwright trace (trace.zip, format version 10 as written by playwright-core 1.64)
 * into the replay timeline: actions, screencast frames, console and network entries. Only the
 * event streams are read, never the DOM snapshots or the frames themselves, which is what makes
 * a large trace open fast: from a file, only the zip's directory and its event streams are read
 * (a 50 MB trace of screencast frames has a few hundred KB of events).
 */
import type { ReplayAction, ReplayConsoleEntry, ReplayFrame, ReplayNetworkEntry, TraceReplay } from '../../../shared/replay';
import { listZip, readZipEntry, ZipError, type ZipEntry, type ZipFileReader } from './zip-reader';

/** A trace zip to index: its directory, a way to read one of its entries, and its size. */
export interface TraceZip {
  entries: ReadonlyMap<string, ZipEntry>;
  read(entry: ZipEntry): Buffer;
  bytes: number;
}

/**
 * What a trace's timeline is, whatever the artifact holding it is called: it depends on the
 * content alone, so it is computed once per content hash (see trace-index.ts).
 */
export type TraceIndex = Omit<TraceReplay, 'name' | 'error'>;

/** A zip held in memory. */
export function zipInMemory(zip: Buffer): TraceZip {
  return { entries: listZip(zip), read: (entry) => readZipEntry(zip, entry), bytes: zip.length };
}

/** A zip on disk, read by position (its directory was read when the reader was made). */
export function zipOnDisk(reader: ZipFileReader): TraceZip {
  return { entries: reader.list(), read: (entry) => reader.readEntry(entry), bytes: reader.size };
}

/**
 * Inflated bytes of event streams read from one trace, all entries together. Each entry is
 * bounded by the zip reader, but a hostile zip can list many entries (even over the same data).
 */
export const MAX_TRACE_EVENT_BYTES = 512 * 1024 * 1024;

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

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** Times and sizes: finite and small enough that adding two of them stays finite. */
const num = (v: unknown): number | undefined => (typeof v === 'number' && Math.abs(v) <= Number.MAX_SAFE_INTEGER ? v : undefined);
const STRING_FIELDS = ['type', 'callId', 'class', 'method', 'apiName', 'title', 'file', 'sha1', 'messageType', 'text'] as const;
const NUMBER_FIELDS = ['startTime', 'endTime', 'wallTime', 'monotonicTime', 'timestamp', 'time', 'width', 'height'] as const;

/**
 * Keeps only the fields the timeline reads, each of the type it is read as. A trace comes from
 * the agent's container, so a line may be `null`, a number, or an event with a dict for a title:
 * none of that may crash the replay or reach the UI as the wrong type.
 */
function toEvent(raw: unknown): TraceEvent | null {
  if (!isObject(raw)) return null;
  const e: TraceEvent = {};
  // Only fields that are present: a trace has hundreds of thousands of events.
  for (const k of STRING_FIELDS) {
    const v = str(raw[k]);
    if (v !== undefined) e[k] = v;
  }
  for (const k of NUMBER_FIELDS) {
    const v = num(raw[k]);
    if (v !== undefined) e[k] = v;
  }
  if (isObject(raw.params)) e.params = raw.params;
  const error = raw.error;
  if (typeof error === 'string') e.error = error;
  else if (isObject(error)) e.error = { message: str(error.message), error: isObject(error.error) ? { message: str(error.error.message) } : undefined };
  const snap = raw.snapshot;
  if (isObject(snap)) {
    e.snapshot = {
      startedDateTime: str(snap.startedDateTime),
      time: num(snap.time),
      request: isObject(snap.request) ? { method: str(snap.request.method), url: str(snap.request.url) } : undefined,
      response: isObject(snap.response) ? { status: num(snap.response.status) } : undefined,
    };
  }
  return e;
}

const SNAPSHOT_LINE = '{"type":"frame-snapshot"';

/** Appends the events of one JSON-lines stream to `out` (one by one: spreading a long trace into push() overflows the stack). */
function lines(buffer: Buffer, out: TraceEvent[]): void {
  for (const line of buffer.toString('utf8').split('\n')) {
    // DOM snapshots are most of a real trace's events by size and the timeline reads nothing of
    // them (they carry no time of their own), so they are not even parsed. Playwright writes the
    // type first; a line written otherwise is parsed and then ignored all the same.
    if (!line || line.startsWith(SNAPSHOT_LINE)) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      // A trace cut short by a killed browser ends mid-line; keep what parsed.
      continue;
    }
    const event = toEvent(parsed);
    if (event) out.push(event);
  }
}

/** Reads the event streams, refusing a zip that declares too much (ZipError, not naming the trace). */
function readStreams(zip: TraceZip): { events: TraceEvent[]; network: TraceEvent[] } {
  const streams = [...zip.entries.values()].filter((e) => e.name.endsWith('.trace') || e.name.endsWith('.network'));
  // The reader holds each entry to its declared size, so summing those bounds the total.
  const declared = streams.reduce((sum, e) => sum + e.size, 0);
  if (declared > MAX_TRACE_EVENT_BYTES) {
    throw new ZipError(`its ${streams.length} event streams declare ${declared} bytes, more than ${MAX_TRACE_EVENT_BYTES} bytes of events`);
  }
  const events: TraceEvent[] = [];
  const network: TraceEvent[] = [];
  for (const entry of streams) lines(zip.read(entry), entry.name.endsWith('.trace') ? events : network);
  return { events, network };
}

/** The replay timeline of one trace zip; throws ZipError naming the trace when it is unreadable. */
export function parseTrace(zip: Buffer, meta: { name: string; sha256: string }): TraceReplay {
  try {
    return { name: meta.name, ...indexTrace(zipInMemory(zip), meta.sha256) };
  } catch (error) {
    if (error instanceof ZipError) throw new ZipError(`${meta.name}: ${error.message}`);
    throw error;
  }
}

/**
 * The timeline of a trace zip, in memory or on disk. Throws ZipError (without the trace's name,
 * which the caller knows) when the zip is corrupt or declares too much.
 */
export function indexTrace(zip: TraceZip, sha256: string): TraceIndex {
  const { entries } = zip;
  const { events, network } = readStreams(zip);
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
  // Sorted before the duration is taken from the last one.
  frames.sort((a, b) => a.ms - b.ms);
  return {
    sha256,
    bytes: zip.bytes,
    title: (options as { title?: string } | undefined)?.title ?? null,
    wallStartMs: wallStart,
    durationMs: Math.max(end, frames.at(-1)?.ms ?? 0),
    actions: list,
    frames,
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
