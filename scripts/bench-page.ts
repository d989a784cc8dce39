/**
 * For benches that time the UI: the workbench served as `lancer serve` serves it, and Debian's
 * Chromium opened on it (one page of 1440×900). `close()` ends both.
 */
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createHandlers } from '../src/main/core/handlers/handlers';
import type { Workbench } from '../src/main/core/workbench';
import { ensureRendererBuilt } from '../src/main/server/renderer-build';
import { startServer } from '../src/main/server/serve';

export interface BenchPage {
  page: Page;
  browser: Browser;
  /** The served URL without its hash (routes are appended as `#/…`). */
  base: string;
  close(): Promise<void>;
}

/** `rendererDir`: a renderer built elsewhere; default: the repo's, built when out of date. */
export async function openBenchPage(wb: Workbench, root: string, rendererDir?: string): Promise<BenchPage> {
  const server = await startServer({
    handlers: createHandlers(wb),
    events: wb.events,
    rendererDir: rendererDir ? path.resolve(rendererDir) : ensureRendererBuilt(root, console.log),
    artifacts: { pathOf: (sha) => wb.artifacts.pathOf(sha), zipEntry: (sha, entry) => wb.replays.zipEntry(sha, entry) },
    live: wb.live,
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  return {
    page,
    browser,
    base: server.url.replace(/#.*/, ''),
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}
