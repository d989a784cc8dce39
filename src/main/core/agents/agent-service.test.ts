import { describe, expect, it } from 'vitest';
import { builtinSolverInputSchema } from '../../../shared/agents';
import { AgentService, type ResolvedEndpoint } from './agent-service';

const saved: ResolvedEndpoint = {
  name: 'local',
  baseUrl: 'http://127.0.0.1:8080/v1',
  model: 'qwen',
  protocol: 'official',
  prices: { inputPerM: 1, cachedInputPerM: 0.5, outputPerM: 2 },
  contextTokens: 32_000,
  params: { temperature: 0.2 },
  apiKey: 'sk-stored-secret-value',
  apiKeySource: { source: 'stored' },
};

describe('the built-in agent as a run solver', () => {
  it('records the endpoint, protocol, prices and limits in the manifest, never the key', () => {
    const service = new AgentService({ resolveEndpoint: () => saved });
    const spec = service.specFor(builtinSolverInputSchema.parse({ kind: 'builtin', endpoint: 'local', maxTurns: 12, budgetUsd: 5 }));
    expect(spec).toMatchObject({
      protocol: 'official',
      endpoint: { name: 'local', model: 'qwen', apiKey: { source: 'stored' }, prices: saved.prices, contextTokens: 32_000, params: { temperature: 0.2 } },
      limits: { maxTurns: 12, actionTimeoutSec: 300 },
      budgetUsd: 5,
    });
    expect(JSON.stringify(spec)).not.toContain('sk-stored-secret-value');
  });

  it('refuses a run whose key variable is not set, naming the variable', () => {
    const service = new AgentService({ env: {} });
    const input = builtinSolverInputSchema.parse({ kind: 'builtin', baseUrl: 'http://127.0.0.1:9/v1', model: 'm', apiKeyEnv: 'MY_KEY' });
    expect(() => service.specFor(input)).toThrow(/MY_KEY is not set/);
    const ok = new AgentService({ env: { MY_KEY: 'x' } }).specFor(input);
    expect(ok.endpoint.apiKey).toEqual({ source: 'env', name: 'MY_KEY' });
    expect(ok.protocol).toBe('official');
  });

  it('takes a saved endpoint or a base URL with a model, not a mix', () => {
    expect(builtinSolverInputSchema.safeParse({ kind: 'builtin', endpoint: 'local', model: 'm' }).success).toBe(false);
    expect(builtinSolverInputSchema.safeParse({ kind: 'builtin', baseUrl: 'http://x/v1' }).success).toBe(false);
    expect(builtinSolverInputSchema.safeParse({ kind: 'builtin', baseUrl: 'file:///etc/passwd', model: 'm' }).success).toBe(false);
    expect(builtinSolverInputSchema.safeParse({ kind: 'builtin', baseUrl: 'http://x/v1', model: 'm' }).success).toBe(true);
  });

  it("enforces what is left of a resumed run's budget: earlier processes' spend counts", async () => {
    const service = new AgentService({ env: {} });
    const spec = service.specFor(builtinSolverInputSchema.parse({ kind: 'builtin', baseUrl: 'http://127.0.0.1:9/v1', model: 'm', budgetUsd: 5 }));
    try {
      // Not open here yet: the ledger decides.
      expect(service.runBudgetSpent('r1', spec, () => 4.99)).toBe(false);
      expect(service.runBudgetSpent('r1', spec, () => 5)).toBe(true);
      // Opened after $5 were spent by an earlier process: nothing is left for the proxy to allow.
      await service.openRun('r1', spec, 5);
      expect(service.runBudgetSpent('r1', spec, () => 0)).toBe(true);
      await service.openRun('r2', spec, 1);
      expect(service.runBudgetSpent('r2', spec, () => 0)).toBe(false);
    } finally {
      await service.stop();
    }
  });
});
