/**
 * Long tables (a full SWE-Lancer run has 1,488 tasks) show their first rows and a button for the
 * rest: tens of thousands of table cells cost seconds to draw, and the numbers people read are
 * in the charts and summaries above. Exports always hold every row.
 */
import { useState, type ReactElement } from 'react';
import { formatCount } from '../runs/format';

export const ROW_LIMIT = 200;

/** The rows to draw, and the "show all" button when some are held back (null otherwise). */
export function useRowLimit<T>(rows: readonly T[], what: string, limit = ROW_LIMIT): { visible: readonly T[]; more: ReactElement | null } {
  const [all, setAll] = useState(false);
  if (all || rows.length <= limit) return { visible: rows, more: null };
  return {
    visible: rows.slice(0, limit),
    more: (
      <p className="muted row-limit">
        The first {formatCount(limit)} of {formatCount(rows.length)} {what} are shown.{' '}
        <button type="button" className="link-button" onClick={() => setAll(true)}>
          Show all {formatCount(rows.length)}
        </button>
      </p>
    ),
  };
}
