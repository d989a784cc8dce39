import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TaskRow } from '../../../../shared/tasks';
import { applySearch, applyStructural, narrowSearch, noFilters, sortRows, tallyRows } from './filtering';
import { buildSearchIndex } from './search-index';

function row(i: number, over: Partial<TaskRow> = {}): TaskRow {
  return {
    id: `ds/${i}`,
    datasetId: 'ds',
    questionId: String(i),
    title: `Task ${i}`,
    variant: i % 2 ? 'ic_swe' : 'swe_manager',
    price: (i % 5) * 250,
    set: i % 3 ? 'diamond' : null,
    hasTests: i % 4 === 0,
    proposalCount: i % 2 ? 0 : 3,
    searchText: `task ${i}`,
    ...over,
  };
}

const words = ['expensify', 'report', 'workspace', 'chat', 'bill', 'split', 'café', 'don’t', 'x', 'ab', 'abc'];
const textArb = fc.array(fc.constantFrom(...words), { maxLength: 12 }).map((ws) => ws.join(' '));
const rowsArb = fc.array(textArb, { minLength: 1, maxLength: 60 }).map((texts) => texts.map((t, i) => row(i, { searchText: t })));
const queryArb = fc.array(fc.constantFrom(...words, 'e', 'ex', 'rep', 'or', 'zz', ' '), { maxLength: 6 }).map((ws) => ws.join(' '));

describe('narrowSearch', () => {
  it('gives the same rows as a full search, typed one character at a time, with and without the index', async () => {
    await fc.assert(
      fc.asyncProperty(rowsArb, queryArb, async (rows, query) => {
        const index = await buildSearchIndex(rows, { sliceMs: 1e9 });
        for (const idx of [null, index]) {
          let previous = { base: rows as readonly TaskRow[], query: '', result: rows as readonly TaskRow[] };
          for (let n = 1; n <= query.length; n++) {
            const q = query.slice(0, n);
            const result = narrowSearch(rows, q, previous, idx);
            expect(result.map((r) => r.id)).toEqual(applySearch(rows, q).map((r) => r.id));
            previous = { base: rows, query: q, result };
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('uses the index at scale and agrees with a scan', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => row(i, { searchText: `${words[i % words.length]} ${words[(i * 7) % words.length]} n${i}` }));
    const index = await buildSearchIndex(rows, { sliceMs: 1e9 });
    for (const q of ['rep', 'report chat', 'n49', 'n4999', '4999', 'zzz', 'don’t']) {
      expect(narrowSearch(rows, q, null, index).map((r) => r.id)).toEqual(applySearch(rows, q).map((r) => r.id));
    }
  });

  it('matches question ids and ignores case in the query', () => {
    const rows = [row(1, { questionId: '16921-manager-0', searchText: 'bold text' }), row(2, { searchText: 'Other' })];
    expect(applySearch(rows, 'MANAGER-0').map((r) => r.id)).toEqual(['ds/1']);
    expect(applySearch(rows, 'BOLD').map((r) => r.id)).toEqual(['ds/1']);
  });

  it('does not reuse a result computed over another base', () => {
    const rows = [row(1, { searchText: 'report' }), row(2, { searchText: 'report' })];
    const base = rows.slice(0, 1);
    const previous = { base, query: 'rep', result: base };
    expect(narrowSearch(rows, 'repo', previous).length).toBe(2);
  });
});

describe('structural filters, sort and tally', () => {
  const rows = Array.from({ length: 20 }, (_, i) => row(i));

  it('filters by variant, price range, split, tests and a set of ids', () => {
    expect(applyStructural(rows, { ...noFilters, variant: 'ic_swe' }).every((r) => r.variant === 'ic_swe')).toBe(true);
    const priced = applyStructural(rows, { ...noFilters, minPrice: 250, maxPrice: 500 });
    expect(priced.length).toBeGreaterThan(0);
    expect(priced.every((r) => r.price >= 250 && r.price <= 500)).toBe(true);
    expect(applyStructural(rows, { ...noFilters, split: '' }).every((r) => r.set === null)).toBe(true);
    expect(applyStructural(rows, { ...noFilters, hasTests: 'yes' }).every((r) => r.hasTests)).toBe(true);
    expect(applyStructural(rows, { ...noFilters, ids: new Set(['ds/3', 'ds/4']) }).map((r) => r.id)).toEqual(['ds/3', 'ds/4']);
  });

  it('sorts both ways with question ids in natural order as the tie-break', () => {
    const asc = sortRows(rows, { key: 'price', dir: 'asc' });
    expect(asc.map((r) => r.price)).toEqual([...rows.map((r) => r.price)].sort((a, b) => a - b));
    const ties = asc.filter((r) => r.price === 0).map((r) => Number(r.questionId));
    expect(ties).toEqual([...ties].sort((a, b) => a - b));
    expect(sortRows(rows, { key: 'price', dir: 'desc' })[0]?.price).toBe(1000);
    expect(sortRows([row(10), row(9), row(100)], { key: 'questionId', dir: 'asc' }).map((r) => r.questionId)).toEqual(['9', '10', '100']);
  });

  it('tallies count and dollars by variant', () => {
    const tally = tallyRows(rows);
    expect(tally.count).toBe(20);
    expect(tally.dollars).toBe(rows.reduce((n, r) => n + r.price, 0));
    expect(tally.byVariant.ic_swe.count + tally.byVariant.swe_manager.count).toBe(20);
  });
});
