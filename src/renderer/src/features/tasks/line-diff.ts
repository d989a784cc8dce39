/**
 * Line diffs between two texts (two manager proposals), numbered for display.
 */
import { diffLines } from 'diff';

export interface DiffLine {
  kind: 'add' | 'del' | 'context';
  text: string;
  oldNo: number | null;
  newNo: number | null;
}

export function lineDiff(before: string, after: string): DiffLine[] {
  const out: DiffLine[] = [];
  let oldNo = 1;
  let newNo = 1;
  for (const part of diffLines(before, after)) {
    const lines = part.value.replace(/\n$/, '').split('\n');
    for (const text of lines) {
      if (part.added) out.push({ kind: 'add', text, oldNo: null, newNo: newNo++ });
      else if (part.removed) out.push({ kind: 'del', text, oldNo: oldNo++, newNo: null });
      else out.push({ kind: 'context', text, oldNo: oldNo++, newNo: newNo++ });
    }
  }
  return out;
}
