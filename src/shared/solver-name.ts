/**
 * A run's solver in a few words. Apart from runs.ts (zod schemas) so the renderer can name
 * solvers without loading zod.
 */
import { assertNever } from './result';
import type { SolverSpec } from './runs';

/** A solver's short name: gold, null, a predictions file's name, `imported <label>`, `agent <model>`. */
export function solverName(solver: SolverSpec): string {
  switch (solver.kind) {
    case 'gold':
    case 'null':
      return solver.kind;
    case 'predictions':
      return solver.file.split(/[\\/]/).pop() ?? solver.file;
    case 'imported':
      return `imported ${solver.label}`;
    case 'builtin': {
      const agent = solver.agent?.name ?? 'builtin';
      return agent === 'builtin' ? `agent ${solver.endpoint.model}` : `${agent} ${solver.endpoint.model}`;
    }
    default:
      return assertNever(solver, 'solver');
  }
}
