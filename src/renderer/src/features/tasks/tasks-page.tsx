/**
 * The Tasks section: the dataset picker, search and filters, the virtualised task table with its
 * always-visible tally, task sets, the import dialog, and the task detail beside the table.
 *
 * The open task lives in the URL (`#/tasks/<encoded task id>`), so reloads and links keep it.
 * Keys: ↑/↓ (and PageUp/PageDown, Home/End outside the search box) move the selection, Enter
 * opens it, Escape closes the detail, '/' focuses the search.
 */
import { useCallback, useEffect, useState, useSyncExternalStore, type ReactElement } from 'react';
import type { ImportReport } from '../../../../shared/tasks';
import { DatasetPicker } from './dataset-picker';
import { FilterBar, SEARCH_INPUT_ID } from './filter-bar';
import { ImportDialog } from './import-dialog';
import { SelectionSummary } from './selection-summary';
import { forgetTaskDetails, TaskDetailPanel } from './task-detail';
import { TaskSetsPanel } from './task-sets-panel';
import { ROW_HEIGHT, TaskTable } from './task-table';
import { useTasksStore } from './tasks-store';
import { TrySample } from './try-sample';

/** The id the bundled sample benchmark is imported under on a first start. */
const SAMPLE_DATASET_ID = 'sample';

