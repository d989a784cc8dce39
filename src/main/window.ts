/**
 * The app window with its security defaults in one place: context isolation, sandbox, no Node
 * in the page, web security on, and guards so the page can neither navigate away nor open
 * windows; links go to the system browser instead.
 */
import { BrowserWindow, shell } from 'electron';
import { isOwnRendererUrl } from './window-url';

export function createMainWindow(opts: { preloadPath: string; rendererUrl?: string; rendererFile: string }): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'Lancer Workbench',
    show: false,
    webPreferences: {
      preload: opts.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());

  const isOwnUrl = (url: string): boolean => isOwnRendererUrl(url, { devServerUrl: opts.rendererUrl, file: opts.rendererFile });

  win.webContents.setWindowOpenHandler(({ url }) => {
    openExternally(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (!isOwnUrl(url)) {
      event.preventDefault();
      openExternally(url);
    }
  });
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());

  if (opts.rendererUrl) void win.loadURL(opts.rendererUrl);
  else void win.loadFile(opts.rendererFile);
  return win;
}

/** Only web links leave the app, never file: or custom schemes a page could smuggle in. */
function openExternally(url: string): void {
  try {
    const { protocol } = new URL(url);
    if (protocol === 'https:' || protocol === 'http:') void shell.openExternal(url);
  } catch {
    // not a URL: nothing to open
  }
}
