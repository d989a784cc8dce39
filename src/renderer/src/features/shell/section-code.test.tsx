// @vitest-environment jsdom
import { act, type ReactElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { preloadSections, sectionCode } from './section-code';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

function Page(): ReactElement {
  return <p>the page</p>;
}

/** A loader the test resolves or rejects by hand, counting its calls. */
function controlledLoad(): { load: () => Promise<typeof Page>; calls: () => number; resolve(): Promise<void>; reject(message: string): Promise<void> } {
  let settle: { resolve(v: typeof Page): void; reject(e: Error): void } | undefined;
  let calls = 0;
  return {
    load: () => {
      calls += 1;
      return new Promise((resolve, reject) => (settle = { resolve, reject }));
    },
    calls: () => calls,
    resolve: async () => act(async () => settle!.resolve(Page)),
    reject: async (message) => act(async () => settle!.reject(new Error(message))),
  };
}

describe('sectionCode', () => {
  let host: HTMLElement;
  let root: Root;
  beforeEach(() => {
    host = document.createElement('div');
    document.body.append(host);
    root = createRoot(host);
  });
  afterEach(() => {
    act(() => root.unmount());
    host.remove();
  });

  it('shows Loading… until the code arrives, then the page; opening asks for the data once', async () => {
    const loader = controlledLoad();
    const onOpen = vi.fn();
    const code = sectionCode(loader.load, onOpen);
    act(() => root.render(<code.View />));
    expect(host.textContent).toBe('Loading…');
    expect(onOpen).toHaveBeenCalledTimes(1);
    await loader.resolve();
    expect(host.textContent).toBe('the page');
    expect(loader.calls()).toBe(1);
  });

  it('asks for the data once when start-up and the view both open the section before its code is here', async () => {
    const loader = controlledLoad();
    const onOpen = vi.fn();
    const code = sectionCode(loader.load, onOpen);
    void code.open(); // main.tsx, which stops waiting after 1.5 s
    act(() => root.render(<code.View />));
    expect(host.textContent).toBe('Loading…');
    await loader.resolve();
    expect(host.textContent).toBe('the page');
    expect(onOpen).toHaveBeenCalledTimes(1);
    expect(loader.calls()).toBe(1);
  });

  it('renders a preloaded section at once, without Loading… and without opening it again', async () => {
    const loader = controlledLoad();
    const onOpen = vi.fn();
    const code = sectionCode(loader.load, onOpen);
    const preloaded = code.preload();
    await loader.resolve();
    await preloaded;
    act(() => root.render(<code.View />));
    expect(host.textContent).toBe('the page');
    expect(onOpen).not.toHaveBeenCalled();
    expect(loader.calls()).toBe(1);
  });

  it('says why the code did not load, and a later visit tries again', async () => {
    const loader = controlledLoad();
    const code = sectionCode(loader.load);
    act(() => root.render(<code.View />));
    await loader.reject('chunk 404');
    expect(host.textContent).toBe('Could not load this section: chunk 404');
    act(() => root.render(<p>elsewhere</p>));
    act(() => root.render(<code.View />));
    expect(host.textContent).toBe('Loading…');
    await loader.resolve();
    expect(host.textContent).toBe('the page');
    expect(loader.calls()).toBe(2);
  });
});

describe('preloadSections', () => {
  it('fetches the sections one after another, and stops when cancelled', async () => {
    vi.useFakeTimers();
    try {
      const a = controlledLoad();
      const b = controlledLoad();
      const c = controlledLoad();
      const stop = preloadSections([sectionCode(a.load), sectionCode(b.load), sectionCode(c.load)]);
      expect(a.calls()).toBe(0); // not before the browser is idle
      await vi.advanceTimersByTimeAsync(600);
      expect([a.calls(), b.calls(), c.calls()]).toEqual([1, 0, 0]);
      await a.reject('offline'); // a failure does not stop the rest
      await vi.advanceTimersByTimeAsync(0);
      expect([a.calls(), b.calls(), c.calls()]).toEqual([1, 1, 0]);
      stop();
      await b.resolve();
      await vi.advanceTimersByTimeAsync(0);
      expect(c.calls()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
