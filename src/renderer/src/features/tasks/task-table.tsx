/**
 * The task table, virtualised: rows have one fixed height, so only the rows in view (plus a
 * few either side) are in the DOM, between two spacer rows that keep the scrollbar true. The
 * header is sticky inside the scroll area; the selection tally sits outside it, always in view.
 */
import { memo, useEffect, useLayoutEffect, useRef, useState, type ReactElement, type UIEvent } from 'react';
import type { TaskRow } from '../../../../shared/tasks';
import type { SortKey } from './filtering';
import { formatDollars, variantLabel } from './format';
import { useTasksStore } from './tasks-store';

export const ROW_HEIGHT = 32;
const HEADER_HEIGHT = 34;
const OVERSCAN = 8;

interface Column {
  key: SortKey;
  label: string;
  title?: string;
  className: string;
  /** Dropped when the table shares the width with the task detail. */
  optional?: boolean;
}

const allColumns: Column[] = [
  { key: 'questionId', label: 'ID', title: 'Question id', className: 'col-id' },
  { key: 'title', label: 'Title', className: 'col-title' },
  { key: 'variant', label: 'Variant', className: 'col-variant' },
  { key: 'price', label: 'Price', className: 'col-price' },
  { key: 'set', label: 'Set', title: 'Split: diamond or nondiamond', className: 'col-set', optional: true },
  { key: 'hasTests', label: 'Tests', title: 'Has an issue folder with tests', className: 'col-tests', optional: true },
  { key: 'proposalCount', label: 'Proposals', title: 'Manager tasks: proposals to choose from', className: 'col-proposals', optional: true },
];
const compactColumns = allColumns
  .filter((c) => !c.optional)
  .map((c) => (c.key === 'variant' ? { ...c, label: 'Var.', title: 'Variant', className: 'col-variant short' } : c));

interface RowProps {
  compact: boolean;
  row: TaskRow;
  index: number;
  selected: boolean;
  checked: boolean;
  onOpen(id: string): void;
  onToggle(id: string): void;
}

const TaskRowView = memo(function TaskRowView({ compact, row, index, selected, checked, onOpen, onToggle }: RowProps): ReactElement {
  return (
    <tr
      className={selected ? 'task-row selected' : 'task-row'}
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-task-id={row.id}
      onClick={() => onOpen(row.id)}
    >
      <td className="col-check" onClick={(e) => e.stopPropagation()}>
        <input type="checkbox" checked={checked} onChange={() => onToggle(row.id)} aria-label={`Check ${row.questionId}`} />
      </td>
      <td className="col-id mono" title={row.datasetId}>{row.questionId}</td>
      <td className="col-title" title={row.title}>{row.title}</td>
      <td className="col-variant">
        <span className={`badge badge-${row.variant}`} title={variantLabel(row.variant)}>
          {compact ? (row.variant === 'ic_swe' ? 'IC' : 'Mgr') : variantLabel(row.variant)}
        </span>
      </td>
      <td className="col-price num">{formatDollars(row.price)}</td>
      {!compact && (
        <>
          <td className="col-set">{row.set ?? <span className="muted">—</span>}</td>
          <td className="col-tests">
            {row.hasTests ? <span className="ok" aria-label="yes">✓</span> : <span className="muted" aria-label="no">—</span>}
          </td>
          <td className="col-proposals num">{row.variant === 'swe_manager' ? row.proposalCount : <span className="muted">—</span>}</td>
        </>
      )}
    </tr>
  );
});

/** The rows in view for a scroll position; exported for tests. */
export function visibleRange(total: number, scrollTop: number, viewport: number): { first: number; last: number } {
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(total, Math.ceil((scrollTop + viewport) / ROW_HEIGHT) + OVERSCAN);
  return { first, last: Math.max(first, last) };
}

