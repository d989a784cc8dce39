/**
 * Turns a run's solver choice into a Solver. Predictions files are read once per content and
 * checked against the hash recorded in the run's manifest, so a resumed run grades what it
 * started with.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { RunStartInput, SolverSpec } from '../../../shared/runs';
import { AppError } from '../../../shared/result';
import { goldSolver, nullSolver, predictionsSolver, readPredictions } from './builtin-solvers';
import type { Solver } from './solver';

const cache = new Map<string, { sha256: string; mtimeMs: number; size: number; solver: Solver; count: number }>();

function statOrMissing(file: string): { mtimeMs: number; size: number } {
  try {
    const { mtimeMs, size } = statSync(file);
    return { mtimeMs, size };
  } catch {
    return { mtimeMs: -1, size: -1 }; // readPredictions reports the missing file
  }
}

export function builtinSolverFor(choice: RunStartInput['solver'] | SolverSpec): { spec: SolverSpec; solver: Solver } {
  switch (choice.kind) {
    case 'gold':
      return { spec: { kind: 'gold' }, solver: goldSolver };
    case 'null':
      return { spec: { kind: 'null' }, solver: nullSolver };
    case 'predictions': {
      const file = path.resolve(choice.file);
      // Every attempt of a run asks again; reread only when the file changed on disk.
      const { mtimeMs, size } = statOrMissing(file);
      const known = cache.get(file);
      const fresh = known && known.mtimeMs === mtimeMs && known.size === size ? null : readPredictions(file);
      const sha256 = fresh?.sha256 ?? known!.sha256;
      if ('sha256' in choice && choice.sha256 !== sha256) {
        throw new AppError('conflict', `${file} changed since the run started (sha256 ${choice.sha256.slice(0, 12)}… then, ${sha256.slice(0, 12)}… now)`);
      }
      const entry = fresh ? { sha256, mtimeMs, size, solver: predictionsSolver(fresh.predictions), count: fresh.predictions.size } : known!;
      cache.set(file, entry);
      return { spec: { kind: 'predictions', file, sha256, count: entry.count }, solver: entry.solver };
    }
    case 'builtin':
      // A model agent needs the run's proxy and each attempt's hooks: the engine makes it (AgentService).
      throw new AppError('internal', 'the built-in agent is made per attempt by the engine, not here');
    case 'imported':
      // Imported results are finished when they enter the ledger; nothing is ever solved again.
      throw new AppError('invalid_input', `an imported run (${choice.label}) has nothing to run`);
  }
}
