/**
 * `npm run bench:agent`, in one run:
 * 1. The built-in agent loop's own time per step. A scripted model (real HTTP, behind the
 *    metering proxy as in production) makes the agent run N trivial `bash` calls (`ls`) on a
 *    sample manager task, then `finish`. Per step: from the model's reply leaving the model server
 *    to the agent's next request reaching it, less the command's own run time (the tool step's
 *    durationMs in the ledger). Against a bare exec of the same command in the same kind of
 *    container (dockerode, the docker CLI, the engine's own exec; half before the agent's run,
 *    half after). Goal: under 1.5× a bare exec. The loop's own time is split into its parts with
 *    the server's, the agent's fetch's, the ledger's and the proxy's (raw exchanges) clocks.
 * 2. The metering proxy's added latency: the same small chat completion sent directly to the
 *    scripted server and through a MeteringProxy to it, interleaved, non-streaming and streaming.
 *    Goal: under 2 ms at p50.
 *
 * Options: --steps N (default 30), --execs N (bare execs of each kind, default 60),
 * --requests N (proxy pairs of each mode, default 400).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import type { AgentStepRecord } from '../src/shared/agents';
import type { RunEvent } from '../src/shared/runs';
import { MeteringProxy, RAW_EXCHANGES_NAME } from '../src/main/core/agents/proxy';
import { importDataset } from '../src/main/core/dataset/importer';
import { officialEnv } from '../src/main/core/engine/attempt-runner';
import { LABEL_APP, LABEL_APP_VALUE, shellQuote, type TaskContainer } from '../src/main/core/engine/container-runtime';
import { DockerRuntime } from '../src/main/core/engine/docker-runtime';
import { imageFor } from '../src/main/core/engine/profiles';
import { storeIdFor, Workbench } from '../src/main/core/workbench';
import { ensureSampleImages, sampleCsv, sampleIssues } from '../tests/helpers/sample-images';
import { startScriptedModelServer, type RecordedRequest, type ScriptedModelServer, type ScriptedReply } from '../tests/helpers/scripted-model-server';
import { makeTempDir } from '../tests/helpers/temp-dir';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const n = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
};
const STEPS = arg('steps', 30);
const EXECS = arg('execs', 60);
const REQUESTS = arg('requests', 400);
const COMMAND = 'ls';
const KEY_ENV = 'LANCER_BENCH_AGENT_KEY';
const KEY = `sk-bench-${randomBytes(16).toString('hex')}`;

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;
const ms = (n: number, digits = 1): string => `${n.toFixed(digits)} ms`;
const stats = (xs: number[], digits = 1): string => `p50 ${ms(pct(xs, 50), digits)}, p95 ${ms(pct(xs, 95), digits)} (min ${ms(Math.min(...xs), digits)}, max ${ms(Math.max(...xs), digits)})`;

/**
 * Times the scripted server's requests from the outside: `arrived` when a request was read
 * whole (the server records it then), `replied` when its reply was handed to the socket (the
 * server sets `usageSent` just before it writes a reply). Indexed in arrival order.
 */
function timeServer(server: ScriptedModelServer): { arrived: number[]; replied: number[]; paths: string[] } {
  const arrived: number[] = [];
  const replied: number[] = [];
  const paths: string[] = [];
  const push = server.requests.push.bind(server.requests);
  server.requests.push = (...recs: RecordedRequest[]): number => {
    for (const rec of recs) {
      const i = arrived.length;
      arrived.push(performance.now());
      paths.push(rec.path);
      let usage = rec.usageSent;
      Object.defineProperty(rec, 'usageSent', {
        enumerable: true,
        configurable: true,
        get: () => usage,
        set: (v: RecordedRequest['usageSent']) => {
          replied[i] = performance.now();
          usage = v;
        },
      });
    }
    return push(...recs);
  };
  return { arrived, replied, paths };
}

/**
 * Times the agent's own model calls (global fetch to the proxy's /chat/completions): `sent` when
 * fetch is called, `received` when the reply's body was read whole. Returns the undo.
 */