/** The task id in `#/tasks/<id>`, or null. */
export function taskIdFromHash(hash: string): string | null {
  const match = /^#\/?tasks\/(.+)$/.exec(hash);
  if (!match?.[1]) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

export function taskHash(id: string | null): string {
  return id === null ? '#/tasks' : `#/tasks/${encodeURIComponent(id)}`;
}

function subscribeHash(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

function useOpenTaskId(): string | null {
  return useSyncExternalStore(subscribeHash, () => taskIdFromHash(location.hash));
}

/** Fields where keys belong to the field (typing, choosing), not to table navigation. */
function isTextEntry(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'submit', 'reset', 'file'].includes(target.type);
  return false;
}

function focusTable(): void {
  document.querySelector<HTMLElement>('.task-table-scroll')?.focus({ preventScroll: true });
}

export function TasksPage(): ReactElement {
  const status = useTasksStore((s) => s.status);
  const error = useTasksStore((s) => s.error);
  const datasets = useTasksStore((s) => s.datasets);
  const currentDataset = useTasksStore((s) => s.filters.datasetId);
  const viewEmpty = useTasksStore((s) => s.view.length === 0);
  const load = useTasksStore((s) => s.load);
  const select = useTasksStore((s) => s.select);
  const clearFilters = useTasksStore((s) => s.clearFilters);
  const openId = useOpenTaskId();
  const [importOpen, setImportOpen] = useState(false);
  const [setsOpen, setSetsOpen] = useState(false);
  const [expanded, setExpanded] = useState(false);

  useEffect(() => {
    void load();
  }, [load]);

  // A task opened by URL (a reload, a link) is also the selected row.
  useEffect(() => {
    if (openId !== null) select(openId, true);
  }, [openId, select]);

  const openTask = useCallback(
    (id: string) => {
      select(id);
      if (taskIdFromHash(location.hash) !== id) location.hash = taskHash(id);
    },
    [select],
  );

  const closeTask = useCallback(() => {
    setExpanded(false);
    if (taskIdFromHash(location.hash) !== null) location.hash = taskHash(null);
    focusTable();
  }, []);

  useEffect(() => {
    if (importOpen) return;
    const onKey = (event: KeyboardEvent): void => {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
      const target = event.target;
      const inSearch = target instanceof HTMLElement && target.id === SEARCH_INPUT_ID;
      const typing = isTextEntry(target);
      const store = useTasksStore.getState();
      if (event.key === '/' && !typing) {
        event.preventDefault();
        const input = document.getElementById(SEARCH_INPUT_ID);
        if (input instanceof HTMLInputElement) {
          input.focus();
          input.select();
        }
        return;
      }
      if (event.key === 'Escape') {
        if (taskIdFromHash(location.hash) !== null) {
          event.preventDefault();
          closeTask();
        } else if (inSearch && store.search !== '') {
          event.preventDefault();
          store.setSearch('');
        }
        return;
      }
      if (typing && !inSearch) return;
      const page = Math.max(1, Math.floor((document.querySelector('.task-table-scroll')?.clientHeight ?? 400) / ROW_HEIGHT) - 1);
      const all = store.view.length;
      const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
      // In the search box Home and End move the caret.
      if (!inSearch) Object.assign(moves, { Home: -all, End: all });
      const delta = moves[event.key];
      if (delta !== undefined) {
        event.preventDefault();
        const id = store.moveSelection(delta);
        // With the detail open, the detail follows the selection, like a mail reader.
        if (id !== null && taskIdFromHash(location.hash) !== null) location.hash = taskHash(id);
        return;
      }
      if (event.key === 'Enter' && (inSearch || target === document.body || (target instanceof HTMLElement && target.closest('.task-table-scroll')))) {
        const id = store.selectedId ?? store.moveSelection(1);
        if (id !== null) {
          event.preventDefault();
          openTask(id);
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [importOpen, openTask, closeTask]);

  const onImported = useCallback(
    (report: ImportReport) => {
      forgetTaskDetails();
      void load(report.datasetId);
    },
    [load],
  );

  const empty = status === 'ready' && datasets.length === 0;

  return (
    <section className="page tasks-page">
      <header className="tasks-header">
        <h1>Tasks</h1>
        <DatasetPicker />
        <div className="header-actions">
          <button type="button" onClick={() => setSetsOpen(!setsOpen)} aria-expanded={setsOpen} disabled={empty}>
            Task sets
          </button>
          <button type="button" className="primary" onClick={() => setImportOpen(true)}>
            Import…
          </button>
        </div>
      </header>

      {status === 'error' && (
        <p className="error" role="alert">
          Could not load tasks: {error}{' '}
          <button type="button" className="link-button" onClick={() => void load()}>
            Retry
          </button>
        </p>
      )}
      {(status === 'idle' || status === 'loading') && <p className="muted">Loading tasks…</p>}

      {empty && (
        <div className="empty-state" data-testid="tasks-empty">
          <h2>No tasks yet</h2>
          <p>Import a SWE-Lancer task CSV to browse its tasks here. From a terminal:</p>
          <pre className="command">lancer import &lt;tasks.csv&gt; --issues &lt;issues-dir&gt;</pre>
          <p>
            or use the <strong>Import…</strong> button. The issues folder is optional; it holds the hidden tests and bug patches of the IC tasks.
          </p>
          <button type="button" className="primary" onClick={() => setImportOpen(true)}>
            Import tasks…
          </button>
        </div>
      )}

      {status === 'ready' && !empty && (
        <>
          {currentDataset === SAMPLE_DATASET_ID && <TrySample datasetId={SAMPLE_DATASET_ID} />}
          <FilterBar />
          {setsOpen && <TaskSetsPanel onClose={() => setSetsOpen(false)} />}
          <div className={`tasks-body${openId ? ' with-detail' : ''}${openId && expanded ? ' detail-expanded' : ''}`}>
            <div className="tasks-table-pane">
              <TaskTable onOpen={openTask} compact={openId !== null} />
              {viewEmpty && (
                <div className="no-match">
                  <p>No tasks match.</p>
                  <button type="button" className="link-button" onClick={clearFilters}>
                    Clear the search and filters
                  </button>
                </div>
              )}
              <SelectionSummary />
            </div>
            {openId && <TaskDetailPanel id={openId} expanded={expanded} onClose={closeTask} onToggleExpand={() => setExpanded(!expanded)} />}
          </div>
        </>
      )}

      {importOpen && <ImportDialog onClose={() => setImportOpen(false)} onImported={onImported} />}
    </section>
  );
}
