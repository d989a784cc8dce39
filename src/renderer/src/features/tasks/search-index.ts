/**
 * A word index over the rows' search text, so one keystroke does not have to scan every row.
 *
 * `searchText` is lower-cased text whose words are separated by whitespace, and a search term
 * never contains whitespace, so a term occurs in a row's text exactly when it occurs inside one
 * of the row's words. The index keeps each distinct word once (in one string, `vocab`) with the
 * rows that contain it; a term is then found by scanning the vocabulary, which is far smaller
 * than all the text (the same words recur across tasks), and marking the rows of every word
 * that contains it. Results are the same as `searchText.includes(term)` on every row.
 *
 * Building it takes a few hundred milliseconds at 15,000 rows, so it is built in slices that
 * yield to the browser between them; until it is ready, searches scan the rows directly.
 */
import type { TaskRow } from '../../../../shared/tasks';

export class SearchIndex {
  /** Each distinct word followed by '\n' (never part of a word), in id order. */
  private readonly vocab: string;
  /** Where each word starts in `vocab`. */
  private readonly wordStart: Int32Array;
  /** Rows of word w: postings[postStart[w] .. postStart[w + 1]). */
  private readonly postStart: Int32Array;
  private readonly postings: Int32Array;
  private readonly rowIndex: Map<TaskRow, number>;
  /** Marks of the last lookup: row r matched when stamp[r] === generation. */
  private readonly stamp: Uint32Array;
  private generation = 0;

  constructor(
    readonly rows: readonly TaskRow[],
    parts: { words: string[]; postStart: Int32Array; postings: Int32Array; rowIndex: Map<TaskRow, number> },
  ) {
    this.vocab = parts.words.join('\n') + '\n';
    this.wordStart = new Int32Array(parts.words.length);
    let offset = 0;
    parts.words.forEach((w, i) => {
      this.wordStart[i] = offset;
      offset += w.length + 1;
    });
    this.postStart = parts.postStart;
    this.postings = parts.postings;
    this.rowIndex = parts.rowIndex;
    this.stamp = new Uint32Array(rows.length);
  }

  get wordCount(): number {
    return this.wordStart.length;
  }

  /** The id of the word containing vocab position `pos` (binary search over word starts). */
  private wordAt(pos: number): number {
    let lo = 0;
    let hi = this.wordStart.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.wordStart[mid] ?? 0) <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * The rows of `candidates` whose text contains `term` (lower-case, no whitespace), in their
   * order. Rows the index was not built from are kept out.
   */
  filter(candidates: readonly TaskRow[], term: string): TaskRow[] {
    this.generation = (this.generation + 1) >>> 0 || 1;
    const gen = this.generation;
    const { vocab, wordStart, postStart, postings, stamp } = this;
    let from = 0;
    for (;;) {
      const at = vocab.indexOf(term, from);
      if (at === -1) break;
      const word = this.wordAt(at);
      const end = postStart[word + 1] ?? 0;
      for (let p = postStart[word] ?? 0; p < end; p++) stamp[postings[p] ?? 0] = gen;
      // This word is done: continue after it.
      from = word + 1 < wordStart.length ? (wordStart[word + 1] ?? vocab.length) : vocab.length;
    }
    const out: TaskRow[] = [];
    for (const row of candidates) {
      const i = this.rowIndex.get(row);
      if (i !== undefined && stamp[i] === gen) out.push(row);
    }
    return out;
  }
}

/** Yields to the browser (input, rendering) between slices of work. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * The words a row is found by: its search text and its question id. Splitting at spaces alone
 * is enough (the search text's whitespace is single spaces; should another whitespace character
 * stay inside a "word", a term, which has none, still matches only within its parts).
 */
export function rowWords(row: TaskRow): string[] {
  const words = row.searchText.split(' ');
  words.push(row.questionId.toLowerCase());
  return words;
}

/**
 * Builds the index over `rows`, yielding every `sliceMs`; resolves to null when `isStale`
 * turns true (the rows were replaced meanwhile).
 */
export async function buildSearchIndex(
  rows: readonly TaskRow[],
  opts: { sliceMs?: number; isStale?: () => boolean } = {},
): Promise<SearchIndex | null> {
  const sliceMs = opts.sliceMs ?? 4;
  const ids = new Map<string, number>();
  const words: string[] = [];
  const lastRow: number[] = [];
  const lists: number[][] = [];
  const rowIndex = new Map<TaskRow, number>();
  let sliceStart = performance.now();
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (!row) continue;
    rowIndex.set(row, r);
    for (const word of rowWords(row)) {
      if (word === '') continue;
      let id = ids.get(word);
      if (id === undefined) {
        id = words.length;
        ids.set(word, id);
        words.push(word);
        lastRow.push(-1);
        lists.push([]);
      }
      if (lastRow[id] !== r) {
        lastRow[id] = r;
        lists[id]?.push(r);
      }
    }
    if ((r & 63) === 63 && performance.now() - sliceStart > sliceMs) {
      await nextTask();
      if (opts.isStale?.()) return null;
      sliceStart = performance.now();
    }
  }
  let total = 0;
  for (const list of lists) total += list.length;
  const postStart = new Int32Array(words.length + 1);
  const postings = new Int32Array(total);
  let p = 0;
  lists.forEach((list, w) => {
    postStart[w] = p;
    postings.set(list, p);
    p += list.length;
  });
  postStart[words.length] = p;
  if (opts.isStale?.()) return null;
  return new SearchIndex(rows, { words, postStart, postings, rowIndex });
}
