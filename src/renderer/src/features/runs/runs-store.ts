/**
 * The Runs page's state: the list of runs and the open run's snapshot, kept current by
 * `run.event` events.
 *
 * Opening a run (or reloading the window) asks `runs.get` for a snapshot and its `seq`; events
 * that arrive meanwhile wait in a buffer and are applied afterwards if newer. A jump in `seq`
 * (the socket dropped and came back), a status change, a returning window and a slow poll of a
 * live run all ask for a fresh snapshot, which also tells the open log to catch up from its
 * last stored line.
 */
import { create } from 'zustand';
import type { RunEvent, RunSummary } from '../../../../shared/runs';
import { invoke, on } from '../../api';
import { errorText, isLiveStatus } from './format';
import { applyRunEvent, summaryOf, type RunSnapshot } from './run-state';

/** How often an open live run is re-read even when events flow (a restarted server resets seq). */
const POLL_MS = 15_000;
/** The least time between two snapshot requests caused by gaps. */
const RESYNC_SPACING_MS = 1_000;

interface RunsState {
  runs: RunSummary[] | undefined;
  listError: string | null;
  /** The open run's id, from the URL. */
  openId: string | null;
  detail: RunSnapshot | undefined;
  detailError: string | null;
  loadRuns(): Promise<void>;
  open(runId: string | null): void;
  /** After pause / resume / cancel: the summary the call returned, then a fresh snapshot. */
  acknowledge(summary: RunSummary): void;
}

type LogEvent = Extract<RunEvent, { type: 'log' }>;

const logListeners = new Set<(event: LogEvent) => void>();
const resyncListeners = new Set<(runId: string) => void>();

/** `log` events of the open run that are newer than its snapshot. */
export function onRunLog(listener: (event: LogEvent) => void): () => void {
  logListeners.add(listener);
  return () => logListeners.delete(listener);
}

/** Called after each fresh snapshot of the open run: streamed views catch up from the store. */
export function onRunResync(listener: (runId: string) => void): () => void {
  resyncListeners.add(listener);
  return () => resyncListeners.delete(listener);
}

/** Events of the open run that arrived while its snapshot was on the way. */
let buffer: RunEvent[] = [];
let syncing = false;
let syncGeneration = 0;
let lastResyncAt = 0;
let resyncTimer: ReturnType<typeof setTimeout> | undefined;
/** Highest seq applied to each list row, so an older event never overwrites a newer one. */
const listSeq = new Map<string, number>();
let listReload: ReturnType<typeof setTimeout> | undefined;

export const useRunsStore = create<RunsState>((set, get) => ({
  runs: undefined,
  listError: null,
  openId: null,
  detail: undefined,
  detailError: null,

  loadRuns: async () => {
    try {
      const runs = await invoke('runs.list', {});
      set({ runs, listError: null });
    } catch (error) {
      set({ listError: errorText(error) });
    }
  },

  open: (runId) => {
    if (get().openId === runId) return;
    syncGeneration += 1;
    buffer = [];
    syncing = false;
    set({ openId: runId, detail: undefined, detailError: null });
    if (runId !== null) void resync();
  },

  acknowledge: (summary) => {
    mergeSummary(summary);
    if (get().openId === summary.id) void resync();
  },
}));

function mergeSummary(summary: RunSummary): void {
  const { runs } = useRunsStore.getState();
  if (!runs) return;
  const index = runs.findIndex((r) => r.id === summary.id);
  if (index === -1) {
    useRunsStore.setState({ runs: [summary, ...runs] });
    return;
  }
  const next = [...runs];
  next[index] = summary;
  useRunsStore.setState({ runs: next });
}

function reloadListSoon(): void {
  if (listReload) return;
  listReload = setTimeout(() => {
    listReload = undefined;
    void useRunsStore.getState().loadRuns();
  }, 200);
}

