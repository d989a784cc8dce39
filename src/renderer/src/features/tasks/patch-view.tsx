/**
 * A unified diff (the bug-reintroducing patch) shown with file headers, hunk headers, and
 * added/removed lines in colour with old and new line numbers.
 */
import { useMemo, type ReactElement } from 'react';

export type PatchLineKind = 'file' | 'meta' | 'hunk' | 'add' | 'del' | 'context';

export interface PatchLine {
  kind: PatchLineKind;
  text: string;
  oldNo: number | null;
  newNo: number | null;
}

/** Classifies each line of a unified diff and numbers it; exported for tests. */
export function parsePatch(patch: string): PatchLine[] {
  const out: PatchLine[] = [];
  let oldNo = 0;
  let newNo = 0;
  // Lines still owed by the current hunk, from its header: a removed line reading "--- x" is
  // then still a removal, not a file name.
  let oldLeft = 0;
  let newLeft = 0;
  for (const text of patch.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n')) {
    const inHunk = oldLeft > 0 || newLeft > 0;
    const hunk = inHunk ? null : /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(text);
    if (hunk) {
      oldNo = Number(hunk[1]);
      oldLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
      newNo = Number(hunk[3]);
      newLeft = hunk[4] === undefined ? 1 : Number(hunk[4]);
      out.push({ kind: 'hunk', text, oldNo: null, newNo: null });
    } else if (!inHunk) {
      out.push({ kind: text.startsWith('diff ') ? 'file' : 'meta', text, oldNo: null, newNo: null });
    } else if (text.startsWith('+')) {
      newLeft -= 1;
      out.push({ kind: 'add', text, oldNo: null, newNo: newNo++ });
    } else if (text.startsWith('-')) {
      oldLeft -= 1;
      out.push({ kind: 'del', text, oldNo: oldNo++, newNo: null });
    } else if (text.startsWith('\\')) {
      out.push({ kind: 'meta', text, oldNo: null, newNo: null });
    } else {
      oldLeft -= 1;
      newLeft -= 1;
      out.push({ kind: 'context', text, oldNo: oldNo++, newNo: newNo++ });
    }
  }
  return out;
}

export function PatchView({ patch, title }: { patch: string; title: string }): ReactElement {
  const lines = useMemo(() => parsePatch(patch), [patch]);
  const added = lines.filter((l) => l.kind === 'add').length;
  const removed = lines.filter((l) => l.kind === 'del').length;
  return (
    <figure className="patch-view" data-testid="patch-view">
      <figcaption>
        <span className="code-name">{title}</span>
        <span className="patch-stat">
          <span className="diff-add-text">+{added}</span> <span className="diff-del-text">−{removed}</span>
        </span>
      </figcaption>
      <div className="code-scroll">
        <table className="diff-table">
          <tbody>
            {lines.map((line, i) => (
              <tr key={i} className={`diff-${line.kind}`}>
                <td className="diff-no">{line.oldNo ?? ''}</td>
                <td className="diff-no">{line.newNo ?? ''}</td>
                <td className="diff-text">{line.text}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
