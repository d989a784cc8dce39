import { describe, expect, it } from 'vitest';
import { builtinSolverInputSchema } from '../../../../shared/agents';
import { agentSolverInput, emptyAgentDraft } from './agent-solver-fields';

describe('agentSolverInput', () => {
  it('sends a saved endpoint with only the limits that were filled in, as the contract takes it', () => {
    const built = agentSolverInput({ ...emptyAgentDraft, endpoint: 'local', protocol: 'tools', maxTurns: '12', attemptBudgetUsd: '0.5', wallTimeMin: '2', budgetUsd: '3' });
    expect(built).toEqual({ input: { kind: 'builtin', endpoint: 'local', protocol: 'tools', maxTurns: 12, attemptBudgetUsd: 0.5, wallTimeSec: 120, budgetUsd: 3 } });
    if ('input' in built) expect(builtinSolverInputSchema.safeParse(built.input).success).toBe(true);
  });

  it('sends an inline server with the name of its key variable, never a key', () => {
    const built = agentSolverInput({ ...emptyAgentDraft, baseUrl: ' http://127.0.0.1:8080/v1 ', model: 'qwen', apiKeyEnv: 'MY_KEY', maxTokens: '50000' });
    expect(built).toEqual({ input: { kind: 'builtin', baseUrl: 'http://127.0.0.1:8080/v1', model: 'qwen', apiKeyEnv: 'MY_KEY', maxTokens: 50000 } });
    if ('input' in built) expect(builtinSolverInputSchema.safeParse(built.input).success).toBe(true);
  });

  it('says what is wrong in the form before the server does', () => {
    const problem = (draft: Partial<typeof emptyAgentDraft>): string | null => {
      const built = agentSolverInput({ ...emptyAgentDraft, ...draft });
      return 'problem' in built ? built.problem : null;
    };
    expect(problem({ baseUrl: 'localhost:8080', model: 'm' })).toMatch(/base URL/);
    expect(problem({ baseUrl: 'http://u:p@host/v1', model: 'm' })).toMatch(/credentials/);
    expect(problem({ baseUrl: 'http://host/v1' })).toMatch(/model/);
    expect(problem({ baseUrl: 'http://host/v1', model: 'm', apiKeyEnv: 'sk-123' })).toMatch(/environment variable/);
    expect(problem({ endpoint: 'e', maxTurns: '0' })).toMatch(/Max turns/);
    expect(problem({ endpoint: 'e', maxTurns: '2.5' })).toMatch(/Max turns/);
    expect(problem({ endpoint: 'e', attemptBudgetUsd: '-1' })).toMatch(/attempt budget/);
    expect(problem({ endpoint: 'e', wallTimeMin: '0.1' })).toMatch(/wall time/);
    expect(problem({ endpoint: 'e' })).toBeNull();
  });
});