function timeAgentFetch(): { sent: number[]; received: number[]; restore: () => void } {
  const sent: number[] = [];
  const received: number[] = [];
  const real = globalThis.fetch;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!/\/a\/[^/]+\/v1\/chat\/completions$/.test(url)) return real(input, init);
    const i = sent.length;
    sent.push(performance.now());
    const res = await real(input, init);
    const text = res.text.bind(res);
    Object.defineProperty(res, 'text', {
      value: async (): Promise<string> => {
        const body = await text();
        received[i] = performance.now();
        return body;
      },
    });
    return res;
  };
  return { sent, received, restore: () => void (globalThis.fetch = real) };
}

/** A bare exec through dockerode, as little as gets the output and the exit code. */
async function dockerodeExec(wb: Workbench, containerId: string, command: string, workdir: string): Promise<number> {
  const exec = await wb.docker.getContainer(containerId).exec({ Cmd: ['sh', '-c', command], AttachStdout: true, AttachStderr: true, WorkingDir: workdir });
  const stream = (await exec.start({ hijack: true, stdin: false })) as Readable;
  for await (const chunk of stream) void chunk;
  return (await exec.inspect()).ExitCode ?? -1;
}

async function agentLoop(wb: Workbench, dir: string): Promise<void> {
  const task = wb.datasets.listTasks({ datasetId: 'sample', variant: 'swe_manager' })[0];
  if (!task) throw new Error('the sample has no manager task');
  // ---- the baseline: the same command in a container of the same image, started as the engine
  // starts one; half of the execs before the agent's run and half after, so that a change of the
  // machine's load during the run weighs on both sides alike.
  const image = imageFor('lancer-sample', 'latest', task.questionId, true);
  const detail = wb.datasets.getTask(`sample/${task.questionId}`);
  const cwd = detail.cwd || '/app/sample';
  const settings = wb.settings.get();
  const runtime = new DockerRuntime(wb.docker, storeIdFor(dir));
  const container: TaskContainer = await runtime.start({
    name: `lancer-bench-agent-${randomBytes(4).toString('hex')}`,
    image,
    env: officialEnv(detail),
    labels: { [LABEL_APP]: LABEL_APP_VALUE },
    cpus: settings.cpuLimit,
    memoryMb: settings.memoryLimitMb,
    shmMb: settings.shmMb,
  });
  const command = `bash -c ${shellQuote(COMMAND)}`; // what the agent's bash tool runs, under `sh -c`
  const bare: number[] = [];
  const cli: number[] = [];
  const engineExec: number[] = [];
  const execs = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      let t = performance.now();
      if ((await dockerodeExec(wb, container.id, command, cwd)) !== 0) throw new Error('the bare exec failed');
      bare.push(performance.now() - t);
      t = performance.now();
      const r = spawnSync('docker', ['exec', '-w', cwd, container.id, 'sh', '-c', command]);
      if (r.status !== 0) throw new Error(`docker exec failed: ${r.stderr.toString()}`);
      cli.push(performance.now() - t);
      t = performance.now();
      await container.exec(command, { timeoutMs: 60_000, workdir: cwd });
      engineExec.push(performance.now() - t);
    }
  };
  let agent: Awaited<ReturnType<typeof runAgent>>;
  try {
    for (let i = 0; i < 5; i++) await dockerodeExec(wb, container.id, command, cwd); // warm-up
    await execs(Math.ceil(EXECS / 2));
    agent = await runAgent(wb, task, image);
    await execs(Math.floor(EXECS / 2));
  } finally {
    await container.remove();
  }
  const { gap, own, toolMs, parts, requestKb, loopDelay, load } = agent;
  console.log(`agent loop: ${STEPS} \`bash\` calls of \`${COMMAND}\` on manager task ${task.questionId} (tools protocol, through the metering proxy)`);
  console.log(`  reply → next request, whole step:      ${stats(gap)}`);
  console.log(`  the command's own run (tool durationMs): ${stats(toolMs, 0)}`);
  console.log(`  loop's own time (step less command):   ${stats(own)}`);
  const part = (xs: number[]): string => `${ms(pct(xs, 50), 2)} (p95 ${ms(pct(xs, 95), 1)})`;
  console.log(`  where the loop's own time goes, p50 (p95) of each part:`);
  console.log(`    the reply: server → proxy end ${part(parts.replyToProxy)}, → agent has it whole ${part(parts.replyToAgent)}`);
  console.log(`    in the agent: model step parsed and in the ledger ${part(parts.modelStep)}, tool step bookkeeping ${part(parts.toolStepRest)} (±1 ms: durationMs is whole ms), next request built ${part(parts.nextRequest)}`);
  console.log(
    `    the next request (${requestKb[0]!.toFixed(0)}–${requestKb[1]!.toFixed(0)} kB): agent's fetch → proxy ${part(parts.requestToProxy)}, proxy → server has it whole ${part(parts.requestToServer)}`,
  );
  console.log(
    `  this process's event loop delay during the run: p50 ${ms(loopDelay.p50)}, p99 ${ms(loopDelay.p99)}, max ${ms(loopDelay.max)} ` +
      `(load average ${load.toFixed(1)} on ${os.availableParallelism()} cores)`,
  );
  console.log(`bare exec of \`sh -c ${JSON.stringify(command)}\` in a ${image} container, ${EXECS} each, interleaved, half before the agent's run and half after:`);
  console.log(`  dockerode (create, start, read, inspect): ${stats(bare)}`);
  console.log(`  docker CLI (\`docker exec\`):               ${stats(cli)}`);
  console.log(`  the engine's TaskContainer.exec:          ${stats(engineExec)}`);
  const ratio = pct(own, 50) / pct(bare, 50);
  console.log(
    `loop's own time per step p50 ${ms(pct(own, 50))} = ${ratio.toFixed(2)}× a bare dockerode exec (p95: ${(pct(own, 95) / pct(bare, 50)).toFixed(2)}×), ` +
      `${(pct(own, 50) / pct(cli, 50)).toFixed(2)}× a docker CLI exec (goal: under 1.5×) — ${ratio < 1.5 ? 'met' : 'NOT met'}`,
  );
  console.log(`  the whole step (command included) p50 ${ms(pct(gap, 50))} = ${(pct(gap, 50) / pct(bare, 50)).toFixed(2)}× a bare dockerode exec, ${(pct(gap, 50) / pct(cli, 50)).toFixed(2)}× a docker CLI exec`);
}

