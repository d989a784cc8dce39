/**
 * The window's navigation guard: only the app's own renderer counts as the app, so a page (or
 * a link it shows) cannot take the window, with its preload, to another file or site.
 */
import { describe, expect, it } from 'vitest';
import { isOwnRendererUrl } from './window-url';

const built = { file: '/opt/lancer/out/renderer/index.html' };
const dev = { devServerUrl: 'http://localhost:5173', file: built.file };

describe('isOwnRendererUrl', () => {
  it('accepts the built renderer file with any #route or ?query', () => {
    expect(isOwnRendererUrl('file:///opt/lancer/out/renderer/index.html', built)).toBe(true);
    expect(isOwnRendererUrl('file:///opt/lancer/out/renderer/index.html#/runs/run-1', built)).toBe(true);
    expect(isOwnRendererUrl('file:///opt/lancer/out/renderer/index.html?x=1#/live', built)).toBe(true);
  });

  it('refuses another index.html, however its path or URL mentions the renderer', () => {
    for (const url of [
      'file:///tmp/evil/index.html',
      'file:///opt/lancer/out/renderer/index.html.evil/index.html',
      'file:///opt/lancer/out/renderer/other.html#index.html',
      'file:///tmp/x?/opt/lancer/out/renderer/index.html',
      'file://evil-host/opt/lancer/out/renderer/index.html',
      'file:///opt/lancer/out/renderer/',
    ]) {
      expect(isOwnRendererUrl(url, built), url).toBe(false);
    }
  });

  it('refuses web pages and other schemes for the built renderer, and what is not a URL', () => {
    for (const url of ['https://example.com/index.html', 'lancer-artifact://a/index.html', 'javascript:alert(1)//index.html', 'index.html', '']) {
      expect(isOwnRendererUrl(url, built), url).toBe(false);
    }
  });

  it('in development accepts the dev server origin only, not a host that starts like it', () => {
    expect(isOwnRendererUrl('http://localhost:5173/', dev)).toBe(true);
    expect(isOwnRendererUrl('http://localhost:5173/#/settings', dev)).toBe(true);
    expect(isOwnRendererUrl('http://localhost:5173.evil.com/', dev)).toBe(false);
    expect(isOwnRendererUrl('http://localhost:51730/', dev)).toBe(false);
    expect(isOwnRendererUrl('https://localhost:5173/', dev)).toBe(false);
    expect(isOwnRendererUrl('file:///opt/lancer/out/renderer/index.html', dev)).toBe(false);
  });
});
