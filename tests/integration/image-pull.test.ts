/**
 * Pulling official-style images from a real registry: Debian's `docker-registry` (the CNCF
 * distribution registry) on a free loopback port with its own storage, the real Docker daemon,
 * the workbench's puller and the `lancer` CLI.
 *
 * Two images are pushed under official names: `swelancer_x86_9002` is the sample image as it is
 * (every layer already on this daemon, so nothing to download), `swelancer_x86_9001` is the
 * sample image plus three layers of random bytes (so those three must travel). The local copies
 * are removed, then: the plan counts only the missing layers; a pull cancelled after its first
 * layer keeps that layer, and the second pull completes without fetching it again, tagging the
 * canonical names; with a small budget, prune removes 9001 but keeps 9002, which a queued run
 * needs; the check before a run refuses a run whose images cannot fit.
 *
 * Skipped when no daemon answers or the registry binary is missing (`apt-get install
 * docker-registry`; scripts/test-fresh.sh installs it).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImagePullEvent } from '../../src/shared/images';
import { AppError } from '../../src/shared/result';
import { ImagePuller } from '../../src/main/core/images/image-pull';
import { isOfficialImage } from '../../src/main/core/images/official-images';
import { RegistryClient } from '../../src/main/core/images/registry-client';
import { packTar } from '../../src/main/core/images/tar-writer';
import { Workbench } from '../../src/main/core/workbench';
import { ensureSampleImages, hasImage, sampleCsv, sampleIssues } from '../helpers/sample-images';
import { makeTempDir } from '../helpers/temp-dir';
import { lancerIn } from '../helpers/cli';

const REGISTRY_BIN = '/usr/bin/docker-registry';
const MINUTE = 60_000;
const docker = new Dockerode();
const dockerAnswers = await Promise.race([
  docker.ping().then(
    () => true,
    () => false,
  ),
  new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3000)),
]);
const canRun = dockerAnswers && existsSync(REGISTRY_BIN) && existsSync(sampleCsv);

const canonical = (id: string): string => `swelancer/swelancer_x86_${id}:releasev1`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function removeImageIfPresent(name: string): void {
  spawnSync('docker', ['image', 'rm', name], { stdio: 'ignore' });
}

function officialImagesOnDaemon(): string[] {
  return execFileSync('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8' }).split('\n').filter(isOfficialImage);
}

describe.skipIf(!canRun)('official images: pull from a registry, cancel and resume, prune to a budget (real registry and Docker)', () => {
  const tmp = makeTempDir('lancer-image-pull-');
  const dataDir = path.join(tmp.dir, 'data');
  let registry: ChildProcess | undefined;
  let registryLog = '';
  let host = '';
  let wb: Workbench;
  /** The image ids the registry will hand out, by question id. */
  const pushedIds = new Map<string, string>();

  const lancer = lancerIn(dataDir);

  beforeAll(async () => {
    // This suite removes official images to stay under a budget; it must not touch anyone else's.
    const foreign = officialImagesOnDaemon();
    if (foreign.length > 0) throw new Error(`the daemon already has official images (${foreign.join(', ')}); this suite would prune them`);
    if (!hasImage('lancer-sample_9001:latest') || !hasImage('lancer-sample_9002:latest')) await ensureSampleImages();

    const port = await freePort();
    host = `127.0.0.1:${port}`;
    const storage = path.join(tmp.dir, 'registry');
    mkdirSync(storage);
    const config = path.join(tmp.dir, 'registry.yml');
    writeFileSync(
      config,
      ['version: 0.1', 'log:', '  level: warn', 'storage:', '  filesystem:', `    rootdirectory: ${storage}`, 'http:', `  addr: ${host}`, ''].join('\n'),
    );
    registry = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    registry.stdout?.on('data', (d: Buffer) => (registryLog += d.toString()));
    registry.stderr?.on('data', (d: Buffer) => (registryLog += d.toString()));
    // Ready when /v2/ answers; the registry starts in well under a second.
    for (let i = 0; ; i += 1) {
      const ok = await fetch(`http://${host}/v2/`).then((r) => r.ok, () => false);
      if (ok) break;
      if (i > 100 || registry.exitCode !== null) throw new Error(`docker-registry did not start on ${host}: ${registryLog}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    // 9001: the sample image plus three layers no other image has.
    const files = [1, 2, 3].map((n) => ({ path: `noise-${n}.bin`, mode: 0o644, data: randomBytes(3_000_000) }));
    const dockerfile = ['FROM lancer-sample_9001:latest', ...files.map((f) => `COPY ${f.path} /opt/${f.path}`), ''].join('\n');
    const context = packTar([{ path: 'Dockerfile', mode: 0o644, data: Buffer.from(dockerfile) }, ...files]);
    const build = await docker.buildImage(Readable.from([context]) as unknown as NodeJS.ReadableStream, { t: `${host}/${canonical('9001')}` });
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(build, (err: Error | null) => (err ? reject(err) : resolve())));
    // 9002: the sample image as it is.
    await docker.getImage('lancer-sample_9002:latest').tag({ repo: `${host}/swelancer/swelancer_x86_9002`, tag: 'releasev1' });
    for (const id of ['9001', '9002']) {
      execFileSync('docker', ['push', `${host}/${canonical(id)}`], { stdio: 'ignore', timeout: 5 * MINUTE });
      pushedIds.set(id, (await docker.getImage(`${host}/${canonical(id)}`).inspect()).Id);
      removeImageIfPresent(`${host}/${canonical(id)}`);
      removeImageIfPresent(canonical(id));
    }
    expect(hasImage(`${host}/${canonical('9001')}`), 'the built 9001 is gone locally').toBe(false);

    const imported = lancer('import', sampleCsv, '--issues', sampleIssues, '--name', 'sample', '--json');
    expect(imported.code, imported.stderr).toBe(0);
    wb = new Workbench({ dataDir, version: 'test', transport: 'cli' });
  }, 20 * MINUTE);

  afterAll(async () => {
    await wb?.close();
    registry?.kill('SIGTERM');
    for (const id of ['9001', '9002']) {
      removeImageIfPresent(canonical(id));
      removeImageIfPresent(`${host}/${canonical(id)}`);
    }
    tmp.cleanup();
  }, 2 * MINUTE);

  const request = (): { datasetId: string; taskIds: string[]; registry: string } => ({ datasetId: 'sample', taskIds: ['9001', '9002'], registry: host });

  it('plans only the layers the daemon lacks, with the free disk of its data root', async () => {
    const { plan } = await wb.imagePuller.plan(request());
    expect(plan.registry).toBe(host);
    const [p9001, p9002] = plan.images;
    expect(p9001).toMatchObject({ image: canonical('9001'), source: `${host}/${canonical('9001')}`, questionIds: ['9001'], upToDate: false });
    expect(p9001?.error).toBeUndefined();
    // The sample's layers are here; the three noise layers (random bytes: gzip cannot shrink them) are not.
    const missing = p9001?.layers.filter((l) => !l.present) ?? [];
    expect(missing).toHaveLength(3);
    for (const l of missing) expect(l.sizeBytes).toBeGreaterThan(3_000_000);
    expect(p9001?.downloadBytes).toBe(missing.reduce((s, l) => s + l.sizeBytes, 0));
    expect(p9002).toMatchObject({ image: canonical('9002'), upToDate: false, downloadBytes: 0 });
    expect(p9002?.layers.every((l) => l.present)).toBe(true);
    expect(plan.downloadBytes).toBe(p9001?.downloadBytes);
    const info = (await docker.info()) as { DockerRootDir: string };
    expect(plan.dockerRootDir).toBe(info.DockerRootDir);
    expect(plan.freeBytes).toBeGreaterThan(0);
  });

  it('a pull cancelled after its first layer keeps it; the second pull completes without fetching it again', async () => {
    const first: ImagePullEvent[] = [];
    let pullId = '';
    const cancelled = wb.imagePuller.pull(
      request(),
      (e) => {
        first.push(e);
        if (e.type === 'layer' && e.status === 'downloaded') wb.imagePuller.cancel(pullId);
      },
      { pullId: (pullId = 'pull-test-1') },
    );
    const error = await cancelled.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('cancelled');
    expect((error as AppError).message).toMatch(/^pull cancelled\. .* of downloaded layers are kept in .*; pull again to pick up where this one stopped/);
    const finished = first.find((e) => e.type === 'finished');
    expect(finished).toMatchObject({ type: 'finished', ok: false, cancelled: true });
    expect(hasImage(canonical('9001'))).toBe(false);
    const fetched = new Set(first.flatMap((e) => (e.type === 'layer' && e.status === 'downloaded' ? [e.layer] : [])));
    expect(fetched.size).toBeGreaterThan(0);
    // Progress arrived per layer: the present ones as such, the missing ones byte by byte.
    expect(first.filter((e) => e.type === 'layer' && e.status === 'exists').length).toBeGreaterThan(0);
    expect(first.some((e) => e.type === 'layer' && e.status === 'downloading')).toBe(true);
    expect(readdirSync(wb.imagePuller.cache.dir).some((f) => f.endsWith('.blob'))).toBe(true);

    // The plan now knows those bytes are here.
    const again = (await wb.imagePuller.plan(request())).plan;
    expect(again.downloadBytes).toBeLessThan(await missingBytesOf9001());

    const second: ImagePullEvent[] = [];
    const outcome = await wb.imagePuller.pull(request(), (e) => second.push(e));
    expect(outcome.images).toEqual([
      { image: canonical('9001'), state: 'pulled' },
      { image: canonical('9002'), state: 'pulled' },
    ]);
    for (const layer of fetched) {
      const seen = second.filter((e) => e.type === 'layer' && e.layer === layer).map((e) => (e.type === 'layer' ? e.status : ''));
      expect(seen, `layer ${layer} was not fetched again`).not.toContain('downloading');
      expect(seen).toContain('complete');
    }
    expect(second.filter((e) => e.type === 'layer' && e.status === 'complete')).toHaveLength(3);
    expect(second.at(-1)).toMatchObject({ type: 'finished', ok: true, cancelled: false, message: '2 pulled, 0 up to date' });
    // The canonical names exist with the registry's image ids; the registry's names do not.
    for (const id of ['9001', '9002']) {
      expect((await docker.getImage(canonical(id)).inspect()).Id).toBe(pushedIds.get(id));
      expect(hasImage(`${host}/${canonical(id)}`)).toBe(false);
    }
    // Once loaded, the download copies are gone.
    expect(readdirSync(wb.imagePuller.cache.dir)).toEqual([]);
  }, 10 * MINUTE);

  /** The compressed size of 9001's three noise layers, from the registry. */
  async function missingBytesOf9001(): Promise<number> {
    const res = await fetch(`http://${host}/v2/swelancer/swelancer_x86_9001/manifests/releasev1`, {
      headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    const manifest = (await res.json()) as { layers: { size: number }[] };
    return manifest.layers.slice(-3).reduce((s, l) => s + l.size, 0);
  }

  it('the CLI says an up-to-date pull has nothing to download', () => {
    const r = lancer('images', 'pull', '--dataset', 'sample', '--tasks', '9001,9002', '--registry', host, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`pulling 2 images from ${host}:`);
    expect(r.stderr).toContain(`${canonical('9001')}: up to date`);
    expect(r.stderr).toMatch(/0 B to download; [\d.]+ [kMGT]?B free on \//);
    const out = JSON.parse(r.stdout) as { images: { image: string; state: string }[] };
    expect(out.images.map((i) => i.state)).toEqual(['up-to-date', 'up-to-date']);
  });

  it('prune with a small budget removes the least recently used image and keeps the one a queued run needs', async () => {
    const runId = await wb.engine.createRun({
      datasetId: 'sample',
      taskIds: ['9002'],
      solver: { kind: 'gold' },
      imagePrefix: 'swelancer/swelancer_x86',
      imageTag: 'releasev1',
    });
    expect(wb.runs.listRuns().find((r) => r.id === runId)?.status).toBe('queued');

    const dry = lancer('images', 'prune', '--budget', '1MB', '--dry-run', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    expect((JSON.parse(dry.stdout) as { removed: { image: string }[] }).removed.map((r) => r.image)).toEqual([canonical('9001')]);
    expect(hasImage(canonical('9001'))).toBe(true);

    const r = lancer('images', 'prune', '--budget', '1MB', '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { removed: { image: string; freedBytes: number }[]; kept: { image: string; reason: string }[]; overBudgetBytes: number };
    expect(report.removed.map((x) => x.image)).toEqual([canonical('9001')]);
    expect(report.removed[0]?.freedBytes).toBeGreaterThan(9_000_000);
    expect(report.kept).toEqual([{ image: canonical('9002'), reason: `needed by unfinished run ${runId}` }]);
    expect(report.overBudgetBytes).toBeGreaterThan(0);
    expect(hasImage(canonical('9001'))).toBe(false);
    expect(hasImage(canonical('9002'))).toBe(true);

    const bad = lancer('images', 'prune', '--budget', 'lots');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--budget: "lots" is not a size');
  });

  it("when the registry's API cannot be read from here, the image is pulled through Docker and tagged canonically", async () => {
    // As behind a daemon-side mirror: our HTTP client reaches nothing, the daemon reaches the registry.
    const puller = new ImagePuller({
      docker: wb.docker,
      dataDir: path.join(tmp.dir, 'fallback'),
      use: wb.imageUse,
      settings: () => ({ diskBudgetGb: 0, imageRegistry: undefined }),
      listTasks: (datasetId) => wb.datasets.listTasks({ datasetId }),
      registry: new RegistryClient({ fetch: () => Promise.reject(new TypeError('fetch failed', { cause: { code: 'ENETUNREACH' } })) }),
    });
    const req = { datasetId: 'sample', taskIds: ['9001'], registry: host };
    const { plan } = await puller.plan(req);
    expect(plan.images[0]?.error).toBe(`registry ${host}, swelancer/swelancer_x86_9001:releasev1: cannot reach ${host} (ENETUNREACH)`);
    expect(hasImage(canonical('9001'))).toBe(false);
    const events: ImagePullEvent[] = [];
    const outcome = await puller.pull(req, (e) => events.push(e));
    expect(outcome.images).toEqual([{ image: canonical('9001'), state: 'pulled' }]);
    expect(events.find((e) => e.type === 'image' && e.state === 'pulling')).toMatchObject({ message: expect.stringContaining('pulling through Docker') });
    // Docker's own stream, folded per layer: the sample's layers exist, the noise is fetched.
    const statuses = new Set(events.flatMap((e) => (e.type === 'layer' ? [e.status] : [])));
    expect(statuses).toContain('exists');
    expect(statuses).toContain('complete');
    expect((await docker.getImage(canonical('9001')).inspect()).Id).toBe(pushedIds.get('9001'));
    expect(hasImage(`${host}/${canonical('9001')}`)).toBe(false);
  }, 5 * MINUTE);

  it('the check before a run refuses a run whose images cannot fit the budget, removing and recording nothing', async () => {
    expect(hasImage(canonical('9001')), '9001 is back from the previous test').toBe(true);
    wb.settings.update({ diskBudgetGb: 0.001 });
    try {
      const before = wb.runs.listRuns().length;
      const error = await wb.engine
        .createRun({ datasetId: 'sample', taskIds: ['9002'], solver: { kind: 'gold' }, imagePrefix: 'swelancer/swelancer_x86', imageTag: 'releasev1' })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('unavailable');
      expect((error as AppError).message).toMatch(
        /^the official images that must stay \(needed by the run being started\) take [\d.]+ GB, over the disk budget of 1\.00 MB; nothing was removed and the run was not started\. Raise the budget/,
      );
      expect(wb.runs.listRuns()).toHaveLength(before);
      // Refused anyway, so no one's download was spent on it.
      expect(hasImage(canonical('9001'))).toBe(true);
      expect(hasImage(canonical('9002'))).toBe(true);

      // With a budget the run's images fit in, the unused 9001 goes and the run is recorded.
      const sizeOf9002 = (await docker.getImage(canonical('9002')).inspect()).Size;
      wb.settings.update({ diskBudgetGb: (sizeOf9002 + 1_000_000) / 1e9 });
      const runId = await wb.engine.createRun({ datasetId: 'sample', taskIds: ['9002'], solver: { kind: 'gold' }, imagePrefix: 'swelancer/swelancer_x86', imageTag: 'releasev1' });
      expect(wb.runs.listRuns().map((r) => r.id)).toContain(runId);
      expect(hasImage(canonical('9001'))).toBe(false);
      expect(hasImage(canonical('9002'))).toBe(true);
    } finally {
      wb.settings.update({ diskBudgetGb: 0 });
    }
  });
});
