/**
 * Task text (GitHub issue markdown with embedded HTML) to sanitised HTML.
 *
 * Descriptions and proposals come from scraped GitHub issues, so they are untrusted: after
 * markdown rendering, DOMPurify drops scripts, event handlers, styles, frames, forms and media;
 * then links are made to leave the app (target=_blank, and only http(s)/mailto survive, so a
 * `#/runs`-style link cannot steer the app's own router) and remote images, which the page's
 * CSP would block anyway, become links to the image.
 */
import DOMPurify from 'dompurify';
import { Marked } from 'marked';

const marked = new Marked({ gfm: true, breaks: true, async: false });

const purify = DOMPurify(window);

const FORBID_TAGS = [
  'style', 'script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'form', 'input', 'button', 'textarea',
  'select', 'option', 'video', 'audio', 'source', 'track', 'picture', 'svg', 'math', 'link', 'meta', 'base', 'template',
];
const FORBID_ATTR = ['style', 'srcset', 'action', 'formaction', 'xlink:href', 'id', 'name', 'class'];

/** Web and mail links may leave the app; everything else (javascript:, file:, #fragments) may not. */
export function isExternalHref(href: string | null): href is string {
  return href !== null && /^(https?:\/\/|mailto:)/i.test(href.trim());
}

/** Sanitises HTML produced from untrusted text; exported for tests. */
export function sanitizeHtml(html: string): string {
  const clean = purify.sanitize(html, {
    FORBID_TAGS,
    FORBID_ATTR,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
  });
  // A DOMParser document is inert: nothing in it runs or loads while we rewrite it.
  const doc = new DOMParser().parseFromString(`<body>${clean}</body>`, 'text/html');
  for (const a of Array.from(doc.body.querySelectorAll('a'))) {
    const href = a.getAttribute('href');
    if (isExternalHref(href)) {
      a.setAttribute('href', href.trim());
      a.setAttribute('target', '_blank');
      a.setAttribute('rel', 'noopener noreferrer');
      a.setAttribute('title', href.trim());
    } else {
      a.removeAttribute('href');
      a.removeAttribute('target');
    }
  }
  for (const img of Array.from(doc.body.querySelectorAll('img'))) {
    const src = img.getAttribute('src') ?? '';
    if (/^data:image\/(png|gif|jpe?g|webp);/i.test(src)) continue;
    const alt = img.getAttribute('alt')?.trim() || 'image';
    const external = isExternalHref(src);
    const replacement = doc.createElement(external ? 'a' : 'span');
    replacement.className = 'md-image-link';
    replacement.textContent = `[image: ${alt}]`;
    if (external) {
      replacement.setAttribute('href', src.trim());
      replacement.setAttribute('target', '_blank');
      replacement.setAttribute('rel', 'noopener noreferrer');
      replacement.setAttribute('title', src.trim());
    }
    img.replaceWith(replacement);
  }
  return doc.body.innerHTML;
}

const cache = new Map<string, string>();

/** Markdown (with inline HTML) to sanitised HTML, memoised: the same text renders many times. */
export function renderMarkdown(text: string): string {
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const html = sanitizeHtml(marked.parse(text, { async: false }));
  if (cache.size > 200) cache.clear();
  cache.set(text, html);
  return html;
}
