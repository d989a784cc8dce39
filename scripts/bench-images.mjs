#!/usr/bin/env node
/**
 * Builds the sample benchmark's images and reports how long each phase took and how much disk
 * they use (shared layers counted once).
 *
 *   node scripts/bench-images.mjs [--cold] [--tag T] [--only ID,ID,monolith] [--data-dir DIR]
 *                                 [--resources-dir DIR] [--suite trixie] [--verbose]
 *
 * --cold removes every sample image and the cached rootfs tarball first, so the numbers include
 * debootstrap and all downloads. The data dir defaults to .lancer-test/images (shared with the
 * integration test, so one cold build serves both).
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Dockerode from 'dockerode';
import { register } from 'tsx/esm/api';

// The core is TypeScript; tsx's loader lets this plain-Node script import it from source.
register();

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    cold: { type: 'boolean', default: false },
    tag: { type: 'string' },
    only: { type: 'string' },
    'data-dir': { type: 'string' },
    'resources-dir': { type: 'string' },
    suite: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('usage: node scripts/bench-images.mjs [--cold] [--tag T] [--only ID,…,monolith] [--data-dir DIR] [--resources-dir DIR] [--suite S] [--verbose]');
  process.exit(0);
}

const images = await import('../src/main/core/images/sample-images.ts');
const { rootfsCachePath } = await import('../src/main/core/images/rootfs.ts');
const { DEFAULT_SUITE } = await import('../src/main/core/images/dockerfiles.ts');

const docker = new Dockerode();
const dataDir = path.resolve(values['data-dir'] ?? process.env.LANCER_DATA_DIR ?? path.join(projectRoot, '.lancer-test', 'images'));
const suite = values.suite ?? DEFAULT_SUITE;
const controller = new AbortController();
process.once('SIGINT', () => {
  console.log('\ninterrupted; stopping the build');
  controller.abort(new Error('interrupted'));
});

try {
  await docker.ping();
} catch (error) {
  console.error(`no Docker daemon answers: ${error.message}`);
  process.exit(2);
}

if (values.cold) {
  const t = Date.now();
  const { removed, kept } = await images.removeSampleImages(docker, { force: true });
  for (const k of kept) console.log(`cold: kept ${k.ref}: ${k.reason}`);
  const tarball = rootfsCachePath(dataDir, suite);
  if (existsSync(tarball)) await rm(tarball, { force: true });
  await rm(tarball + '.sha256', { force: true });
  console.log(`cold: removed ${removed.length} image(s) and the rootfs cache in ${seconds(Date.now() - t)}`);
}

const started = Date.now();
let lastImage = '';
let lastPrint = 0;
const result = await images
  .buildSampleImages({
    docker,
    resourcesDir: path.resolve(values['resources-dir'] ?? path.join(projectRoot, 'resources')),
    dataDir,
    projectRoot,
    suite,
    ...(values.tag ? { tag: values.tag } : {}),
    ...(values.only ? { only: values.only.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    signal: controller.signal,
    onProgress: (e) => {
      const now = Date.now();
      const where = e.step ? `${e.phase} ${e.step}/${e.totalSteps}` : e.phase;
      const line = `${seconds(now - started).padStart(7)} [${where}] ${e.image}: ${e.message.slice(0, 140)}`;
      // Without --verbose: each image's first line, each Dockerfile step, each finished image,
      // and otherwise one line every 10 s so long steps (debootstrap, apt) show they are alive.
      const wanted =
        values.verbose || e.done || e.image !== lastImage || e.message.startsWith('Step ') || now - lastPrint >= 10_000;
      lastImage = e.image;
      if (!wanted) return;
      lastPrint = now;
      console.log(line);
    },
  })
  .catch((error) => {
    console.error(`\nbuild failed after ${seconds(Date.now() - started)}:\n${error.message}`);
    process.exit(1);
  });

const byPhase = new Map();
if (result.rootfs) byPhase.set('rootfs', [{ name: path.basename(result.rootfs.path), durationMs: result.rootfs.durationMs, upToDate: !result.rootfs.created }]);
for (const image of result.images) {
  if (!byPhase.has(image.phase)) byPhase.set(image.phase, []);
  byPhase.get(image.phase).push(image);
}

console.log('\nphase       images  built  time');
for (const [phase, list] of byPhase) {
  const total = list.reduce((sum, i) => sum + i.durationMs, 0);
  const built = list.filter((i) => !i.upToDate).length;
  let extra = '';
  if (phase === 'task' && list.length > 0) {
    const times = list.map((i) => i.durationMs);
    extra = `  (per task: min ${seconds(Math.min(...times))}, max ${seconds(Math.max(...times))}, mean ${seconds(total / list.length)})`;
  }
  console.log(`${phase.padEnd(11)} ${String(list.length).padStart(6)} ${String(built).padStart(6)}  ${seconds(total)}${extra}`);
}
const coldBase = ['rootfs', 'os', 'base'].reduce((sum, p) => sum + (byPhase.get(p) ?? []).reduce((s, i) => s + i.durationMs, 0), 0);
console.log(`\nOS + base (the "cold base build" when built): ${seconds(coldBase)}`);
console.log(`everything: ${seconds(result.durationMs)}`);

const names = result.images.map((i) => i.name);
const disk = await images.measureImagesDisk(docker, names);
const naive = disk.images.reduce((sum, i) => sum + i.sizeBytes, 0);
console.log('\nimage                                      size');
for (const image of disk.images) console.log(`${image.name.padEnd(40)} ${images.formatBytes(image.sizeBytes).padStart(8)}`);
console.log(`\ndisk used by these ${disk.images.length} images (shared layers once): ${images.formatBytes(disk.totalBytes)}`);
console.log(`(sum of their sizes, counting shared layers every time: ${images.formatBytes(naive)})`);
if (result.rootfs) console.log(`rootfs tarball cache: ${result.rootfs.path}`);
const logs = result.images.filter((i) => i.logPath).map((i) => i.logPath);
if (logs.length > 0) console.log(`build logs: ${path.dirname(logs[0])}`);

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}
