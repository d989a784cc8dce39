import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildSampleImages, removeSampleImages } from './sample-images';

interface FakeImage {
  Id: string;
  Size: number;
  Created: number;
  RepoTags: string[];
  Config: { Labels: Record<string, string> };
}

/**
 * A daemon stand-in: builds "succeed" and record their Dockerfile's FROM line, pulls fail like
 * an offline machine's, and images live in a map.
 */
function fakeDocker(initial: Record<string, Partial<FakeImage>> = {}) {
  const images = new Map<string, FakeImage>();
  let serial = 0;
  const add = (name: string, labels: Record<string, string>): FakeImage => {
    serial += 1;
    const image = { Id: `sha256:${String(serial).padStart(64, '0')}`, Size: 100, Created: serial, RepoTags: [name], Config: { Labels: labels } };
    images.set(name, image);
    return image;
  };
  for (const [name, partial] of Object.entries(initial)) Object.assign(add(name, {}), partial);
  const calls: string[] = [];
  const docker = {
    getImage: (name: string) => ({
      inspect: async () => {
        const image = images.get(name);
        if (!image) throw Object.assign(new Error('no such image'), { statusCode: 404 });
        return image;
      },
      remove: async () => {
        calls.push(`remove ${name}`);
        images.delete(name);
        return [{ Untagged: name }];
      },
    }),
    pull: async (ref: string) => {
      calls.push(`pull ${ref}`);
      throw new Error('dial tcp: lookup registry-1.docker.io: no such host');
    },
    buildImage: async (stream: NodeJS.ReadableStream, options: { t: string }) => {
      const chunks: Buffer[] = [];
      for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
      const text = Buffer.concat(chunks).toString('latin1');
      const from = /FROM (\S+)/.exec(text)?.[1] ?? '?';
      calls.push(`build ${options.t} from ${from}`);
      const labels: Record<string, string> = {};
      for (const m of text.matchAll(/([\w.-]+)="([^"]*)"/g)) labels[m[1] ?? ''] = m[2] ?? '';
      const image = add(options.t, labels);
      return Readable.from([Buffer.from(JSON.stringify({ aux: { ID: image.Id } }) + '\n')]);
    },
    pruneImages: async () => {
      calls.push('prune');
      return {};
    },
    listImages: async () => [...images.values()],
  };
  return { docker: docker as unknown as Dockerode, images, calls };
}

const projectRoot = path.resolve(import.meta.dirname, '../../../..');
let resourcesDir: string;
let dataDir: string;

beforeEach(() => {
  resourcesDir = mkdtempSync(path.join(os.tmpdir(), 'sample-images-test-'));
  dataDir = path.join(resourcesDir, 'data');
  const sample = path.join(resourcesDir, 'sample-benchmark');
  const write = (rel: string, text: string): void => {
    mkdirSync(path.dirname(path.join(sample, rel)), { recursive: true });
    writeFileSync(path.join(sample, rel), text);
  };
  for (const script of ['make-repo.sh', 'setup_task.sh', 'run.sh', 'run_tests.sh']) write(`runtime/${script}`, '#!/bin/bash\n');
  write('runtime/utils/harness.mjs', '');
  write('issues/9001/test.mjs', '');
  write('issues/9002/test.mjs', '');
  write('tasks.csv', 'question_id,variant,manager_commit\n9001,ic_swe,\n9002,ic_swe,\n9101-manager-0,swe_manager,abc\n');
});
afterEach(() => {
  rmSync(resourcesDir, { recursive: true, force: true });
});

