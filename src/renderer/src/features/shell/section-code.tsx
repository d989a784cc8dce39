/**
 * A section's code, split from the main chunk and loaded when the section is first shown.
 *
 * Not React.lazy: React holds a Suspense boundary's content back until about 300 ms after its
 * fallback appeared (its fallback throttle), so a section that suspended on a click took 300 ms
 * however quickly its chunk arrived. Here the section shows "Loading…" as plain state and renders
 * the moment its code is here. And once the app is idle every section's code is fetched in the
 * background (`preloadSections`), so a click usually finds it loaded and renders at once.
 */
import { useEffect, useState, type ComponentType, type ReactElement } from 'react';

export interface SectionCode {
  /** The section: its page once the code is here, "Loading…" (or why not) until then. */
  View: ComponentType;
  /** Fetches the code without opening the section (nothing else is asked for). */
  preload(): Promise<unknown>;
  /** Fetches the code for a section being opened: `onOpen` may ask for its data meanwhile. */
  open(): Promise<unknown>;
}

export function sectionCode(load: () => Promise<ComponentType>, onOpen?: () => void): SectionCode {
  let loaded: ComponentType | undefined;
  let loading: Promise<ComponentType> | undefined;
  // Whether onOpen ran for the load under way: a start-up that stopped waiting for the code
  // (main.tsx) and the view that then mounts both open the section, and its data is asked once.
  let opened = false;
  const preload = (): Promise<ComponentType> =>
    (loading ??= load().then(
      (view) => (loaded = view),
      (error: unknown) => {
        loading = undefined; // a later visit tries again, and asks for its data again
        opened = false;
        throw error;
      },
    ));
  const open = (): Promise<unknown> => {
    if (!loaded && !opened) {
      opened = true;
      onOpen?.();
    }
    return preload();
  };

  function View(): ReactElement {
    const [, arrived] = useState(0);
    const [failed, setFailed] = useState<string | null>(null);
    useEffect(() => {
      if (loaded) return;
      let live = true;
      open().then(
        () => live && arrived((n) => n + 1),
        (error: unknown) => live && setFailed(error instanceof Error ? error.message : String(error)),
      );
      return () => {
        live = false;
      };
    }, []);
    if (loaded) {
      const Loaded = loaded;
      return <Loaded />;
    }
    if (failed) return <section className="page"><p className="error-box">Could not load this section: {failed}</p></section>;
    return <section className="page muted">Loading…</section>;
  }

  return { View, preload, open };
}

/**
 * Fetches the given sections' code one after another once the browser is idle, so they do not
 * compete with what the user opened first. Failures are left for when a section is opened.
 */
export function preloadSections(codes: readonly SectionCode[]): () => void {
  let cancelled = false;
  const run = async (): Promise<void> => {
    for (const code of codes) {
      if (cancelled) return;
      await code.preload().catch(() => undefined);
    }
  };
  // jsdom (the unit tests) has no requestIdleCallback.
  if (typeof requestIdleCallback === 'function') {
    const id = requestIdleCallback(() => void run(), { timeout: 2000 });
    return () => {
      cancelled = true;
      cancelIdleCallback(id);
    };
  }
  const timer = setTimeout(() => void run(), 500);
  return () => {
    cancelled = true;
    clearTimeout(timer);
  };
}
