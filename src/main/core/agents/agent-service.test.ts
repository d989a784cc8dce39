import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { builtinSolverInputSchema } from '../../../shared/agents';
import { AgentService, type ResolvedEndpoint } from './agent-service';

/** A real HTTP server on a free loopback port; `answer` decides what every request gets. */
async function listen(answer: (res: ServerResponse) => void): Promise<{ url: string; paths: string[]; server: Server }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(`${req.method} ${req.url} ${req.headers.authorization ?? 'no key'}`);
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, paths, server };
}

const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

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

  describe('a run refused when its model server gives no answer', () => {
    it('nothing listening: refused, naming the endpoint and the address it asked', async () => {
      // A port that was free a moment ago: nothing listens there now.
      const { url, server } = await listen(() => undefined);
      await close(server);
      const service = new AgentService({ resolveEndpoint: () => ({ ...saved, baseUrl: url }) });
      const spec = service.specFor(builtinSolverInputSchema.parse({ kind: 'builtin', endpoint: 'local' }));
      await expect(service.checkReady(spec)).rejects.toThrow(`endpoint local does not answer (GET ${url}/models: connection failed: ECONNREFUSED)`);
      const bare = new AgentService({ env: {} }).specFor(builtinSolverInputSchema.parse({ kind: 'builtin', baseUrl: url, model: 'm' }));
      await expect(new AgentService({ env: {} }).checkReady(bare)).rejects.toThrow(/^the model server does not answer .*: start the server or fix the base URL$/);
    });

    it('a server that accepts but never answers: refused once the wait is over', async () => {
      const { url, server } = await listen(() => undefined); // holds every request open
      try {
        const service = new AgentService({ env: {}, serverCheckTimeoutMs: 300 });
        const spec = service.specFor(builtinSolverInputSchema.parse({ kind: 'builtin', baseUrl: url, model: 'm' }));
        await expect(service.checkReady(spec)).rejects.toThrow(`GET ${url}/models: no answer within 300 ms`);
      } finally {
        server.closeAllConnections();
        await close(server);
      }
    });

    it('any HTTP answer will do, a 404 or a refused key included, and the key is not sent', async () => {
      for (const status of [200, 404, 401, 503]) {
        const { url, paths, server } = await listen((res) => res.writeHead(status).end('{}'));
        try {
          const service = new AgentService({ resolveEndpoint: () => ({ ...saved, baseUrl: url }) });
          await service.checkReady(service.specFor(builtinSolverInputSchema.parse({ kind: 'builtin', endpoint: 'local' })));
          expect(paths).toEqual(['GET /v1/models no key']);
        } finally {
          await close(server);
        }
      }
    });
  });
});
