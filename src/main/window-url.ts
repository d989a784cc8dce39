/**
 * Which URLs are the app's own renderer, for the window's navigation guard. Kept apart from
 * window.ts (which needs Electron) so the rule is tested on its own.
 */
import { pathToFileURL } from 'node:url';

/**
 * Whether `url` is the app's own renderer: in development any page of the dev server's origin;
 * otherwise exactly the built renderer's index.html, with any #route or ?query. Any other file
 * (another index.html elsewhere on disk included), scheme or host is not the app.
 */
export function isOwnRendererUrl(url: string, renderer: { devServerUrl?: string; file: string }): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  if (renderer.devServerUrl) {
    const dev = new URL(renderer.devServerUrl);
    // file: and other opaque origins all serialize as "null": only a real web origin can match.
    return (dev.protocol === 'http:' || dev.protocol === 'https:') && target.origin === dev.origin;
  }
  if (target.protocol !== 'file:') return false;
  target.hash = '';
  target.search = '';
  return target.href === pathToFileURL(renderer.file).href;
}
