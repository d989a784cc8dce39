/**
 * The task browser's state: datasets, all rows, filters, sort, the filtered view and its tally,
 * the keyboard selection, checked rows and saved task sets.
 *
 * Filtering runs in the actions, not in render: each action derives the next view from the
 * previous state (see filtering.ts for why that keeps typing within a frame).
 */
import { create } from 'zustand';
import type { DatasetSummary, TaskRow, TaskSet } from '../../../../shared/tasks';
import { invoke } from '../../api';
import { buildSearchIndex, type SearchIndex } from './search-index';
import {
  applyStructural,
  narrowSearch,
  noFilters,
  sortRows,
  tallyRows,
  type SelectionTally,
  type SortKey,
  type SortSpec,
  type StructuralFilters,
} from './filtering';

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

interface TasksState {
  status: LoadStatus;
  error: string | null;
  datasets: DatasetSummary[];
  rows: TaskRow[];
  taskSets: TaskSet[];
  /** The task set whose ids currently filter the table, if any. */
  activeSet: string | null;

  search: string;
  filters: StructuralFilters;
  sort: SortSpec | null;
  /** All rows in sort order. */
  sorted: TaskRow[];
  /** `sorted` after the structural filters. */
  base: TaskRow[];
  /** `base` after the search: what the table shows. */
  view: readonly TaskRow[];
  tally: SelectionTally;
  /** The word index over `rows`, once built (see search-index.ts). */
  index: SearchIndex | null;

  selectedId: string | null;
  /** Bumped when the selection moved by keyboard, so the table scrolls it into view. */
  revealSeq: number;
  checked: ReadonlySet<string>;

  /** Loads datasets, rows and task sets; `preferredDataset` is shown next (after an import). */
  load(preferredDataset?: string): Promise<void>;
  reloadTaskSets(): Promise<void>;
  setSearch(query: string): void;
  setFilters(patch: Partial<StructuralFilters>): void;
  clearFilters(): void;
  toggleSort(key: SortKey): void;
  /** Selects a row; `reveal` scrolls it into view. */
  select(id: string | null, reveal?: boolean): void;
  /** Moves the selection by `delta` rows (clamped); returns the newly selected id. */
  moveSelection(delta: number): string | null;
  toggleChecked(id: string): void;
  setChecked(ids: Iterable<string>): void;
  loadTaskSet(set: TaskSet): void;
  unloadTaskSet(): void;
}

type Derived = Pick<TasksState, 'sorted' | 'base' | 'view' | 'tally'>;

/** Recomputes the derived lists, reusing whatever the change did not touch. */
function derive(
  prev: TasksState,
  next: { rows?: TaskRow[]; sort?: SortSpec | null; filters?: StructuralFilters; search?: string },
): Derived {
  const rows = next.rows ?? prev.rows;
  const sort = next.sort !== undefined ? next.sort : prev.sort;
  const filters = next.filters ?? prev.filters;
  const search = next.search ?? prev.search;
  const sorted = next.rows || next.sort !== undefined ? sortRows(rows, sort) : prev.sorted;
  const base = sorted !== prev.sorted || next.filters ? applyStructural(sorted, filters) : prev.base;
  const index = prev.index !== null && prev.index.rows === rows ? prev.index : null;
  const view = narrowSearch(base, search, { base: prev.base, query: prev.search, result: prev.view }, index);
  return { sorted, base, view, tally: view === prev.view ? prev.tally : tallyRows(view) };
}

/** Which dataset to show after a load: keep the choice if it still exists, else the newest. */
function pickDataset(datasets: DatasetSummary[], current: string | null, preferred?: string): string | null {
  if (preferred && datasets.some((d) => d.id === preferred)) return preferred;
  if (current !== null && datasets.some((d) => d.id === current)) return current;
  if (datasets.length <= 1) return datasets[0]?.id ?? null;
  const newest = datasets.reduce((a, b) => (b.importedAt > a.importedAt ? b : a));
  return newest.id;
}

const emptyTally = tallyRows([]);

