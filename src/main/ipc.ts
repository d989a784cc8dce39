/**
 * The Electron transport: one ipcMain handler that checks the sender, then dispatches through
 * the same validation as serve mode; events go to every window.
 */
import { ipcMain, type BrowserWindow, type WebContents } from 'electron';
import { dispatch } from './core/handlers/dispatch';
import type { Handlers } from './core/handlers/handlers';
import type { EventBus } from './core/events';

export const INVOKE_CHANNEL = 'lancer:invoke';
export const EVENT_CHANNEL = 'lancer:event';

export function wireIpc(handlers: Handlers, events: EventBus, windows: () => BrowserWindow[]): () => void {
  const isOurWindow = (sender: WebContents): boolean => windows().some((w) => w.webContents.id === sender.id);
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
    ipcMain.removeHandler(INVOKE_CHANNEL);
  };
}
