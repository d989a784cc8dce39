/**
 * Where things live on disk, resolved the same way by the window, serve mode and the CLI so all
 * three share one store.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

export const APP_DIR_NAME = 'lancer-workbench';

/**
 * The platform's per-user app data folder, the same folder Electron's `userData` resolves to
 * for this app name, so `lancer` on the command line sees what the window stored.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const home = os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_DIR_NAME);
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_DIR_NAME);
}

/** `--data-dir` wins, then `LANCER_DATA_DIR`, then the given fallback. Always absolute. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv, fallback: string): string {
  const chosen = flag ?? env.LANCER_DATA_DIR ?? fallback;
  return path.resolve(chosen);
}

export function databasePath(dataDir: string): string {
  return path.join(dataDir, 'lancer.db');
}

/**
 * The project root (the folder with package.json), found by walking up from this module. Works
 * from source (src/main/core) and from the bundle (out/main).
 */
export function projectRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
}
