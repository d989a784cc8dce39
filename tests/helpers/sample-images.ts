/**
 * For suites that need the sample benchmark's images: builds them once (a no-op when they are
 * up to date), with the rootfs cache in .lancer-test/images like the image suite.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { createDockerClient, pingDocker } from '../../src/main/core/docker/docker-client';
import { buildSampleImages } from '../../src/main/core/images/sample-images';
import { repoRoot } from './workbench-server';
import { required } from './requirements';

export const sampleDir = path.join(repoRoot, 'resources', 'sample-benchmark');
export const sampleCsv = path.join(sampleDir, 'tasks.csv');
export const sampleIssues = path.join(sampleDir, 'issues');

/** Whether a Docker daemon answers and the sample benchmark is present. */
export async function canRunSample(): Promise<boolean> {
  if (!existsSync(sampleCsv)) return false;
  const ping = await pingDocker(createDockerClient(), 3000);
  return required(`a Docker daemon (${ping.ok ? '' : ping.error})`, ping.ok);
}

export async function ensureSampleImages(): Promise<void> {
  let lastPhase = '';
  await buildSampleImages({
    docker: createDockerClient(),
    resourcesDir: path.join(repoRoot, 'resources'),
    dataDir: path.join(repoRoot, '.lancer-test', 'images'),
    projectRoot: repoRoot,
    onProgress: (e) => {
      if (e.phase !== lastPhase) console.log(`[images] ${e.phase}: ${e.image}`);
      lastPhase = e.phase;
    },
  });
}

/** Runs the docker CLI; its stdout, or null when it fails. */
export function dockerCli(args: string[]): string | null {
  try {
    return execFileSync('docker', args, { stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 }).toString('utf8');
  } catch {
    return null;
  }
}

export function hasImage(name: string): boolean {
  return dockerCli(['image', 'inspect', '--format', '{{.Id}}', name]) !== null;
}
