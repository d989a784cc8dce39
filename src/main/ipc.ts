/**
 * The Electron transport: one ipcMain handler that checks the sender, then dispatches through
 * the same validation as serve mode; events go to every window.
 */
import { ipcMain, type BrowserWindow, type WebContents } from 'electron';
import { dispatch } from './core/handlers/dispatch';
import type { Handlers } from './core/handlers/handlers';
import type { EventBus } from './core/events';
import type { LiveQuality } from '../shared/replay';

export const INVOKE_CHANNEL = 'lancer:invoke';
export const EVENT_CHANNEL = 'lancer:event';
export const LIVE_WATCH = 'lancer:live-watch';
export const LIVE_UNWATCH = 'lancer:live-unwatch';
export const LIVE_FRAME = 'lancer:live-frame';

export interface LivePort {
  watch(attemptId: string, quality: LiveQuality, onFrame: (jpeg: Buffer) => void): () => void;
}

export function wireIpc(handlers: Handlers, events: EventBus, windows: () => BrowserWindow[], live?: LivePort): () => void {
  const isOurWindow = (sender: WebContents): boolean => windows().some((w) => w.webContents.id === sender.id);
  // Live screens: frames go only to the page that asked, only while it watches. Watch ids come
  // from the page and restart at every page load, so they are keyed by sender too; a page that
  // navigates or reloads (or a window that closes) stops all of its captures.
  const watches = new Map<number, Map<string, () => void>>();
  const stopAllOf = (senderId: number): void => {
    const mine = watches.get(senderId);
    watches.delete(senderId);
    for (const stop of mine?.values() ?? []) stop();
  };
  ipcMain.on(LIVE_WATCH, (event, watchId: unknown, attemptId: unknown, quality: unknown) => {
    if (!live || !isOurWindow(event.sender) || event.senderFrame !== event.sender.mainFrame) return;
    if (typeof watchId !== 'string' || typeof attemptId !== 'string') return;
    const sender = event.sender;
    let mine = watches.get(sender.id);
    if (!mine) {
      mine = new Map();
      watches.set(sender.id, mine);
      const senderId = sender.id;
      sender.once('destroyed', () => stopAllOf(senderId));
      const onNavigation = (details: { isMainFrame: boolean; isSameDocument: boolean }): void => {
        if (!details.isMainFrame || details.isSameDocument) return;
        sender.off('did-start-navigation', onNavigation);
        stopAllOf(senderId);
      };
      sender.on('did-start-navigation', onNavigation);
    }
    mine.get(watchId)?.(); // the same id again replaces, never leaks, the earlier capture
    mine.set(
      watchId,
      live.watch(attemptId, quality === 'full' ? 'full' : 'thumb', (jpeg) => {
        if (!sender.isDestroyed()) sender.send(LIVE_FRAME, watchId, jpeg);
      }),
    );
  });
  ipcMain.on(LIVE_UNWATCH, (event, watchId: unknown) => {
    if (typeof watchId !== 'string') return;
    const mine = watches.get(event.sender.id);
    mine?.get(watchId)?.();
    mine?.delete(watchId);
  });
  ipcMain.handle(INVOKE_CHANNEL, async (event, channel: unknown, input: unknown) => {
    // First boundary check: the sender must be one of our windows, not some other frame.
    if (!isOurWindow(event.sender) || event.senderFrame !== event.sender.mainFrame) {
      return { ok: false, error: { code: 'invalid_input', message: 'call from an unknown sender' } };
    }
    if (typeof channel !== 'string') {
      return { ok: false, error: { code: 'invalid_input', message: 'channel must be a string' } };
    }
    return dispatch(handlers, channel, input);
  });
  const unsubscribe = events.subscribe((name, payload) => {
    for (const win of windows()) {
      if (!win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, name, payload);
    }
  });
  return () => {
    unsubscribe();
    for (const senderId of [...watches.keys()]) stopAllOf(senderId);
    ipcMain.removeHandler(INVOKE_CHANNEL);
    ipcMain.removeAllListeners(LIVE_WATCH);
    ipcMain.removeAllListeners(LIVE_UNWATCH);
  };
}
