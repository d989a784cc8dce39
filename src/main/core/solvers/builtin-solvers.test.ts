import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../tests/helpers/temp-dir';
import { readPredictions } from './builtin-solvers';

describe('readPredictions', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = makeTempDir()));
  afterEach(() => cleanup());
  const file = (text: string): string => {
    const p = path.join(dir, 'p.jsonl');
    writeFileSync(p, text);
    return p;
  };

  it('reads patches and decisions, skipping blank lines', () => {
    const { predictions, sha256 } = readPredictions(file('{"question_id":"1","patch":"diff"}\n\n{"question_id":"2-manager-0","selected_proposal_id":3}\n'));
    expect([...predictions.entries()]).toEqual([['1', { patch: 'diff', selectedProposalId: undefined }], ['2-manager-0', { patch: undefined, selectedProposalId: 3 }]]);
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names the file and line of a bad prediction', () => {
    expect(() => readPredictions(file('{"question_id":"1","patch":"d"}\n{oops'))).toThrow(/p\.jsonl line 2: not JSON/);
    expect(() => readPredictions(file('{"patch":"d"}'))).toThrow(/line 1: question_id must be a non-empty string/);
    expect(() => readPredictions(file('{"question_id":"1"}'))).toThrow(/needs patch or selected_proposal_id/);
    expect(() => readPredictions(file('{"question_id":"1","selected_proposal_id":"2"}'))).toThrow(/must be an integer/);
    expect(() => readPredictions(file('{"question_id":"1","patch":"a"}\n{"question_id":"1","patch":"b"}'))).toThrow(/line 2: a second prediction for 1/);
    expect(() => readPredictions(path.join(dir, 'missing.jsonl'))).toThrow(/missing\.jsonl/);
  });
});

describe('builtinSolverFor(predictions)', () => {
  it('records the hash, and refuses a file changed since the run started', async () => {
    const { builtinSolverFor } = await import('./solver-registry');
    const { dir, cleanup } = makeTempDir();
    const p = path.join(dir, 'preds.jsonl');
    writeFileSync(p, '{"question_id":"1","patch":"d"}\n');
    const { spec } = builtinSolverFor({ kind: 'predictions', file: p });
    expect(spec).toMatchObject({ kind: 'predictions', file: p, count: 1 });
    expect(builtinSolverFor(spec).spec).toEqual(spec);
    writeFileSync(p, '{"question_id":"1","patch":"d"}\n{"question_id":"2","patch":"e"}\n');
    expect(() => builtinSolverFor(spec)).toThrow(/changed since the run started/);
    cleanup();
  });
});
