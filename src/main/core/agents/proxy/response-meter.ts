/**
 * Reads usage out of model responses as they pass through the proxy, for the three wire
 * formats, streamed or whole. It also counts the characters of generated text so that, when a
 * server reports no usage, the proxy can still estimate it.
 */
import type { SseEvent } from './sse-splitter';
import { readUsage, type TokenCounts, type WireApi } from './usage';

/** What a response reported: tokens when the server sent usage, and the generated characters. */
export interface MeterResult {
  tokens: TokenCounts | null;
  outputChars: number;
}

type Json = Record<string, unknown>;

const asObj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const asArr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const strLen = (v: unknown): number => (typeof v === 'string' ? v.length : 0);

function assertNever(x: never): never {
  throw new Error(`response meter: unexpected wire api ${String(x)}`);
}

function parseJson(text: string): Json | undefined {
  try {
    return asObj(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/**
 * Meters one response. For streams, `onEvent` sees each SSE event and says whether the client
 * should get it; for whole bodies, `onBody` sees the text once.
 */
export class ResponseMeter {
  private tokens: TokenCounts | null = null;
  private outputChars = 0;
  /** Anthropic streams: usage from message_start, then fields message_delta overrides. */
  private messageUsage: Json | null = null;
  /** Whether `onBody` saw a JSON object (the raw store then embeds the body as it is). */
  bodyWasJson = false;

  /**
   * @param api the wire format of the endpoint
   * @param hideUsageChunk chat streams: drop the usage-only final chunk, because the proxy asked
   *   for it and the client did not
   */
  constructor(
    private readonly api: WireApi,
    readonly hideUsageChunk = false,
  ) {}

  /** Meters one SSE event; returns false when it must not be relayed to the client. */
  onEvent(e: SseEvent): boolean {
    if (e.data === '' || e.data === '[DONE]') return true;
    const d = parseJson(e.data);
    if (!d) return true;
    switch (this.api) {
      case 'chat':
        return this.onChatChunk(d);
      case 'responses':
        this.onResponsesEvent(d, e.event);
        return true;
      case 'messages':
        this.onMessagesEvent(d, e.event);
        return true;
      default:
        return assertNever(this.api);
    }
  }

  /** Meters a whole (non-stream) JSON body. */
  onBody(text: string): void {
    const d = parseJson(text);
    if (!d) return;
    this.bodyWasJson = true;
    this.tokens = readUsage(this.api, d.usage);
    switch (this.api) {
      case 'chat':
        for (const c of asArr(d.choices)) {
          const m = asObj(asObj(c)?.message);
          if (!m) continue;
          this.outputChars += contentChars(m.content) + strLen(m.reasoning_content) + strLen(m.reasoning);
          for (const t of asArr(m.tool_calls)) {
            const f = asObj(asObj(t)?.function);
            this.outputChars += strLen(f?.name) + strLen(f?.arguments);
          }
        }
        return;
      case 'responses':
        for (const item of asArr(d.output)) this.outputChars += responsesItemChars(asObj(item));
        return;
      case 'messages':
        for (const block of asArr(d.content)) {
          const b = asObj(block);
          if (!b) continue;
          this.outputChars += strLen(b.text) + strLen(b.thinking) + strLen(b.name);
          if (b.input !== undefined) this.outputChars += JSON.stringify(b.input).length;
        }
        return;
      default:
        return assertNever(this.api);
    }
  }

  /** Usage found so far (a stream cut short may have none) and the generated characters. */
  result(): MeterResult {
    if (this.api === 'messages' && this.messageUsage) return { tokens: readUsage('messages', this.messageUsage), outputChars: this.outputChars };
    return { tokens: this.tokens, outputChars: this.outputChars };
  }

  private onChatChunk(d: Json): boolean {
    const choices = d.choices;
    for (const c of asArr(choices)) {
      const delta = asObj(asObj(c)?.delta);
      if (!delta) continue;
      this.outputChars += contentChars(delta.content) + strLen(delta.reasoning_content) + strLen(delta.reasoning);
      for (const t of asArr(delta.tool_calls)) {
        const f = asObj(asObj(t)?.function);
        this.outputChars += strLen(f?.name) + strLen(f?.arguments);
      }
    }
    if (d.usage === undefined || d.usage === null) return true;
    // Servers that stream running totals (vLLM's continuous usage) repeat usage on every chunk;
    // the last one is the total.
    const tokens = readUsage('chat', d.usage);
    if (tokens) this.tokens = tokens;
    return !(this.hideUsageChunk && Array.isArray(choices) && choices.length === 0);
  }

  private onResponsesEvent(d: Json, event: string | null): void {
    const type = typeof d.type === 'string' ? d.type : event ?? '';
    if (type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed') {
      const tokens = readUsage('responses', asObj(d.response)?.usage);
      if (tokens) this.tokens = tokens;
    } else if (type.endsWith('.delta') && !type.includes('audio')) {
      // Only deltas: the `.done` events and response.completed repeat the same text.
      this.outputChars += strLen(d.delta);
    }
  }

  private onMessagesEvent(d: Json, event: string | null): void {
    const type = typeof d.type === 'string' ? d.type : event ?? '';
    if (type === 'message_start') {
      const u = asObj(asObj(d.message)?.usage);
      if (u) this.messageUsage = { ...u };
    } else if (type === 'message_delta') {
      const u = asObj(d.usage);
      if (u) {
        // message_delta carries cumulative counts; a field it omits (or sends as null) keeps
        // the value from message_start.
        const merged: Json = { ...(this.messageUsage ?? {}) };
        for (const [k, v] of Object.entries(u)) if (typeof v === 'number') merged[k] = v;
        this.messageUsage = merged;
      }
    } else if (type === 'content_block_start') {
      this.outputChars += strLen(asObj(d.content_block)?.name);
    } else if (type === 'content_block_delta') {
      const delta = asObj(d.delta);
      this.outputChars += strLen(delta?.text) + strLen(delta?.partial_json) + strLen(delta?.thinking);
    }
  }
}

function contentChars(content: unknown): number {
  if (typeof content === 'string') return content.length;
  let n = 0;
  for (const part of asArr(content)) n += strLen(asObj(part)?.text);
  return n;
}

function responsesItemChars(item: Json | undefined): number {
  if (!item) return 0;
  let n = strLen(item.arguments) + strLen(item.name);
  for (const part of asArr(item.content)) n += strLen(asObj(part)?.text);
  for (const part of asArr(item.summary)) n += strLen(asObj(part)?.text);
  return n;
}
