// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { renderMarkdown, sanitizeHtml } from './markdown';

function dom(html: string): HTMLElement {
  const div = document.createElement('div');
  div.innerHTML = html;
  return div;
}

describe('renderMarkdown', () => {
  it('renders markdown and inline HTML', () => {
    const root = dom(renderMarkdown('### Steps\n1. Open **chat**\n\n<details><summary>More</summary>text</details>'));
    expect(root.querySelector('h3')?.textContent).toBe('Steps');
    expect(root.querySelector('strong')?.textContent).toBe('chat');
    expect(root.querySelector('details summary')?.textContent).toBe('More');
  });

  it('drops scripts, event handlers, frames, forms, styles and javascript: links', () => {
    const root = dom(
      renderMarkdown(
        '<script>alert(1)</script><img src=x onerror="alert(2)"><iframe src="https://e.test"></iframe>' +
          '<form><input></form><div style="position:fixed" onclick="alert(3)">x</div><a href="javascript:alert(4)">js</a>' +
          '<svg onload="alert(5)"></svg>[md](javascript:alert(6))',
      ),
    );
    expect(root.querySelectorAll('script, iframe, form, input, svg, style, img').length).toBe(0);
    for (const el of Array.from(root.querySelectorAll('*'))) {
      expect(el.getAttributeNames().filter((a) => a.startsWith('on') || a === 'style')).toEqual([]);
      expect(el.getAttribute('href') ?? '').not.toMatch(/javascript:/i);
    }
  });

  it('sends web links out of the app and strips in-app ones', () => {
    const root = dom(renderMarkdown('[out](https://github.com/Expensify/App) <a href="#/settings">in</a> <a href="/api/x">rel</a>'));
    const [out, inApp, relative] = Array.from(root.querySelectorAll('a'));
    expect(out?.getAttribute('target')).toBe('_blank');
    expect(out?.getAttribute('rel')).toBe('noopener noreferrer');
    expect(inApp?.hasAttribute('href')).toBe(false);
    expect(relative?.hasAttribute('href')).toBe(false);
  });

  it('turns remote images into links and keeps data: images', () => {
    const root = dom(sanitizeHtml('<img alt="shot" src="https://user-images.example/x.png"><img src="data:image/png;base64,AAAA">'));
    expect(root.querySelector('a.md-image-link')?.textContent).toBe('[image: shot]');
    expect(root.querySelector('a.md-image-link')?.getAttribute('target')).toBe('_blank');
    expect(root.querySelectorAll('img').length).toBe(1);
    expect(root.querySelector('img')?.getAttribute('src')).toMatch(/^data:image\/png/);
  });
});
