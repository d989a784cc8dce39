import { describe, expect, it } from 'vitest';
import { builtinSolverInputSchema } from '../../../../shared/agents';
import { agentImagePrefix, agentSolverInput, emptyAgentDraft } from './agent-solver-fields';

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

  it('sends a CLI agent by name, and leaves the built-in one (the default) unnamed', () => {
    const builtin = agentSolverInput({ ...emptyAgentDraft, endpoint: 'local' });
    expect(builtin).toEqual({ input: { kind: 'builtin', endpoint: 'local' } });
    const codex = agentSolverInput({ ...emptyAgentDraft, agent: 'codex', endpoint: 'local', maxTurns: '5' });
    expect(codex).toEqual({ input: { kind: 'builtin', agent: 'codex', endpoint: 'local', maxTurns: 5 } });
    if ('input' in codex) expect(builtinSolverInputSchema.safeParse(codex.input).success).toBe(true);
  });

  it("drops the protocol for an agent that is not the built-in one (it speaks its own)", () => {
    expect(agentSolverInput({ ...emptyAgentDraft, agent: 'claude-code', endpoint: 'local', protocol: 'official' })).toEqual({
      input: { kind: 'builtin', agent: 'claude-code', endpoint: 'local' },
    });
  });

  it('sends a custom agent with its command line, and only a custom agent takes one', () => {
    const custom = agentSolverInput({ ...emptyAgentDraft, agent: 'custom', agentCommand: '  my-agent --prompt "$LANCER_PROMPT_FILE"\n', endpoint: 'local' });
    expect(custom).toEqual({ input: { kind: 'builtin', agent: 'custom', agentCommand: 'my-agent --prompt "$LANCER_PROMPT_FILE"', endpoint: 'local' } });
    if ('input' in custom) expect(builtinSolverInputSchema.safeParse(custom.input).success).toBe(true);
    // A command typed and then left for another agent is not sent.
    const codex = agentSolverInput({ ...emptyAgentDraft, agent: 'codex', agentCommand: 'my-agent', endpoint: 'local' });
    expect(codex).toEqual({ input: { kind: 'builtin', agent: 'codex', endpoint: 'local' } });
    if ('input' in codex) expect(builtinSolverInputSchema.safeParse(codex.input).success).toBe(true);
    const empty = agentSolverInput({ ...emptyAgentDraft, agent: 'custom', agentCommand: ' ', endpoint: 'local' });
    expect(empty).toEqual({ problem: expect.stringMatching(/command line/) });
  });

  it('takes an image prefix for a custom agent only, checked as the contract checks it', () => {
    expect(agentImagePrefix({ ...emptyAgentDraft, agent: 'custom', imagePrefix: ' registry.example.com/my-agent ' })).toEqual({ prefix: 'registry.example.com/my-agent' });
    expect(agentImagePrefix({ ...emptyAgentDraft, agent: 'custom', imagePrefix: '' })).toEqual({ prefix: undefined });
    expect(agentImagePrefix({ ...emptyAgentDraft, agent: 'codex', imagePrefix: 'mine' })).toEqual({ prefix: undefined });
    expect(agentImagePrefix({ ...emptyAgentDraft, agent: 'custom', imagePrefix: 'Mine:latest' })).toEqual({ problem: expect.stringMatching(/image prefix/) });
  });
});
