/**
 * The count and dollars of what the table shows, below it and always in view, with the split
 * by variant and the number of checked rows.
 */
import type { ReactElement } from 'react';
import { formatDollars, formatCount, plural, variantLabel } from './format';
import { useTasksStore } from './tasks-store';

export function SelectionSummary(): ReactElement {
  const tally = useTasksStore((s) => s.tally);
  const base = useTasksStore((s) => s.base);
  const search = useTasksStore((s) => s.search);
  const checked = useTasksStore((s) => s.checked);
  const setChecked = useTasksStore((s) => s.setChecked);
  return (
    <footer className="selection-summary" data-testid="selection-summary" aria-live="polite">
      <span>
        <strong data-testid="selection-count">{plural(tally.count, 'task')}</strong>
        {search !== '' && tally.count !== base.length && <span className="muted"> of {formatCount(base.length)}</span>}
        {' · '}
        <strong data-testid="selection-dollars">{formatDollars(tally.dollars)}</strong>
      </span>
      <span className="muted variant-tallies">
        {(Object.keys(tally.byVariant) as (keyof typeof tally.byVariant)[]).map((v) => (
          <span key={v}>
            {variantLabel(v)} {formatCount(tally.byVariant[v].count)} · {formatDollars(tally.byVariant[v].dollars)}
          </span>
        ))}
      </span>
      {checked.size > 0 && (
        <span className="checked-count">
          {formatCount(checked.size)} checked
          <button type="button" className="link-button" onClick={() => setChecked([])}>
            Uncheck all
          </button>
        </span>
      )}
      <span className="muted keys-hint">↑↓ move · Enter open · Esc close · / search</span>
    </footer>
  );
}
