/**
 * Debian's Chromium driven by playwright-core (Playwright's own browser download cannot run on
 * these machines). Suites skip when no Chromium is installed.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { required } from './requirements';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = required(`Chromium at ${chromiumPath}`, existsSync(chromiumPath));

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage', '--no-first-run'],
  });
}
