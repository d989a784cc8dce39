/**
 * The Electron composition root: resolves paths, opens the Workbench, wires IPC and the window.
 * The only module (with ipc.ts and window.ts) that touches Electron.
 */
import { app, BrowserWindow, dialog, net, protocol, safeStorage } from 'electron';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHandlers } from './core/handlers/handlers';
import { projectRoot, resolveDataDir } from './core/paths';
import { Workbench } from './core/workbench';
import { EncryptedSecretStore, FileSecretStore } from './core/agents/endpoints';
import { inBackground, logBackgroundFailure } from './core/background';
import { wireIpc } from './ipc';
import { createMainWindow } from './window';

const here = path.dirname(fileURLToPath(import.meta.url));

function flagValue(name: string): string | undefined {
  const prefix = `--${name}=`;
  const i = process.argv.findIndex((a) => a === `--${name}` || a.startsWith(prefix));
  if (i < 0) return undefined;
  const arg = process.argv[i] ?? '';
  return arg.startsWith(prefix) ? arg.slice(prefix.length) : process.argv[i + 1];
}

/**
 * better-sqlite3 compiled for Electron's ABI, when `npm run electron:rebuild` made one; the
 * default binary is Node's, which tests, serve mode and the CLI use.
 */
function electronSqliteBinding(): string | undefined {
  const candidate = path.join(app.getAppPath(), 'node_modules', 'better-sqlite3', 'build', 'electron', 'better_sqlite3.node');
  return existsSync(candidate) ? candidate : undefined;
}

// Artifacts (videos with seeking, trace frames) reach the page through this scheme.
protocol.registerSchemesAsPrivileged([
  { scheme: 'lancer-artifact', privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true } },
]);

async function main(): Promise<void> {
  await app.whenReady();
  const dataDir = resolveDataDir(flagValue('data-dir'), process.env, app.getPath('userData'));
  // API keys sealed with the OS keychain where Electron can reach it; else files only this
  // user can read (the core's default).
  const secrets = safeStorage.isEncryptionAvailable()
    ? new EncryptedSecretStore(new FileSecretStore(dataDir), { encrypt: (plain) => safeStorage.encryptString(plain), decrypt: (sealed) => safeStorage.decryptString(sealed) })
    : undefined;
  const wb = new Workbench({
    secrets,
    dataDir,
    version: app.getVersion(),
    transport: 'electron',
    nativeBinding: electronSqliteBinding(),
  });
  // A new data dir opens on the bundled sample's tasks, not an empty page.
  const seeded = await wb.seedSampleBenchmark(path.join(projectRoot(), 'resources')).catch((error: unknown) => {
    logBackgroundFailure('importing the bundled sample benchmark', error);
    return null;
  });
  if (seeded) console.log(`New data dir: imported the bundled sample benchmark (${seeded.taskCount} tasks).`);
  const pickFile = async (opts: { title: string; extensions: string[]; directory?: boolean }): Promise<string | null> => {
    const parent = BrowserWindow.getFocusedWindow();
    const options = {
      title: opts.title,
      properties: [opts.directory ? ('openDirectory' as const) : ('openFile' as const)],
      filters: opts.extensions.length && !opts.directory ? [{ name: 'Files', extensions: opts.extensions }] : [],
    };
    const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
    return result.canceled ? null : (result.filePaths[0] ?? null);
  };
  const stopIpc = wireIpc(createHandlers(wb, { pickFile }), wb.events, () => BrowserWindow.getAllWindows(), wb.live);
  protocol.handle('lancer-artifact', async (request) => {
    // lancer-artifact://a/<sha256>[/zip/<entry>]
    const match = /^\/([0-9a-f]{64})(?:\/zip\/(.+))?$/.exec(new URL(request.url).pathname);
    if (!match?.[1]) return new Response('not an artifact', { status: 404 });
    if (match[2]) {
      const data = wb.replays.zipEntry(match[1], decodeURIComponent(match[2]));
      return data ? new Response(new Uint8Array(data), { headers: { 'Content-Type': 'image/jpeg' } }) : new Response('no entry', { status: 404 });
    }
    // net.fetch on a file URL answers Range requests, so videos seek.
    return net.fetch(pathToFileURL(wb.artifacts.pathOf(match[1])).toString(), { headers: request.headers });
  });
  const stopWatching = wb.watchDocker();
  inBackground('recovering runs', wb.recoverRuns({ resume: true }));
  const open = (): BrowserWindow =>
    createMainWindow({
      preloadPath: path.join(here, '../preload/index.cjs'),
      rendererUrl: process.env.ELECTRON_RENDERER_URL,
      rendererFile: path.join(here, '../renderer/index.html'),
    });
  open();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) open();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => {
    stopWatching();
    stopIpc();
    inBackground('closing the workbench', wb.close());
  });
}

void main();
