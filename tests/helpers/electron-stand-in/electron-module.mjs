// What `import … from 'electron'` gives the app's built main process (out/main/index.js) under
// test: the stand-in the test installed on globalThis before importing the bundle (see
// launch-app.ts). Kept as plain ESM so Node loads it natively, like the bundle that imports it.
const standIn = globalThis[Symbol.for('lancer.electron-stand-in')];
if (!standIn) {
  throw new Error('the Electron stand-in is not installed: start the app with launchBuiltApp() (tests/helpers/electron-stand-in)');
}

export const { app, BrowserWindow, dialog, net, protocol, safeStorage, shell, webContents } = standIn;
// eslint-disable-next-line no-restricted-syntax -- this is Electron's stand-in: it defines ipcMain for the app's ipc.ts
export const ipcMain = standIn.ipcMain;
export default standIn;
