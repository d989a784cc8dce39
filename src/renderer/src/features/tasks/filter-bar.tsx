/**
 * Search and filters above the table. The search filters as you type ('/' focuses it); the
 * other filters narrow by variant, price, split, tests, or a loaded task set.
 */
import { useMemo, type ReactElement } from 'react';
import type { Variant } from '../../../../shared/tasks';
import type { HasTestsFilter } from './filtering';
import { isUnfiltered } from './filtering';
import { variantLabel, variantList } from './format';
import { useTasksStore } from './tasks-store';

export const SEARCH_INPUT_ID = 'task-search';

function parsePrice(text: string): number | null {
  if (text.trim() === '') return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

export function FilterBar(): ReactElement {
  const search = useTasksStore((s) => s.search);
  const filters = useTasksStore((s) => s.filters);
  const activeSet = useTasksStore((s) => s.activeSet);
  const rows = useTasksStore((s) => s.rows);
  const setSearch = useTasksStore((s) => s.setSearch);
  const setFilters = useTasksStore((s) => s.setFilters);
  const clearFilters = useTasksStore((s) => s.clearFilters);
  const unloadTaskSet = useTasksStore((s) => s.unloadTaskSet);

  const splits = useMemo(() => {
    const seen = new Set<string>();
    for (const row of rows) seen.add(row.set ?? '');
    return [...seen].sort();
  }, [rows]);

  const filtered = search !== '' || !isUnfiltered(filters);

  return (
    <div className="filter-bar" role="search">
      <input
        id={SEARCH_INPUT_ID}
        className="search-input"
        type="search"
        placeholder="Search titles and descriptions   /"
        aria-label="Search tasks"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        autoComplete="off"
        spellCheck={false}
      />
      <select
        aria-label="Variant"
        value={filters.variant ?? ''}
        onChange={(e) => setFilters({ variant: e.target.value === '' ? null : (e.target.value as Variant) })}
      >
        <option value="">All variants</option>
        {variantList.map((v) => (
          <option key={v} value={v}>
            {variantLabel(v)}
          </option>
        ))}
      </select>
      <div className="price-range" role="group" aria-label="Price range">
        <input
          type="number"
          min={0}
          step={50}
          placeholder="Min $"
          aria-label="Minimum price"
          value={filters.minPrice ?? ''}
          onChange={(e) => setFilters({ minPrice: parsePrice(e.target.value) })}
        />
        <span className="muted">–</span>
        <input
          type="number"
          min={0}
          step={50}
          placeholder="Max $"
          aria-label="Maximum price"
          value={filters.maxPrice ?? ''}
          onChange={(e) => setFilters({ maxPrice: parsePrice(e.target.value) })}
        />
      </div>
      {splits.length > 1 || (splits.length === 1 && splits[0] !== '') ? (
        <select aria-label="Set" value={filters.split ?? '*'} onChange={(e) => setFilters({ split: e.target.value === '*' ? null : e.target.value })}>
          <option value="*">All sets</option>
          {splits.map((s) => (
            <option key={s} value={s}>
              {s === '' ? '(no set)' : s}
            </option>
          ))}
        </select>
      ) : null}
      <select aria-label="Tests" value={filters.hasTests} onChange={(e) => setFilters({ hasTests: e.target.value as HasTestsFilter })}>
        <option value="any">Tests: any</option>
        <option value="yes">With tests</option>
        <option value="no">Without tests</option>
      </select>
      {activeSet !== null && (
        <span className="chip" data-testid="active-set">
          Set: {activeSet}
          <button type="button" onClick={unloadTaskSet} aria-label={`Stop filtering by ${activeSet}`}>
            ✕
          </button>
        </span>
      )}
      {filtered && (
        <button type="button" className="link-button" onClick={clearFilters}>
          Clear filters
        </button>
      )}
    </div>
  );
}
