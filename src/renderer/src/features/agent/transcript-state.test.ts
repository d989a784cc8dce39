import { describe, expect, it } from 'vitest';
import type { AgentStepRecord } from '../../../../shared/agents';
import { LiveTranscript } from './live-transcript';
import { argumentsText, filterSteps, foldText, formatOffset, lastIndex, mergeSteps, rowOffsets, skipsSteps, windowOf } from './transcript-state';

function step(index: number, over: Partial<AgentStepRecord> = {}): AgentStepRecord {
  return {
    index,
    at: new Date(1_795_000_000_000 + index * 1000).toISOString(),
    kind: 'tool',
    message: null,
    toolCall: null,
    observation: null,
    observationBytes: null,
    observationSha256: null,
    exitCode: null,
    durationMs: 10,
    usage: null,
    costUsd: null,
    fallback: false,
    note: null,
    ...over,
  };
}

describe('mergeSteps', () => {
  it('appends newer steps and keeps one copy of a step that came twice, in index order', () => {
    const a = [step(0), step(1)];
    expect(mergeSteps(a, [step(2)]).map((s) => s.index)).toEqual([0, 1, 2]);
    const newer = step(1, { observation: 'again' });
    const merged = mergeSteps(a, [step(3), newer, step(2)]);
    expect(merged.map((s) => s.index)).toEqual([0, 1, 2, 3]);
    expect(merged[1]?.observation).toBe('again');
    // Nothing new: the same array, so a view does not re-render.
    expect(mergeSteps(a, [])).toBe(a);
  });

  it('tells a step that skips indexes (an event was missed) from the next one', () => {
    const steps = [step(0), step(1)];
    expect(lastIndex(steps)).toBe(1);
    expect(lastIndex([])).toBe(-1);
    expect(skipsSteps(steps, step(2))).toBe(false);
    expect(skipsSteps(steps, step(4))).toBe(true);
    expect(skipsSteps(steps, step(1))).toBe(false);
  });
});

describe('filterSteps', () => {
  const steps = [
    step(0, { kind: 'model', message: 'I will look at the key handler', toolCall: { name: 'bash', arguments: { command: "grep -n shiftKey public/app.js" } } }),
    step(1, { observation: "42:  if (event.key === 'Enter' && event.shiftKey) {" }),
    step(2, { kind: 'note', note: 'the model replied DONE instead of calling finish', fallback: true }),
  ];

  it('finds steps by message, command, output, note, kind and fallback, in any case, every word', () => {
    expect(filterSteps(steps, '').map((s) => s.index)).toEqual([0, 1, 2]);
    expect(filterSteps(steps, 'SHIFTKEY').map((s) => s.index)).toEqual([0, 1]);
    expect(filterSteps(steps, 'grep app.js').map((s) => s.index)).toEqual([0]);
    expect(filterSteps(steps, 'fallback').map((s) => s.index)).toEqual([2]);
    expect(filterSteps(steps, 'note done').map((s) => s.index)).toEqual([2]);
    expect(filterSteps(steps, 'nowhere')).toEqual([]);
  });
});

describe('argumentsText and foldText', () => {
  it('shows a lone string argument as itself and the rest as JSON', () => {
    expect(argumentsText({ command: 'ls -la' })).toBe('ls -la');
    expect(argumentsText({})).toBe('');
    expect(argumentsText({ path: 'a', old_str: 'b' })).toBe('{\n  "path": "a",\n  "old_str": "b"\n}');
    expect(argumentsText('{"broken')).toBe('{"broken');
  });

  it('folds long texts by lines or by characters, and leaves short ones whole', () => {
    expect(foldText('one\ntwo')).toEqual({ head: 'one\ntwo', folded: false, lines: 2 });
    const many = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n');
    const folded = foldText(many, 12);
    expect(folded.folded).toBe(true);
    expect(folded.lines).toBe(30);
    expect(folded.head.split('\n')).toHaveLength(12);
    expect(foldText('x'.repeat(5000), 12, 1200)).toMatchObject({ folded: true, lines: 1 });
    expect(foldText('x'.repeat(5000), 12, 1200).head).toHaveLength(1200);
    // Twelve lines and a trailing newline leave nothing out.
    expect(foldText(`${Array.from({ length: 12 }, () => 'a').join('\n')}\n`, 12).folded).toBe(false);
  });

  it('formats offsets from the transcript start', () => {
    expect(formatOffset(7_400)).toBe('+0:07');
    expect(formatOffset(723_000)).toBe('+12:03');
    expect(formatOffset(3_723_000)).toBe('+1:02:03');
  });
});

describe('the virtual window', () => {
  it('places measured and estimated rows and renders only those near the viewport', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => i);
    const offsets = rowOffsets(keys, new Map([[0, 300], [1, 50]]), 100);
    expect(offsets[0]).toBe(0);
    expect(offsets[1]).toBe(300);
    expect(offsets[2]).toBe(350);
    expect(offsets[1000]).toBe(350 + 998 * 100);
    const top = windowOf(offsets, 0, 500, 200);
    expect(top.first).toBe(0);
    expect(top.end).toBe(6); // rows starting before 700 px: 0 (0), 1 (300), 2..5 (350..650)
    const middle = windowOf(offsets, 50_000, 500, 200);
    expect(middle.first).toBeGreaterThan(400);
    expect(middle.end - middle.first).toBeLessThan(12);
    const bottom = windowOf(offsets, offsets[1000]! - 500, 500, 200);
    expect(bottom.end).toBe(1000);
    expect(windowOf(rowOffsets([], new Map(), 100), 0, 500, 200)).toEqual({ first: 0, end: 0 });
  });
});

describe('LiveTranscript', () => {
  it('shows the stored steps, adds live ones once, and reads the store again after a missed event', async () => {
    const store = [step(0), step(1)];
    const asked: number[] = [];
    const live = new LiveTranscript(async (after) => {
      asked.push(after);
      return store.filter((s) => s.index > after);
    });
    const seen: number[][] = [];
    live.subscribe(() => seen.push(live.getSnapshot().steps.map((s) => s.index)));
    expect(live.getSnapshot().loading).toBe(true);
    await live.refresh();
    expect(live.getSnapshot()).toMatchObject({ loading: false, error: null });
    expect(live.getSnapshot().steps.map((s) => s.index)).toEqual([0, 1]);

    store.push(step(2));
    live.receive(step(2));
    live.receive(step(2)); // the same event twice changes nothing
    expect(live.getSnapshot().steps.map((s) => s.index)).toEqual([0, 1, 2]);

    // Steps 3 and 4 went out while the socket was down; 5 arrives: the store fills the hole.
    store.push(step(3), step(4), step(5));
    live.receive(step(5));
    await new Promise((r) => setTimeout(r, 0));
    expect(asked).toEqual([-1, 2]);
    expect(live.getSnapshot().steps.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(seen.at(-1)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('keeps what it has and reports a failed read', async () => {
    const live = new LiveTranscript(() => Promise.reject(new Error('gone')), [step(0)]);
    await live.refresh();
    expect(live.getSnapshot()).toMatchObject({ error: 'gone', loading: false });
    expect(live.getSnapshot().steps).toHaveLength(1);
  });
});
