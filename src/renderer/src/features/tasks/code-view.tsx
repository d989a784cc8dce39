/**
 * Source files with syntax highlighting (Python for the hidden tests, JavaScript for .mjs and
 * .js helpers) and a line-number gutter.
 */
import hljs from 'highlight.js/lib/core';
import javascript from 'highlight.js/lib/languages/javascript';
import python from 'highlight.js/lib/languages/python';
import { useMemo, type ReactElement } from 'react';

hljs.registerLanguage('python', python);
hljs.registerLanguage('javascript', javascript);

/** The highlight.js language for a file name, or null for plain text. */
export function languageFor(fileName: string): 'python' | 'javascript' | null {
  if (/\.py$/i.test(fileName)) return 'python';
  if (/\.(mjs|cjs|js|jsx|ts|tsx)$/i.test(fileName)) return 'javascript';
  return null;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function CodeView({ fileName, code }: { fileName: string; code: string }): ReactElement {
  const language = languageFor(fileName);
  const html = useMemo(
    () => (language ? hljs.highlight(code, { language, ignoreIllegals: true }).value : escapeHtml(code)),
    [code, language],
  );
  const lineCount = code.split('\n').length;
  const gutter = useMemo(() => Array.from({ length: lineCount }, (_, i) => i + 1).join('\n'), [lineCount]);
  return (
    <figure className="code-view" data-testid="code-view" data-language={language ?? 'text'}>
      <figcaption>
        <span className="code-name">{fileName}</span>
        <span className="muted">{language === 'python' ? 'Python' : language === 'javascript' ? 'JavaScript' : 'Text'} · {lineCount} lines</span>
      </figcaption>
      <div className="code-scroll">
        <pre className="code-gutter" aria-hidden="true">{gutter}</pre>
        {/* highlight.js escapes the source; its output holds only its own spans. */}
        <pre className="code-body"><code className="hljs" dangerouslySetInnerHTML={{ __html: html }} /></pre>
      </div>
    </figure>
  );
}