describe('buildSampleImages', () => {
  it('uses the Debian image the daemon has, builds the chain in order, then finds it all up to date', async () => {
    const { docker, calls } = fakeDocker({ 'debian:trixie-slim': {} });
    const first = await buildSampleImages({ docker, resourcesDir, dataDir, projectRoot });
    expect(first.images.map((i) => [i.phase, i.name, i.upToDate])).toEqual([
      ['os', 'debian:trixie-slim', true],
      ['base', expect.stringMatching(/^lancer-sample-base:[0-9a-f]{12}$/), false],
      ['benchmark', 'lancer-sample:latest', false],
      ['task', 'lancer-sample_9001:latest', false],
      ['task', 'lancer-sample_9002:latest', false],
      ['monolith', 'lancer-sample_monolith:latest', false],
    ]);
    const base = first.images[1]?.name;
    expect(calls).toEqual([
      `build ${base} from debian:trixie-slim`,
      `build lancer-sample:latest from ${base}`,
      'build lancer-sample_9001:latest from lancer-sample:latest',
      'build lancer-sample_9002:latest from lancer-sample:latest',
      'build lancer-sample_monolith:latest from lancer-sample:latest',
      'prune',
    ]);
    expect(first.images[3]?.questionId).toBe('9001');

    calls.length = 0;
    const second = await buildSampleImages({ docker, resourcesDir, dataDir, projectRoot });
    expect(second.images.every((i) => i.upToDate)).toBe(true);
    expect(calls).toEqual([]);
  });

  it('keeps its own OS image without asking a registry, and honours only and tag', async () => {
    const { docker, calls } = fakeDocker({
      'lancer-sample-os:trixie': { Config: { Labels: { app: 'lancer-workbench', 'lancer.kind': 'os' } } },
    });
    const result = await buildSampleImages({ docker, resourcesDir, dataDir, projectRoot, tag: 'v2', only: ['9002'] });
    expect(result.images.map((i) => i.name)).toEqual([
      'lancer-sample-os:trixie',
      expect.stringMatching(/^lancer-sample-base:/),
      'lancer-sample:v2',
      'lancer-sample_9002:v2',
    ]);
    expect(calls.some((c) => c.startsWith('pull'))).toBe(false);
    expect(calls[0]).toMatch(/from lancer-sample-os:trixie$/);
  });

  it('asks the registry when it has no OS image, and says what is missing from the benchmark', async () => {
    const { docker, calls } = fakeDocker();
    // Not root or no debootstrap here is fine: the pull must come first either way.
    await buildSampleImages({ docker, resourcesDir, dataDir, projectRoot, osSource: 'registry' }).catch(() => undefined);
    expect(calls).toEqual(['pull debian:trixie-slim']);

    rmSync(path.join(resourcesDir, 'sample-benchmark', 'runtime', 'run_tests.sh'));
    await expect(buildSampleImages({ docker, resourcesDir, dataDir, projectRoot })).rejects.toThrow(
      /incomplete: missing runtime\/run_tests.sh/,
    );
  });

  it('names IC tasks of tasks.csv that have no issues/ folder', async () => {
    const { docker } = fakeDocker({ 'debian:trixie-slim': {} });
    rmSync(path.join(resourcesDir, 'sample-benchmark', 'issues', '9002'), { recursive: true });
    await expect(buildSampleImages({ docker, resourcesDir, dataDir, projectRoot })).rejects.toThrow(
      /IC task\(s\) 9002 of .*tasks.csv have no issues\/<id>\/ folder/,
    );
  });

  it('rejects unknown ids before building anything', async () => {
    const { docker, calls } = fakeDocker({ 'debian:trixie-slim': {} });
    await expect(buildSampleImages({ docker, resourcesDir, dataDir, projectRoot, only: ['9009'] })).rejects.toThrow(/9009/);
    expect(calls).toEqual([]);
  });
});

describe('removeSampleImages', () => {
  it('removes children before parents and reports what the daemon refused', async () => {
    const { docker, calls } = fakeDocker({
      'lancer-sample-base:abc': { Created: 1 },
      'lancer-sample:latest': { Created: 2 },
      'lancer-sample_9001:latest': { Created: 3 },
    });
    const result = await removeSampleImages(docker);
    expect(calls).toEqual([
      'remove lancer-sample_9001:latest',
      'remove lancer-sample:latest',
      'remove lancer-sample-base:abc',
    ]);
    expect(result).toEqual({
      removed: ['lancer-sample_9001:latest', 'lancer-sample:latest', 'lancer-sample-base:abc'],
      kept: [],
    });
  });
});