export function TaskTable({ onOpen, compact = false }: { onOpen(id: string): void; compact?: boolean }): ReactElement {
  const columns = compact ? compactColumns : allColumns;
  const view = useTasksStore((s) => s.view);
  const search = useTasksStore((s) => s.search);
  const sort = useTasksStore((s) => s.sort);
  const selectedId = useTasksStore((s) => s.selectedId);
  const checked = useTasksStore((s) => s.checked);
  const revealSeq = useTasksStore((s) => s.revealSeq);
  const indexed = useTasksStore((s) => s.index !== null);
  const toggleSort = useTasksStore((s) => s.toggleSort);
  const toggleChecked = useTasksStore((s) => s.toggleChecked);
  const setChecked = useTasksStore((s) => s.setChecked);

  const scrollRef = useRef<HTMLDivElement | null>(null);
  // The scroll offset belongs to one view: a new view (filter, sort, reload) starts at the top.
  const [scroll, setScroll] = useState<{ view: readonly TaskRow[]; top: number }>({ view, top: 0 });
  const [viewport, setViewport] = useState(800);
  const scrollTop = scroll.view === view ? scroll.top : 0;

  // Where the scroll area was last seen; touching scrollTop forces a layout, so only when needed.
  const lastTop = useRef(0);
  useLayoutEffect(() => {
    if (scrollRef.current && lastTop.current !== 0) {
      scrollRef.current.scrollTop = 0;
      lastTop.current = 0;
    }
  }, [view]);

  useEffect(() => {
    const el = scrollRef.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => setViewport(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // Keyboard moves bump revealSeq: bring the selected row into view, below the sticky header.
  useEffect(() => {
    const el = scrollRef.current;
    const { view: rows, selectedId: id } = useTasksStore.getState();
    if (!el || revealSeq === 0 || id === null) return;
    const index = rows.findIndex((r) => r.id === id);
    if (index === -1) return;
    const rowTop = index * ROW_HEIGHT;
    const room = el.clientHeight - HEADER_HEIGHT;
    if (rowTop < el.scrollTop) el.scrollTop = rowTop;
    else if (rowTop + ROW_HEIGHT > el.scrollTop + room) el.scrollTop = rowTop + ROW_HEIGHT - room;
  }, [revealSeq]);

  const onScroll = (event: UIEvent<HTMLDivElement>): void => {
    lastTop.current = event.currentTarget.scrollTop;
    setScroll({ view, top: lastTop.current });
  };

  const { first, last } = visibleRange(view.length, scrollTop, viewport);
  const slice = view.slice(first, last);
  let allChecked = view.length > 0 && checked.size >= view.length;
  if (allChecked) allChecked = view.every((r) => checked.has(r.id));

  return (
    <div
      className="task-table-scroll"
      ref={scrollRef}
      onScroll={onScroll}
      tabIndex={0}
      role="region"
      aria-label="Task list"
      data-testid="task-table"
      data-filter-query={search}
      data-row-count={view.length}
      data-search-index={indexed ? 'ready' : 'building'}
    >
      <table className="task-table" aria-rowcount={view.length + 1}>
        <colgroup>
          <col className="col-check" />
          {columns.map((c) => (
            <col key={c.key} className={c.className} />
          ))}
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
            <th className="col-check">
              <input
                type="checkbox"
                aria-label="Check all shown tasks"
                checked={allChecked}
                disabled={view.length === 0}
                onChange={() => setChecked(allChecked ? [] : view.map((r) => r.id))}
              />
            </th>
            {columns.map((c) => {
              const active = sort?.key === c.key;
              return (
                <th
                  key={c.key}
                  className={c.className}
                  aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
                  title={c.title}
                >
                  <button type="button" className="sort-button" onClick={() => toggleSort(c.key)}>
                    {c.label}
                    <span className="sort-mark" aria-hidden="true">
                      {active ? (sort.dir === 'asc' ? '▲' : '▼') : ''}
                    </span>
                  </button>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {first > 0 && (
            <tr className="spacer" aria-hidden="true" style={{ height: first * ROW_HEIGHT }}>
              <td colSpan={columns.length + 1} />
            </tr>
          )}
          {slice.map((row, i) => (
            <TaskRowView
              // Keyed by slot, not by task: a new filter result then updates the rows already
              // in the DOM instead of replacing them all, which is most of a keystroke's cost.
              key={i}
              compact={compact}
              row={row}
              index={first + i}
              selected={row.id === selectedId}
              checked={checked.has(row.id)}
              onOpen={onOpen}
              onToggle={toggleChecked}
            />
          ))}
          {last < view.length && (
            <tr className="spacer" aria-hidden="true" style={{ height: (view.length - last) * ROW_HEIGHT }}>
              <td colSpan={columns.length + 1} />
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