/** Replaces the open run's snapshot with the store's, then applies what arrived meanwhile. */
async function resync(): Promise<void> {
  const runId = useRunsStore.getState().openId;
  if (runId === null) return;
  const generation = ++syncGeneration;
  syncing = true;
  buffer = [];
  lastResyncAt = Date.now();
  try {
    const snapshot = await invoke('runs.get', { runId });
    if (generation !== syncGeneration) return;
    syncing = false;
    useRunsStore.setState({ detail: snapshot, detailError: null });
    listSeq.set(runId, Math.max(listSeq.get(runId) ?? 0, snapshot.seq));
    mergeSummary(summaryOf(snapshot));
    const pending = buffer.sort((a, b) => a.seq - b.seq);
    buffer = [];
    for (const event of pending) applyToOpenRun(event);
    for (const listener of resyncListeners) listener(runId);
  } catch (error) {
    if (generation !== syncGeneration) return;
    syncing = false;
    useRunsStore.setState({ detailError: errorText(error) });
  }
}

/** A resync soon, but not more than once a second however many gaps arrive. */
function scheduleResync(): void {
  if (resyncTimer) return;
  const wait = Math.max(0, lastResyncAt + RESYNC_SPACING_MS - Date.now());
  resyncTimer = setTimeout(() => {
    resyncTimer = undefined;
    void resync();
  }, wait);
}

function applyToOpenRun(event: RunEvent): void {
  const { detail } = useRunsStore.getState();
  if (!detail || detail.id !== event.runId) return;
  const result = applyRunEvent(detail, event);
  switch (result.kind) {
    case 'stale':
      return;
    case 'gap':
      scheduleResync();
      return;
    case 'applied':
      useRunsStore.setState({ detail: result.snapshot });
      if (event.type === 'log') for (const listener of logListeners) listener(event);
      if (result.resync) scheduleResync();
      return;
    default: {
      const unknown: never = result;
      return unknown;
    }
  }
}

function handleEvent(event: RunEvent): void {
  const state = useRunsStore.getState();
  // The list: 'run' events carry the whole tally, so they replace the row's numbers.
  if (state.runs) {
    const row = state.runs.find((r) => r.id === event.runId);
    if (!row) reloadListSoon();
    else if (event.type === 'run' && event.seq > (listSeq.get(event.runId) ?? 0)) {
      listSeq.set(event.runId, event.seq);
      mergeSummary({ ...row, status: event.status, tally: event.tally, ...(event.waiting !== undefined ? { waiting: event.waiting } : {}) });
      // The event has no end time: the list asks for it once the run is over.
      if (event.status !== row.status && !isLiveStatus(event.status)) reloadListSoon();
    }
  }
  if (state.openId !== event.runId) return;
  if (syncing) {
    buffer.push(event);
    return;
  }
  applyToOpenRun(event);
}

let connections = 0;
let disconnect: (() => void) | undefined;

/**
 * Listens to run events while some page needs them (reference-counted): the Runs page, and the
 * Results page for finished runs. Also re-reads on return to the window and polls a live run.
 */
export function connectRunEvents(): () => void {
  connections += 1;
  if (connections === 1) {
    const off = on('run.event', handleEvent);
    const onReturn = (): void => {
      if (document.visibilityState !== 'visible') return;
      void useRunsStore.getState().loadRuns();
      if (useRunsStore.getState().openId !== null) scheduleResync();
    };
    const poll = setInterval(() => {
      const { detail } = useRunsStore.getState();
      if (detail && isLiveStatus(detail.status) && Date.now() - lastResyncAt >= POLL_MS) void resync();
    }, POLL_MS / 3);
    document.addEventListener('visibilitychange', onReturn);
    window.addEventListener('online', onReturn);
    // Events were missed while nobody listened: the open run starts from a fresh snapshot.
    if (useRunsStore.getState().openId !== null) void resync();
    disconnect = () => {
      off();
      clearInterval(poll);
      document.removeEventListener('visibilitychange', onReturn);
      window.removeEventListener('online', onReturn);
    };
  }
  return () => {
    connections -= 1;
    if (connections === 0) {
      disconnect?.();
      disconnect = undefined;
    }
  };
}