/** The agent's run of STEPS `bash` calls and `finish`: per step, the whole step, the command, the loop's own time and its parts. */
async function runAgent(wb: Workbench, task: { questionId: string }, image: string) {
  const script: ScriptedReply[] = [
    ...Array.from({ length: STEPS }, (_, i): ScriptedReply => ({ toolCalls: [{ id: `call_${i}`, name: 'bash', arguments: { command: COMMAND } }] })),
    { toolCalls: [{ name: 'finish', arguments: {} }] },
  ];
  const server = await startScriptedModelServer({ script, requireKey: KEY });
  const serverTimes = timeServer(server);
  const client = timeAgentFetch();
  // When each step reached the ledger (the engine emits it right after writing it).
  const recorded = new Map<number, number>();
  const off = wb.events.subscribe((name, payload) => {
    const e = payload as RunEvent;
    if (name === 'run.event' && e.type === 'step') recorded.set(e.step.index, performance.now());
  });
  let attemptId: string;
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  try {
    const runId = await wb.engine.createRun({
      datasetId: 'sample',
      taskIds: [task.questionId],
      solver: { kind: 'builtin', baseUrl: server.url, model: 'scripted-model', apiKeyEnv: KEY_ENV, protocol: 'tools', maxTurns: STEPS + 5 },
      concurrency: 1,
    });
    loopDelay.enable();
    await wb.engine.start(runId);
    loopDelay.disable();
    await wb.agents.flush();
    const run = wb.runs.getRun(runId);
    const attempt = run.attempts.find((a) => !a.retried);
    if (!attempt || attempt.stopReason !== 'finished') throw new Error(`the agent did not finish: ${attempt?.state} ${attempt?.error ?? ''}`);
    attemptId = attempt.id;
    if (run.manifest.images[task.questionId]?.name !== image) throw new Error(`the run used ${run.manifest.images[task.questionId]?.name}, the baseline ${image}`);
  } finally {
    off();
    client.restore();
    await server.close();
  }
  const steps = wb.runs.steps(attemptId);
  const calls = serverTimes.paths.map((p, i) => ({ p, i })).filter((c) => c.p.endsWith('/chat/completions')).map((c) => c.i);
  if (calls.length !== STEPS + 1 || client.sent.length !== STEPS + 1) throw new Error(`expected ${STEPS + 1} model calls, the server saw ${calls.length}`);
  const models = steps.filter((s) => s.kind === 'model');
  const tools = steps.filter((s): s is AgentStepRecord => s.kind === 'tool' && s.toolCall?.name === 'bash');
  if (tools.length !== STEPS) throw new Error(`expected ${STEPS} bash steps, the ledger has ${tools.length}`);

  // The proxy's own clock of each call (arrival, end of its response), from the raw exchanges the
  // attempt kept; its clock is performance.timeOrigin + performance.now(), as this one.
  const detail = wb.runs.attemptDetail(attemptId);
  const rawArtifact = detail.artifacts.find((a) => a.name === RAW_EXCHANGES_NAME);
  if (!rawArtifact) throw new Error('the attempt kept no raw exchanges');
  const proxied = gunzipSync(readFileSync(wb.artifacts.pathOf(rawArtifact.sha256)))
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { seq: number; at: number; latencyMs: number })
    .sort((a, b) => a.seq - b.seq)
    .map((r) => ({ arrived: r.at - performance.timeOrigin, ended: r.at + r.latencyMs - performance.timeOrigin }));
  if (proxied.length !== STEPS + 1) throw new Error(`the proxy kept ${proxied.length} exchanges, expected ${STEPS + 1}`);
  const requestBytes = (k: number): number => JSON.stringify(server.requests[calls[k]!]!.body).length;

  const gap: number[] = [];
  const own: number[] = [];
  const toolMs: number[] = [];
  const parts = {
    replyToProxy: [] as number[],
    replyToAgent: [] as number[],
    modelStep: [] as number[],
    toolStepRest: [] as number[],
    nextRequest: [] as number[],
    requestToProxy: [] as number[],
    requestToServer: [] as number[],
  };
  for (let k = 0; k < STEPS; k++) {
    const reply = serverTimes.replied[calls[k]!]!;
    const next = serverTimes.arrived[calls[k + 1]!]!;
    const tool = tools[k]!;
    const modelAt = recorded.get(models[k]!.index)!;
    const toolAt = recorded.get(tool.index)!;
    gap.push(next - reply);
    own.push(next - reply - tool.durationMs);
    toolMs.push(tool.durationMs);
    parts.replyToProxy.push(proxied[k]!.ended - reply);
    parts.replyToAgent.push(client.received[k]! - proxied[k]!.ended);
    parts.modelStep.push(modelAt - client.received[k]!);
    parts.toolStepRest.push(toolAt - modelAt - tool.durationMs);
    parts.nextRequest.push(client.sent[k + 1]! - toolAt);
    parts.requestToProxy.push(proxied[k + 1]!.arrived - client.sent[k + 1]!);
    parts.requestToServer.push(next - proxied[k + 1]!.arrived);
  }
  return { gap, own, toolMs, parts, requestKb: [requestBytes(1) / 1024, requestBytes(STEPS) / 1024], loopDelay: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 }, load: os.loadavg()[0]! };
}

