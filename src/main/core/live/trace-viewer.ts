/**
 * Opens a trace in Playwright's own trace viewer, which ships inside playwright-core: its CLI
 * serves the viewer on 127.0.0.1 and prints the URL. Each viewer stops after 30 minutes or when
 * the app closes. (It serves files by path to local clients, as Playwright designed it; it is
 * loopback-only and short-lived for that reason.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const LIFETIME_MS = 30 * 60_000;
const viewers = new Set<ChildProcess>();

export async function openTraceViewer(traceFile: string, sha256: string): Promise<string> {
  // The viewer wants a .zip; artifacts are named by hash alone.
  const dir = path.join(os.tmpdir(), 'lancer-traces');
  mkdirSync(dir, { recursive: true });
  const zip = path.join(dir, `${sha256}.zip`);
  if (!existsSync(zip)) {
    try {
      linkSync(traceFile, zip);
    } catch {
      copyFileSync(traceFile, zip); // another filesystem: no hard link
    }
  }
  const cli = path.join(path.dirname(createRequire(import.meta.url).resolve('playwright-core/package.json')), 'cli.js');
  const child = spawn(process.execPath, [cli, 'show-trace', '--host', '127.0.0.1', '--port', '0', zip], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // The viewer would try to open a browser itself; there is none to open on a server.
    env: { ...process.env, BROWSER: 'none', DISPLAY: '' },
  });
  viewers.add(child);
  child.on('exit', () => viewers.delete(child));
  setTimeout(() => child.kill(), LIFETIME_MS).unref();
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`Playwright's trace viewer did not start: ${out.slice(-300)}`));
    }, 20_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const url = /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Playwright's trace viewer exited (${code}): ${out.slice(-300)}`));
    });
  });
}

export function stopTraceViewers(): void {
  for (const v of viewers) v.kill();
}
