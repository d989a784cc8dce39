/**
 * Cuts a server-sent-events byte stream into whole events as chunks arrive, keeping each
 * event's exact text so a relay can pass it on unchanged (or drop it). Chunks split events,
 * lines, `\r\n` pairs and multi-byte characters anywhere; all of that is handled here.
 */
import { StringDecoder } from 'node:string_decoder';

/** One event: its `event:` name, its `data:` lines joined by `\n`, and its text as received. */
export interface SseEvent {
  event: string | null;
  data: string;
  /** The event's text including the blank line that ended it. */
  raw: string;
}

/** Incremental SSE framing (the WHATWG event-stream rules, minus `id`/`retry`, which no model API uses). */
export class SseSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  /** Where scanning resumes in `pending`, so a large event arriving in many chunks is scanned once. */
  private scanFrom = 0;
  private lineStart = 0;

  /** Adds bytes; returns the events they completed. */
  push(chunk: Buffer): SseEvent[] {
    this.pending += this.decoder.write(chunk);
    return this.drain(false);
  }

  /** Ends the stream; returns the events left, including an unterminated last one. */
  end(): SseEvent[] {
    this.pending += this.decoder.end();
    const out = this.drain(true);
    if (this.pending.length > 0) out.push(parseEvent(this.pending, this.pending));
    this.pending = '';
    this.scanFrom = 0;
    this.lineStart = 0;
    return out;
  }

  private drain(final: boolean): SseEvent[] {
    const s = this.pending;
    const out: SseEvent[] = [];
    let start = 0;
    let lineStart = this.lineStart;
    let i = this.scanFrom;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c !== 10 && c !== 13) {
        i += 1;
        continue;
      }
      let end = i + 1;
      if (c === 13) {
        // A lone `\r` at the end may be the first half of `\r\n`: wait for the next byte.
        if (end === s.length && !final) break;
        if (s.charCodeAt(end) === 10) end += 1;
      }
      if (i === lineStart) {
        if (i > start) out.push(parseEvent(s.slice(start, end), s.slice(start, i)));
        else out.push({ event: null, data: '', raw: s.slice(start, end) });
        start = end;
      }
      lineStart = end;
      i = end;
    }
    this.pending = s.slice(start);
    this.scanFrom = i - start;
    this.lineStart = lineStart - start;
    return out;
  }
}

function parseEvent(raw: string, body: string): SseEvent {
  let event: string | null = null;
  const data: string[] = [];
  for (const line of body.split(/\r\n|\r|\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return { event, data: data.join('\n'), raw };
}
