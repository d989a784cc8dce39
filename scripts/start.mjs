#!/usr/bin/env node
// `npm start`: the desktop window when Electron's binary is installed, otherwise serve mode
// (one line says why). `npm start -- --serve` forces serve mode; other flags pass through.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const forceServe = args.includes('--serve');
const passThrough = args.filter((a) => a !== '--serve');

/** The Electron executable, or the reason there is none. */
function electronBinary() {
  try {
    const bin = createRequire(import.meta.url)('electron');
    if (typeof bin === 'string' && existsSync(bin)) return { bin };
  } catch {
    // electron's index.js throws when its binary was never downloaded
  }
  return { reason: 'the Electron binary is not installed (`npm run electron:setup` fetches it where GitHub is reachable)' };
}

function run(cmd, cmdArgs) {
  const child = spawn(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
}

const build = spawnSync(path.join(root, 'node_modules', '.bin', 'electron-vite'), ['build'], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (build.status !== 0) {
  console.error('lancer: building the app failed (see above)');
  process.exit(1);
}

const electron = forceServe ? { reason: '--serve was given' } : electronBinary();
const electronSqlite = path.join(root, 'node_modules/better-sqlite3/build/electron/better_sqlite3.node');
if (electron.bin && !existsSync(electronSqlite)) {
  electron.reason = 'better-sqlite3 is not built for Electron (run `npm run electron:setup` where GitHub is reachable)';
  delete electron.bin;
}
if (electron.bin) {
  run(electron.bin, ['.', ...passThrough]);
} else {
  console.log(`Starting in serve mode because ${electron.reason}; open the URL below in a browser.`);
  run(process.execPath, [path.join(root, 'bin', 'lancer.js'), 'serve', ...passThrough]);
}
