/**
 * Makes sure the built renderer exists before serve mode starts, building it once if not, so
 * `npx lancer serve` works straight after `npm ci`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export function rendererDirOf(root: string): string {
  return path.join(root, 'out', 'renderer');
}

/** Builds with electron-vite when `out/renderer/index.html` is missing; throws if that fails. */
export function ensureRendererBuilt(root: string, log: (line: string) => void): string {
  const dir = rendererDirOf(root);
  if (existsSync(path.join(dir, 'index.html'))) return dir;
  log('The UI is not built yet; building it once (npm run build)…');
  const bin = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'electron-vite.cmd' : 'electron-vite');
  const result = spawnSync(bin, ['build'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0 || !existsSync(path.join(dir, 'index.html'))) {
    throw new Error(`building the UI failed:\n${(result.stderr || result.stdout || String(result.error)).slice(-4000)}`);
  }
  return dir;
}
