/**
 * Which rows of a long table are drawn: those in view and a margin either side, between two
 * spacer rows that keep the scrollbar true. A full run's ledger has 1,488 tries or more; drawing
 * every row made opening such a run take seconds (DOM, style and table layout for every row),
 * where the rows in view take a few milliseconds. Short tables are drawn whole.
 *
 * The table scrolls with the page around it (the run's header, summary and manifest above it),
 * so what is in view is worked out from where the table body sits in its scrolling ancestor.
 * Rows are about one height; the height used is the mean of the rows drawn, measured.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';

/** Tables with fewer rows are drawn whole. */
export const WINDOW_FROM = 200;
/** Rows drawn beyond each edge of the view, so a scroll shows drawn rows while the next window renders. */
export const OVERSCAN = 20;
/** A row's height before one is measured (an attempts-table row with its badges). */
export const ROW_ESTIMATE = 33;
/** Rows drawn before the view is known: more than a tall screen shows. */
const FIRST_WINDOW = 60;

export interface RowWindow {
  first: number;
  /** One past the last row drawn. */
  last: number;
  /** The height the spacers take per row not drawn. */
  rowHeight: number;
}

/**
 * The rows to draw when the pixels `viewTop`..`viewBottom` of the table body (0 = its top) are in
 * view, rows `rowHeight` high. A body wholly below or above the view still has `overscan` rows
 * drawn at its nearer end, so scrolling to it shows rows at once.
 */
export function rowWindow(count: number, rowHeight: number, viewTop: number, viewBottom: number, overscan = OVERSCAN): { first: number; last: number } {
  const height = Math.max(1, rowHeight);
  const first = Math.min(Math.max(0, count - overscan), Math.max(0, Math.floor(viewTop / height) - overscan));
  const last = Math.min(count, Math.max(first + overscan, Math.ceil(viewBottom / height) + overscan));
  return { first, last };
}

/** The nearest ancestor that scrolls vertically, or null for the page itself. */
function scrollParentOf(el: HTMLElement): HTMLElement | null {
  for (let node = el.parentElement; node; node = node.parentElement) {
    const { overflowY } = getComputedStyle(node);
    if ((overflowY === 'auto' || overflowY === 'scroll') && node.scrollHeight > node.clientHeight) return node;
  }
  return null;
}

/**
 * The window of a table of `count` rows; attach `bodyRef` to its `<tbody>` and give drawn rows
 * the class `rowClass`, so their heights can be measured. Below WINDOW_FROM rows every row is drawn.
 */
export function useRowWindow(count: number, rowClass: string): { bodyRef: RefObject<HTMLTableSectionElement | null>; window: RowWindow } {
  const windowed = count >= WINDOW_FROM;
  const bodyRef = useRef<HTMLTableSectionElement | null>(null);
  const [state, setState] = useState<RowWindow>({ first: 0, last: Math.min(count, FIRST_WINDOW), rowHeight: ROW_ESTIMATE });
  // Measured once rows are drawn, and again when the table's width changes (rows wrap
  // differently); not on every window, which could then flip between two heights.
  const height = useRef<number | null>(null);

  const update = useCallback(
    (remeasure: boolean) => {
      const body = bodyRef.current;
      if (!body || !windowed) return;
      if (remeasure || height.current === null) {
        const rows = body.querySelectorAll<HTMLElement>(`:scope > tr.${rowClass}`);
        if (rows.length > 0) {
          let sum = 0;
          for (const row of rows) sum += row.getBoundingClientRect().height;
          height.current = sum / rows.length;
        }
      }
      const rowHeight = height.current ?? ROW_ESTIMATE;
      const box = body.getBoundingClientRect();
      const parent = scrollParentOf(body);
      const clip = parent ? parent.getBoundingClientRect() : { top: 0, bottom: window.innerHeight };
      const next = rowWindow(count, rowHeight, Math.max(clip.top, 0) - box.top, Math.min(clip.bottom, window.innerHeight) - box.top);
      setState((s) => (s.first === next.first && s.last === next.last && s.rowHeight === rowHeight ? s : { ...next, rowHeight }));
    },
    [count, rowClass, windowed],
  );

  // After each render: the view may have moved (new tries above, the first rows just drawn).
  // setState bails out when the window is the same, so this settles at once.
  useLayoutEffect(() => update(false));

  useEffect(() => {
    const table = bodyRef.current?.parentElement;
    if (!windowed || !table) return undefined;
    let frame = 0;
    let remeasure = false;
    const schedule = (again: boolean): void => {
      remeasure ||= again;
      if (frame !== 0) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        const measure = remeasure;
        remeasure = false;
        update(measure);
      });
    };
    const onScroll = (): void => schedule(false);
    const onResize = (): void => schedule(true);
    // Scroll events do not bubble: one capturing listener hears the pane's, whichever it is.
    document.addEventListener('scroll', onScroll, { capture: true, passive: true });
    window.addEventListener('resize', onResize);
    let width = table.getBoundingClientRect().width;
    const observer =
      typeof ResizeObserver === 'undefined'
        ? null
        : new ResizeObserver(([entry]) => {
            if (!entry || entry.contentRect.width === width) return;
            width = entry.contentRect.width;
            schedule(true);
          });
    observer?.observe(table);
    return () => {
      cancelAnimationFrame(frame);
      document.removeEventListener('scroll', onScroll, { capture: true });
      window.removeEventListener('resize', onResize);
      observer?.disconnect();
    };
  }, [update, windowed]);

  if (!windowed) return { bodyRef, window: { first: 0, last: count, rowHeight: ROW_ESTIMATE } };
  // Rows may have gone (a deleted try) since the window was set.
  return { bodyRef, window: { ...state, first: Math.min(state.first, count), last: Math.min(state.last, count) } };
}
