/**
 * The transcript as pure functions the views and their tests share: merging steps that arrive
 * twice (a snapshot and live events overlap), spotting a missed step, searching, folding long
 * outputs, and the arithmetic of a list whose rows have different heights but only the rows in
 * view are rendered.
 */
import type { AgentStepRecord } from '../../../../shared/agents';

/**
 * `current` with `incoming` merged in: ordered by index, one step per index (the newer copy
 * wins). Appending newer steps, the common case while an attempt streams, costs no sort.
 */
export function mergeSteps(current: readonly AgentStepRecord[], incoming: readonly AgentStepRecord[]): AgentStepRecord[] {
  if (incoming.length === 0) return current as AgentStepRecord[];
  let last = current.length > 0 ? (current[current.length - 1] as AgentStepRecord).index : Number.NEGATIVE_INFINITY;
  let appendOnly = true;
  for (const step of incoming) {
    if (step.index <= last) {
      appendOnly = false;
      break;
    }
    last = step.index;
  }
  if (appendOnly) return [...current, ...incoming];
  const byIndex = new Map<number, AgentStepRecord>();
  for (const step of current) byIndex.set(step.index, step);
  for (const step of incoming) byIndex.set(step.index, step);
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

/** The last step's index, or -1 for none: what `attempts.steps` is asked for after. */
export function lastIndex(steps: readonly AgentStepRecord[]): number {
  return steps.length > 0 ? (steps[steps.length - 1] as AgentStepRecord).index : -1;
}

/** Whether a step arriving live skips some (an event was missed: the list asks the store). */
export function skipsSteps(steps: readonly AgentStepRecord[], arriving: AgentStepRecord): boolean {
  return arriving.index > lastIndex(steps) + 1;
}

const haystacks = new WeakMap<AgentStepRecord, string>();

/** Everything a search looks through in a step, lower-cased (computed once per step). */
export function stepText(step: AgentStepRecord): string {
  let text = haystacks.get(step);
  if (text === undefined) {
    const parts = [kindLabel(step.kind), step.message ?? '', step.note ?? '', step.observation ?? ''];
    if (step.toolCall) parts.push(step.toolCall.name, argumentsText(step.toolCall.arguments));
    if (step.fallback) parts.push('fallback');
    text = parts.join('\n').toLowerCase();
    haystacks.set(step, text);
  }
  return text;
}

/** The steps whose text holds every word of `query` (any order, any case); all for a blank query. */
export function filterSteps(steps: readonly AgentStepRecord[], query: string): readonly AgentStepRecord[] {
  const words = query.toLowerCase().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return steps;
  return steps.filter((step) => {
    const text = stepText(step);
    return words.every((w) => text.includes(w));
  });
}

/** `model`, `tool`, `user tool`, `note`. */
export function kindLabel(kind: AgentStepRecord['kind']): string {
  return kind === 'user_tool' ? 'user tool' : kind;
}

/**
 * A tool call's arguments as a reader wants them: a lone string argument (bash's command,
 * python's code) as itself, anything else as indented JSON.
 */
export function argumentsText(args: unknown): string {
  if (typeof args === 'string') return args;
  if (args && typeof args === 'object' && !Array.isArray(args)) {
    const entries = Object.entries(args as Record<string, unknown>);
    if (entries.length === 0) return '';
    if (entries.length === 1 && typeof entries[0]?.[1] === 'string') return entries[0][1];
  }
  try {
    return JSON.stringify(args, null, 2) ?? String(args);
  } catch {
    return String(args);
  }
}

export interface Folded {
  /** What shows while folded (all of it when nothing is folded). */
  head: string;
  folded: boolean;
  lines: number;
}

/** The start of a long text (at most `maxLines` lines and `maxChars` characters), and whether more was left out. */
export function foldText(text: string, maxLines = 12, maxChars = 1200): Folded {
  let lines = 1;
  let cut = -1;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      lines += 1;
      if (lines === maxLines + 1 && cut === -1) cut = i;
    }
  }
  if (text.endsWith('\n')) lines -= 1;
  if (cut === -1 && text.length > maxChars) cut = maxChars;
  if (cut !== -1 && cut > maxChars) cut = maxChars;
  // Only blank lines left out is nothing left out.
  if (cut === -1 || text.slice(cut).trim() === '') return { head: text, folded: false, lines };
  return { head: text.slice(0, cut), folded: true, lines };
}

/**
 * Offsets of a list's rows from its top: `offsets[i]` is where row i starts and
 * `offsets[count]` the list's height. Unmeasured rows count as `estimate`.
 */
export function rowOffsets(keys: readonly number[], measured: ReadonlyMap<number, number>, estimate: number): Float64Array {
  const offsets = new Float64Array(keys.length + 1);
  for (let i = 0; i < keys.length; i++) offsets[i + 1] = (offsets[i] as number) + (measured.get(keys[i] as number) ?? estimate);
  return offsets;
}

/** The rows to render for a scroll position: `[first, end)`, with `overscan` pixels either side. */
export function windowOf(offsets: Float64Array, scrollTop: number, viewport: number, overscan: number): { first: number; end: number } {
  const count = offsets.length - 1;
  if (count <= 0) return { first: 0, end: 0 };
  const top = Math.max(0, scrollTop - overscan);
  const bottom = scrollTop + viewport + overscan;
  // The first row that ends below `top`.
  let lo = 0;
  let hi = count - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((offsets[mid + 1] as number) <= top) lo = mid + 1;
    else hi = mid;
  }
  const first = lo;
  let end = first;
  while (end < count && (offsets[end] as number) < bottom) end += 1;
  return { first, end: Math.max(end, Math.min(count, first + 1)) };
}

/** `+0:07`, `+12:03`, `+1:02:03`: time since the transcript began. */
export function formatOffset(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `+${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

/** `830 ms`, `4.2 s`, `3 min 05 s`. */
export function formatStepDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}