/** One chat completion; total time, and time to the first body bytes. */
async function chat(baseUrl: string, key: string, stream: boolean): Promise<{ total: number; first: number }> {
  const body = JSON.stringify({
    model: 'scripted-model',
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Say hello.' },
    ],
    max_tokens: 16,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
  const t = performance.now();
  const res = await fetch(`${baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  let first = NaN;
  for await (const chunk of res.body) {
    void chunk;
    if (Number.isNaN(first)) first = performance.now() - t;
  }
  return { total: performance.now() - t, first };
}

async function proxyLatency(): Promise<void> {
  const WARMUP = 40;
  const reply: ScriptedReply = { text: 'Hello! How can I help you today?', usage: { promptTokens: 20, completionTokens: 9 } };
  const upstream = await startScriptedModelServer({ script: Array.from({ length: 4 * (REQUESTS + WARMUP) }, () => reply), requireKey: KEY });
  // As the app's agent service runs it: raw exchanges kept (gzipped off the hot path).
  let rawBytes = 0;
  const proxy = new MeteringProxy({ storeRaw: (_a, _n, gz) => void (rawBytes += gz.length) });
  await proxy.start();
  try {
    proxy.openRun('bench', { baseUrl: upstream.url, apiKey: KEY, model: 'scripted-model', prices: { inputPerM: 1, cachedInputPerM: 0.1, outputPerM: 2 } });
    const access = proxy.openAttempt('bench', 'bench.1');
    const results = { plain: { direct: [] as number[], proxied: [] as number[], diff: [] as number[] }, stream: { direct: [] as number[], proxied: [] as number[], diff: [] as number[], firstDiff: [] as number[] } };
    for (let i = 0; i < WARMUP + REQUESTS; i++) {
      for (const mode of ['plain', 'stream'] as const) {
        const stream = mode === 'stream';
        // Alternate which goes first, so neither side always gets the warmer caches.
        const order = i % 2 === 0 ? (['direct', 'proxied'] as const) : (['proxied', 'direct'] as const);
        const got: Record<'direct' | 'proxied', { total: number; first: number }> = { direct: { total: 0, first: 0 }, proxied: { total: 0, first: 0 } };
        for (const side of order) got[side] = side === 'direct' ? await chat(upstream.url, KEY, stream) : await chat(access.baseUrl, access.apiKey, stream);
        if (i < WARMUP) continue;
        const r = results[mode];
        r.direct.push(got.direct.total);
        r.proxied.push(got.proxied.total);
        r.diff.push(got.proxied.total - got.direct.total);
        if (mode === 'stream') results.stream.firstDiff.push(got.proxied.first - got.direct.first);
      }
    }
    const usage = proxy.attemptUsage('bench.1');
    if (usage.requests !== 2 * (WARMUP + REQUESTS)) throw new Error(`the proxy metered ${usage.requests} requests, expected ${2 * (WARMUP + REQUESTS)}`);
    console.log(`metering proxy: ${REQUESTS} pairs of the same small chat completion per mode, direct and proxied interleaved (after ${WARMUP} warm-up pairs; load average ${os.loadavg()[0]!.toFixed(1)})`);
    for (const mode of ['plain', 'stream'] as const) {
      const r = results[mode];
      const added = pct(r.proxied, 50) - pct(r.direct, 50);
      console.log(
        `  ${mode === 'plain' ? 'non-streaming' : 'streaming    '}: direct p50 ${ms(pct(r.direct, 50), 2)} p95 ${ms(pct(r.direct, 95), 2)}; ` +
          `proxied p50 ${ms(pct(r.proxied, 50), 2)} p95 ${ms(pct(r.proxied, 95), 2)}; ` +
          `added p50 ${ms(added, 2)}, p95 ${ms(pct(r.proxied, 95) - pct(r.direct, 95), 2)}; per pair p50 ${ms(pct(r.diff, 50), 2)}, p95 ${ms(pct(r.diff, 95), 2)} ` +
          `(goal: under 2 ms p50) — ${added < 2 ? 'met' : 'NOT met'}`,
      );
    }
    console.log(`  streaming, first bytes: added per pair p50 ${ms(pct(results.stream.firstDiff, 50), 2)}, p95 ${ms(pct(results.stream.firstDiff, 95), 2)}`);
  } finally {
    await proxy.stop();
    await upstream.close();
  }
  if (rawBytes === 0) throw new Error('the proxy stored no raw exchanges');
}

async function main(): Promise<void> {
  await ensureSampleImages();
  process.env[KEY_ENV] = KEY;
  const { dir, cleanup } = makeTempDir('lancer-bench-agent-');
  const wb = new Workbench({ dataDir: dir, version: 'bench', transport: 'cli' });
  try {
    await importDataset(wb.datasets, { path: sampleCsv, issuesDir: sampleIssues, name: 'sample' });
    await agentLoop(wb, dir);
    await proxyLatency();
  } finally {
    delete process.env[KEY_ENV];
    await wb.close();
    cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
