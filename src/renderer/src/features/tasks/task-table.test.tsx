// @vitest-environment jsdom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskRow } from '../../../../shared/tasks';
import { applyStructural, noFilters, tallyRows } from './filtering';
import { TaskTable } from './task-table';
import { useTasksStore } from './tasks-store';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const rows: TaskRow[] = Array.from({ length: 15_000 }, (_, i) => ({
  id: `big/${i}`,
  datasetId: 'big',
  questionId: String(10_000 + i),
  title: `Task number ${i}`,
  variant: i % 3 ? 'ic_swe' : 'swe_manager',
  price: 250 * (1 + (i % 8)),
  set: i % 2 ? 'diamond' : 'nondiamond',
  hasTests: i % 5 === 0,
  proposalCount: i % 3 ? 0 : 4,
  searchText: `task number ${i} ${i % 7 === 0 ? 'report' : 'chat'}`,
}));

let container: HTMLDivElement;
let root: Root;
let opened: string[];

beforeEach(() => {
  const base = applyStructural(rows, noFilters);
  useTasksStore.setState({ status: 'ready', rows, sorted: rows, base, view: base, tally: tallyRows(base), search: '', selectedId: null, revealSeq: 0, checked: new Set(), index: null });
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
  opened = [];
  act(() => root.render(<TaskTable onOpen={(id) => opened.push(id)} />));
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

describe('TaskTable', () => {
  it('keeps only the rows in view in the DOM at 15,000 rows', () => {
    const rendered = container.querySelectorAll('tr.task-row');
    expect(rendered.length).toBeGreaterThan(10);
    expect(rendered.length).toBeLessThan(80);
    expect(container.querySelector('table')?.getAttribute('aria-rowcount')).toBe('15001');
    // The spacer below stands in for every row not rendered.
    const spacer = container.querySelector<HTMLElement>('tr.spacer');
    expect(spacer?.style.height).toBe(`${(15_000 - rendered.length) * 32}px`);
  });

  it('follows the search, and opens a row on click', () => {
    act(() => useTasksStore.getState().setSearch('report'));
    const view = useTasksStore.getState().view;
    expect(view.length).toBe(Math.ceil(15_000 / 7));
    expect(container.querySelector('[data-testid="task-table"]')?.getAttribute('data-filter-query')).toBe('report');
    const first = container.querySelector<HTMLElement>('tr.task-row');
    expect(first?.dataset.taskId).toBe('big/0');
    act(() => first?.click());
    expect(opened).toEqual(['big/0']);
  });

  it('marks the selected row and scrolls a far selection into view', () => {
    const scroller = container.querySelector<HTMLElement>('[data-testid="task-table"]');
    if (!scroller) throw new Error('no table');
    Object.defineProperty(scroller, 'clientHeight', { value: 600, configurable: true });
    act(() => {
      useTasksStore.getState().moveSelection(1);
    });
    expect(container.querySelector('tr.task-row[aria-selected="true"]')?.getAttribute('data-task-id')).toBe('big/0');
    act(() => {
      useTasksStore.getState().moveSelection(5000);
    });
    expect(useTasksStore.getState().selectedId).toBe('big/5000');
    // The row's bottom edge sits at the bottom of the area below the sticky header.
    expect(scroller.scrollTop).toBe(5001 * 32 - (600 - 34));
  });

  it('sorts by a column header, toggling the direction', () => {
    const price = Array.from(container.querySelectorAll('th')).find((th) => th.textContent?.startsWith('Price'));
    act(() => price?.querySelector('button')?.click());
    expect(price?.getAttribute('aria-sort')).toBe('ascending');
    expect(useTasksStore.getState().view[0]?.price).toBe(250);
    act(() => price?.querySelector('button')?.click());
    expect(price?.getAttribute('aria-sort')).toBe('descending');
    expect(useTasksStore.getState().view[0]?.price).toBe(2000);
  });
});
