#!/usr/bin/env node
// `npm run electron:setup`: for machines that can reach GitHub and electronjs.org. Downloads
// Electron's binary (skipped at install so install never fails offline) and compiles a second
// better-sqlite3 binary for Electron's ABI into build/electron/, leaving Node's binary, which
// tests, serve mode and the CLI load, untouched.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const electronDir = path.dirname(require.resolve('electron/package.json'));
const electronVersion = JSON.parse(readFileSync(path.join(electronDir, 'package.json'), 'utf8')).version;

console.log(`Downloading Electron ${electronVersion}…`);
execFileSync(process.execPath, [path.join(electronDir, 'install.js')], { stdio: 'inherit', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '' } });

console.log(`Compiling better-sqlite3 for Electron ${electronVersion}…`);
const sqliteDir = path.dirname(require.resolve('better-sqlite3/package.json'));
const work = mkdtempSync(path.join(os.tmpdir(), 'lancer-sqlite-'));
try {
  cpSync(sqliteDir, work, { recursive: true, filter: (src) => !src.includes(`${path.sep}build${path.sep}`) });
  const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [path.dirname(process.execPath), '/usr/lib/node_modules/npm', root] });
  execFileSync(process.execPath, [nodeGyp, 'rebuild', '--release', `--target=${electronVersion}`, '--runtime=electron', '--dist-url=https://electronjs.org/headers'], { cwd: work, stdio: 'inherit' });
  mkdirSync(path.join(sqliteDir, 'build', 'electron'), { recursive: true });
  cpSync(path.join(work, 'build', 'Release', 'better_sqlite3.node'), path.join(sqliteDir, 'build', 'electron', 'better_sqlite3.node'));
  console.log('Done: `npm start` now opens the desktop window.');
} finally {
  rmSync(work, { recursive: true, force: true });
}
