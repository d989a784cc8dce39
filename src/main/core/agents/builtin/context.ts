/**
 * Keeping the conversation within the model's context, and observations within a size.
 *
 * The reference agent counts tokens with tiktoken; with no tokenizer for arbitrary models here,
 * the count is estimated from characters and corrected by what the server reports it read.
 */

/** A chat message as sent to /chat/completions. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

/** The reference agent's limit for models it does not know (§5.1). */
export const DEFAULT_CONTEXT_TOKENS = 110_000;

/** Characters per token for English and code with the common BPE tokenizers. */
const CHARS_PER_TOKEN = 4;

/** The reference agent's shape of count: 4 per message plus the tokens of each value. */
export function rawTokenEstimate(messages: readonly ChatMessage[], extra = ''): number {
  let total = Math.ceil(extra.length / CHARS_PER_TOKEN);
  for (const m of messages) {
    total += 4 + Math.ceil(m.role.length / CHARS_PER_TOKEN);
    if (m.content) total += Math.ceil(m.content.length / CHARS_PER_TOKEN);
    if (m.tool_calls) total += Math.ceil(JSON.stringify(m.tool_calls).length / CHARS_PER_TOKEN);
    if (m.tool_call_id) total += Math.ceil(m.tool_call_id.length / CHARS_PER_TOKEN);
  }
  return total;
}

/**
 * An estimate that learns from the server: after each reply, the ratio of the prompt tokens it
 * reported to our raw estimate of what was sent scales later estimates (clamped, so one odd
 * report cannot make trimming drop everything or nothing).
 */
export class TokenEstimator {
  private ratio = 1;

  estimate(messages: readonly ChatMessage[], extra = ''): number {
    return Math.ceil(rawTokenEstimate(messages, extra) * this.ratio);
  }

  /** Records the server's prompt token count for the messages just sent. */
  calibrate(messages: readonly ChatMessage[], extra: string, promptTokens: number): void {
    const raw = rawTokenEstimate(messages, extra);
    if (raw <= 0 || !(promptTokens > 0)) return;
    this.ratio = Math.min(3, Math.max(0.5, promptTokens / raw));
  }
}

/**
 * The reference agent's trimming: while more than one message and over the limit, drop
 * messages[1] (the oldest after the task). Tool results whose call was dropped go too, since
 * servers reject a tool message without its call. Mutates `messages`; returns how many went.
 */
export function trimToFit(messages: ChatMessage[], limit: number, estimate: (m: readonly ChatMessage[]) => number): number {
  let dropped = 0;
  while (messages.length > 1 && estimate(messages) > limit) {
    messages.splice(1, 1);
    dropped++;
    while (messages.length > 1 && messages[1]?.role === 'tool') {
      messages.splice(1, 1);
      dropped++;
    }
  }
  return dropped;
}

/**
 * Keeps the head and the tail of a long output with a line in between saying what was cut.
 * Returns the text unchanged when it fits.
 */
export function truncateMiddle(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const head = Math.ceil(maxChars / 2);
  const tail = maxChars - head;
  const cut = text.length - head - tail;
  const headText = text.slice(0, head);
  const tailText = tail > 0 ? text.slice(-tail) : '';
  const cutLines = text.slice(head, text.length - tail).split('\n').length - 1;
  return `${headText}\n[… ${cut} characters (${cutLines} line breaks) cut from the middle of this output …]\n${tailText}`;
}
