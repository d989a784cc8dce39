/**
 * Filtering, sorting and tallying of task rows, in the renderer.
 *
 * The browser holds every row of the chosen datasets (15,000 in the full benchmark) and filters
 * them on each keystroke, so the work here must stay well inside one frame: rows are sorted once
 * when the sort changes, the structural filters (dataset, variant, price, split, tests, a loaded
 * task set) are applied once when they change, and the search only scans that narrower list, or
 * the previous result when the query merely grew.
 */
import type { TaskRow, Variant } from '../../../../shared/tasks';
import { assertNever } from '../../../../shared/result';
import { variantList } from './format';
import type { SearchIndex } from './search-index';

export type HasTestsFilter = 'any' | 'yes' | 'no';

/** Every filter except the search text; changing one of these re-runs a full pass. */
export interface StructuralFilters {
  /** `null`: all datasets. */
  datasetId: string | null;
  variant: Variant | null;
  minPrice: number | null;
  maxPrice: number | null;
  /** The `set` column (diamond / nondiamond); `''` selects rows without one. */
  split: string | null;
  hasTests: HasTestsFilter;
  /** A loaded task set: only these ids. */
  ids: ReadonlySet<string> | null;
}

export const noFilters: StructuralFilters = {
  datasetId: null,
  variant: null,
  minPrice: null,
  maxPrice: null,
  split: null,
  hasTests: 'any',
  ids: null,
};

export const sortKeys = ['questionId', 'title', 'variant', 'price', 'set', 'hasTests', 'proposalCount'] as const;
export type SortKey = (typeof sortKeys)[number];

export interface SortSpec {
  key: SortKey;
  dir: 'asc' | 'desc';
}

/** Lower-cased, whitespace-separated terms; a row must contain all of them. */
export function searchTerms(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter((t) => t !== '');
}

/** Whether a row contains one term, in its search text or its question id. */
export function matchesTerm(row: TaskRow, term: string): boolean {
  const id = row.questionId;
  // Question ids are lower-case in practice; lower-casing only the others saves an allocation per row.
  return row.searchText.includes(term) || id.includes(term) || (/[A-Z]/.test(id) && id.toLowerCase().includes(term));
}

/** Whether a row matches every term. */
export function matchesTerms(row: TaskRow, terms: readonly string[]): boolean {
  for (const term of terms) if (!matchesTerm(row, term)) return false;
  return true;
}

export function matchesStructural(row: TaskRow, f: StructuralFilters): boolean {
  if (f.datasetId !== null && row.datasetId !== f.datasetId) return false;
  if (f.variant !== null && row.variant !== f.variant) return false;
  if (f.minPrice !== null && row.price < f.minPrice) return false;
  if (f.maxPrice !== null && row.price > f.maxPrice) return false;
  if (f.split !== null && (row.set ?? '') !== f.split) return false;
  if (f.hasTests === 'yes' && !row.hasTests) return false;
  if (f.hasTests === 'no' && row.hasTests) return false;
  if (f.ids !== null && !f.ids.has(row.id)) return false;
  return true;
}

export function applyStructural(rows: readonly TaskRow[], f: StructuralFilters): TaskRow[] {
  return rows.filter((row) => matchesStructural(row, f));
}

export function applySearch(rows: readonly TaskRow[], query: string): readonly TaskRow[] {
  const terms = searchTerms(query);
  if (terms.length === 0) return rows;
  return rows.filter((row) => matchesTerms(row, terms));
}

/**
 * Below this many candidate rows a direct scan is cheaper than the index. A one-letter term
 * occurs in nearly every word, so the index would mark nearly every posting; a scan finds it
 * early in most texts instead.
 */
const SCAN_BELOW_ROWS = 2000;
const SCAN_BELOW_TERM_LENGTH = 2;

function filterTerm(rows: readonly TaskRow[], term: string, index: SearchIndex | null): readonly TaskRow[] {
  if (index !== null && rows.length >= SCAN_BELOW_ROWS && term.length >= SCAN_BELOW_TERM_LENGTH) return index.filter(rows, term);
  return rows.filter((row) => matchesTerm(row, term));
}

/**
 * The search result for `query` over `base`. When the query only extends the previous one over
 * the same base, it starts from the previous result and checks only the terms that changed:
 * every row matching the longer query matched the shorter one, since each term can only have
 * grown or been added. `index`, when given, must be built over the rows `base` came from.
 */
export function narrowSearch(
  base: readonly TaskRow[],
  query: string,
  previous: { base: readonly TaskRow[]; query: string; result: readonly TaskRow[] } | null,
  index: SearchIndex | null = null,
): readonly TaskRow[] {
  const terms = searchTerms(query);
  if (terms.length === 0) return base;
  let candidates = base;
  let todo = terms;
  if (previous !== null && previous.base === base && query.toLowerCase().startsWith(previous.query.toLowerCase())) {
    const before = searchTerms(previous.query);
    const last = before.length - 1;
    if (last >= 0) {
      candidates = previous.result;
      // Terms before the previous last one are unchanged; the previous last may have grown.
      todo = terms.slice(last);
      if (todo[0] === before[last]) todo = todo.slice(1);
    }
  }
  for (const term of todo) candidates = filterTerm(candidates, term, index);
  return candidates;
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

function compareBy(key: SortKey): (a: TaskRow, b: TaskRow) => number {
  switch (key) {
    case 'questionId':
      return (a, b) => collator.compare(a.questionId, b.questionId);
    case 'title':
      return (a, b) => collator.compare(a.title, b.title);
    case 'variant':
      return (a, b) => a.variant.localeCompare(b.variant);
    case 'price':
      return (a, b) => a.price - b.price;
    case 'set':
      return (a, b) => (a.set ?? '').localeCompare(b.set ?? '');
    case 'hasTests':
      return (a, b) => Number(a.hasTests) - Number(b.hasTests);
    case 'proposalCount':
      return (a, b) => a.proposalCount - b.proposalCount;
    default:
      return assertNever(key, 'sort key');
  }
}

/**
 * A sorted copy. Ties keep a stable order by question id, so a sorted view does not shuffle
 * when the data is reloaded.
 */
export function sortRows(rows: readonly TaskRow[], sort: SortSpec | null): TaskRow[] {
  const copy = rows.slice();
  if (sort === null) return copy;
  const primary = compareBy(sort.key);
  const byId = compareBy('questionId');
  const sign = sort.dir === 'asc' ? 1 : -1;
  copy.sort((a, b) => sign * primary(a, b) || byId(a, b) || a.id.localeCompare(b.id));
  return copy;
}

export interface SelectionTally {
  count: number;
  dollars: number;
  byVariant: Record<Variant, { count: number; dollars: number }>;
}

export function tallyRows(rows: readonly TaskRow[]): SelectionTally {
  const byVariant = Object.fromEntries(variantList.map((v) => [v, { count: 0, dollars: 0 }])) as SelectionTally['byVariant'];
  let dollars = 0;
  for (const row of rows) {
    dollars += row.price;
    const v = byVariant[row.variant];
    v.count += 1;
    v.dollars += row.price;
  }
  return { count: rows.length, dollars, byVariant };
}

/** True when no filter narrows the rows (the dataset choice and the search aside). */
export function isUnfiltered(f: StructuralFilters): boolean {
  return (
    f.variant === null && f.minPrice === null && f.maxPrice === null && f.split === null && f.hasTests === 'any' && f.ids === null
  );
}
