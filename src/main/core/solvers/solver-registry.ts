/**
 * Turns a run's solver choice into a Solver. Predictions files are read once per content and
 * checked against the hash recorded in the run's manifest, so a resumed run grades what it
 * started with.
 */
import path from 'node:path';
import type { RunStartInput, SolverSpec } from '../../../shared/runs';
import { AppError } from '../../../shared/result';
import { goldSolver, nullSolver, predictionsSolver, readPredictions } from './builtin-solvers';
import type { Solver } from './solver';

const cache = new Map<string, { sha256: string; solver: Solver; count: number }>();

export function builtinSolverFor(choice: RunStartInput['solver'] | SolverSpec): { spec: SolverSpec; solver: Solver } {
  switch (choice.kind) {
    case 'gold':
      return { spec: { kind: 'gold' }, solver: goldSolver };
    case 'null':
      return { spec: { kind: 'null' }, solver: nullSolver };
    case 'predictions': {
      const file = path.resolve(choice.file);
      const { predictions, sha256 } = readPredictions(file);
      if ('sha256' in choice && choice.sha256 !== sha256) {
        throw new AppError('conflict', `${file} changed since the run started (sha256 ${choice.sha256.slice(0, 12)}… then, ${sha256.slice(0, 12)}… now)`);
      }
      const cached = cache.get(file);
      const entry = cached?.sha256 === sha256 ? cached : { sha256, solver: predictionsSolver(predictions), count: predictions.size };
      cache.set(file, entry);
      return { spec: { kind: 'predictions', file, sha256, count: entry.count }, solver: entry.solver };
    }
  }
}
