/**
 * Shows sanitised markdown and keeps every link out of the app: a click opens a new window
 * (Electron's window handler hands it to the system browser; a browser opens a tab), and never
 * navigates this page.
 */
import { useMemo, type MouseEvent, type ReactElement } from 'react';
import { isExternalHref, renderMarkdown } from './markdown';

function interceptLinks(event: MouseEvent<HTMLElement>): void {
  const target = event.target instanceof Element ? event.target.closest('a') : null;
  if (!target) return;
  event.preventDefault();
  const href = target.getAttribute('href');
  if (isExternalHref(href)) window.open(href, '_blank', 'noopener,noreferrer');
}

export function MarkdownView({ text, className, testId }: { text: string; className?: string; testId?: string }): ReactElement {
  const html = useMemo(() => renderMarkdown(text), [text]);
  return (
    <div
      className={`markdown${className ? ` ${className}` : ''}`}
      data-testid={testId}
      onClick={interceptLinks}
      onAuxClick={interceptLinks}
      // Sanitised by renderMarkdown (DOMPurify plus link and image rewriting).
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}
