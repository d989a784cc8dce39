/**
 * The Electron IPC wiring, against a small stand-in for ipcMain and webContents (Electron's
 * binary is not installed here): live-screen watches are keyed by sender, a reload or a
 * navigation stops the page's captures, and calls from other senders or frames are refused.
 */
import { EventEmitter } from 'node:events';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EventBus } from './core/events';
import type { Handlers } from './core/handlers/handlers';

const ipc = vi.hoisted(() => {
  const on = new Map<string, (event: unknown, ...args: unknown[]) => void>();
  const handle = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  return {
    on,
    handle,
    ipcMain: {
      on: (channel: string, fn: (event: unknown, ...args: unknown[]) => void) => on.set(channel, fn),
      handle: (channel: string, fn: (event: unknown, ...args: unknown[]) => unknown) => handle.set(channel, fn),
      removeHandler: (channel: string) => handle.delete(channel),
      removeAllListeners: (channel: string) => on.delete(channel),
    },
  };
});
vi.mock('electron', () => ({ ipcMain: ipc.ipcMain }));

const { wireIpc, LIVE_WATCH, LIVE_UNWATCH, INVOKE_CHANNEL } = await import('./ipc');

/** A page in a window: webContents with an id, a main frame, send and the events ipc.ts uses. */
class FakeContents extends EventEmitter {
  readonly mainFrame = { name: 'main' };
  readonly sent: unknown[][] = [];
  destroyed = false;
  constructor(readonly id: number) {
    super();
  }
  send(...args: unknown[]): void {
    this.sent.push(args);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** A reload or a navigation of the main frame, as Electron reports it. */
  navigate(): void {
    this.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false, url: 'file:///index.html' });
  }
}

describe('wireIpc', () => {
  let page: FakeContents;
  let captures: Map<string, number>;
  const live = {
    watch: (attemptId: string): (() => void) => {
      captures.set(attemptId, (captures.get(attemptId) ?? 0) + 1);
      return () => captures.set(attemptId, (captures.get(attemptId) ?? 1) - 1);
    },
  };
  const running = (): number => [...captures.values()].reduce((a, b) => a + b, 0);
  const watch = (sender: FakeContents, watchId: string, attemptId = 'a1', frame: unknown = sender.mainFrame): void =>
    ipc.on.get(LIVE_WATCH)!({ sender, senderFrame: frame }, watchId, attemptId, 'thumb');

  beforeEach(() => {
    ipc.on.clear();
    ipc.handle.clear();
    captures = new Map();
    page = new FakeContents(1);
  });

  const wire = (pages: FakeContents[], handlers: Partial<Handlers> = {}): (() => void) =>
    wireIpc(handlers as Handlers, new EventBus(), () => pages.map((p) => ({ webContents: p, isDestroyed: () => false }) as never), live);

  it('a reload stops the page captures, though the new page reuses the same watch ids', () => {
    wire([page]);
    watch(page, 'w1');
    watch(page, 'w2', 'a2');
    expect(running()).toBe(2);
    page.navigate();
    expect(running()).toBe(0);
    // The reloaded page numbers its watches from 1 again.
    watch(page, 'w1');
    expect(running()).toBe(1);
    ipc.on.get(LIVE_UNWATCH)!({ sender: page }, 'w1');
    expect(running()).toBe(0);
  });

  it('keys watches by sender: two windows with the same watch id do not stop each other', () => {
    const other = new FakeContents(2);
    wire([page, other]);
    watch(page, 'w1');
    watch(other, 'w1');
    ipc.on.get(LIVE_UNWATCH)!({ sender: other }, 'w1');
    expect(running()).toBe(1);
    page.destroyed = true;
    page.emit('destroyed');
    expect(running()).toBe(0);
  });

  it('the same id twice replaces the capture instead of leaking it; in-page navigation keeps it', () => {
    wire([page]);
    watch(page, 'w1');
    watch(page, 'w1');
    expect(running()).toBe(1);
    page.emit('did-start-navigation', { isMainFrame: true, isSameDocument: true }); // a #hash route change
    expect(running()).toBe(1);
  });

  it('refuses watches and calls from a subframe or an unknown sender', async () => {
    wire([page], { 'app.info': () => ({ version: 't', dataDir: '/d', transport: 'electron' }) });
    watch(page, 'w1', 'a1', { name: 'iframe' });
    watch(new FakeContents(9), 'w1');
    expect(running()).toBe(0);
    const invoke = ipc.handle.get(INVOKE_CHANNEL)!;
    expect(await invoke({ sender: page, senderFrame: page.mainFrame }, 'app.info', {})).toMatchObject({ ok: true });
    expect(await invoke({ sender: page, senderFrame: { name: 'iframe' } }, 'app.info', {})).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await invoke({ sender: new FakeContents(9), senderFrame: null }, 'app.info', {})).toMatchObject({ ok: false });
  });
});