/** Builds the search index for `rows` in the background, unless the rows are replaced first. */
function indexLater(rows: TaskRow[]): void {
  const stale = (): boolean => useTasksStore.getState().rows !== rows;
  void buildSearchIndex(rows, { isStale: stale }).then((index) => {
    if (index !== null && !stale()) useTasksStore.setState({ index });
  });
}

export const useTasksStore = create<TasksState>((set, get) => ({
  status: 'idle',
  error: null,
  datasets: [],
  rows: [],
  taskSets: [],
  activeSet: null,
  search: '',
  filters: noFilters,
  sort: null,
  sorted: [],
  base: [],
  view: [],
  tally: emptyTally,
  index: null,
  selectedId: null,
  revealSeq: 0,
  checked: new Set(),

  async load(preferredDataset?: string) {
    set({ status: get().status === 'ready' ? 'ready' : 'loading', error: null });
    try {
      const [datasets, rows, taskSets] = await Promise.all([
        invoke('datasets.list', {}),
        invoke('tasks.list', {}),
        invoke('tasksets.list', {}),
      ]);
      const prev = get();
      const datasetId = pickDataset(datasets, prev.filters.datasetId, preferredDataset);
      if (preferredDataset !== undefined) {
        // Just imported: show all of it, not what an earlier search happens to leave.
        const filters = { ...noFilters, datasetId };
        set({ status: 'ready', datasets, rows, taskSets, filters, search: '', activeSet: null, ...derive(prev, { rows, filters, search: '' }) });
      } else {
        const filters = { ...prev.filters, datasetId };
        set({ status: 'ready', datasets, rows, taskSets, filters, ...derive(prev, { rows, filters }) });
      }
      indexLater(rows);
    } catch (error) {
      set({ status: 'error', error: (error as Error).message });
    }
  },

  async reloadTaskSets() {
    set({ taskSets: await invoke('tasksets.list', {}) });
  },

  setSearch(search) {
    const prev = get();
    if (search === prev.search) return;
    set({ search, ...derive(prev, { search }) });
  },

  setFilters(patch) {
    const prev = get();
    const filters = { ...prev.filters, ...patch };
    const activeSet = filters.ids === null ? null : prev.activeSet;
    set({ filters, activeSet, ...derive(prev, { filters }) });
  },

  clearFilters() {
    const prev = get();
    const filters = { ...noFilters, datasetId: prev.filters.datasetId };
    set({ filters, search: '', activeSet: null, ...derive(prev, { filters, search: '' }) });
  },

  toggleSort(key) {
    const prev = get();
    const sort: SortSpec =
      prev.sort?.key === key ? { key, dir: prev.sort.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: 'asc' };
    set({ sort, ...derive(prev, { sort }) });
  },

  select(id, reveal = false) {
    set(reveal ? { selectedId: id, revealSeq: get().revealSeq + 1 } : { selectedId: id });
  },

  moveSelection(delta) {
    const { view, selectedId, revealSeq } = get();
    if (view.length === 0) return null;
    const index = selectedId === null ? -1 : view.findIndex((r) => r.id === selectedId);
    // Without a selection, moving down starts above the first row and moving up below the last.
    const from = index !== -1 ? index : delta > 0 ? -1 : view.length;
    const target = Math.max(0, Math.min(view.length - 1, from + delta));
    const id = view[target]?.id ?? null;
    set({ selectedId: id, revealSeq: revealSeq + 1 });
    return id;
  },

  toggleChecked(id) {
    const checked = new Set(get().checked);
    if (checked.has(id)) checked.delete(id);
    else checked.add(id);
    set({ checked });
  },

  setChecked(ids) {
    set({ checked: new Set(ids) });
  },

  loadTaskSet(taskSet) {
    const prev = get();
    // A set may span datasets (and is meant to be run as a whole), so show it across all of them.
    const filters = { ...noFilters, ids: new Set(taskSet.taskIds) };
    set({ filters, search: '', activeSet: taskSet.name, ...derive(prev, { filters, search: '' }) });
  },

  unloadTaskSet() {
    const prev = get();
    const filters = { ...prev.filters, ids: null, datasetId: pickDataset(prev.datasets, null) };
    set({ filters, activeSet: null, ...derive(prev, { filters }) });
  },
}));
