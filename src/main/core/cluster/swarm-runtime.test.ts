import { describe, expect, it } from 'vitest';
import type { Dockerode } from '../docker/docker-client';
import type { ContainerSpec } from '../engine/container-runtime';
import { imageLabel, jobName, SwarmRuntime } from './swarm-runtime';

const spec: ContainerSpec = { name: 'lancer-run-1.9001.0.0', image: 'lancer-sample_9001:latest', env: [], labels: {}, cpus: 1, memoryMb: 0, shmMb: 64 };

/** A manager that refuses `failures` times, then lists no node. */
function flakyManager(failures: number): { manager: Dockerode; calls: () => number } {
  let calls = 0;
  const manager = {
    listNodes: async () => {
      calls += 1;
      if (calls <= failures) throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:2376'), { code: 'ECONNREFUSED' });
      return [];
    },
  } as unknown as Dockerode;
  return { manager, calls: () => calls };
}

describe('Swarm names', () => {
  it('makes a DNS label of an attempt container name, keeping distinct names distinct when cut', () => {
    expect(jobName('lancer-run-20261129-134255-a1b2c3.9001.0.1')).toBe('lancer-run-20261129-134255-a1b2c3-9001-0-1');
    const long = (q: string): string => `lancer-run-20261129-134255-a1b2c3.${q}-with-a-very-long-question-id.0.0`;
    const a = jobName(long('9101-manager-0'));
    const b = jobName(long('9102-manager-0'));
    for (const name of [a, b]) expect(name).toMatch(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/);
    expect(a).not.toBe(b);
  });

  it('labels an image by a hash of its name, a valid label key', () => {
    expect(imageLabel('lancer-sample_9001:latest')).toMatch(/^lancer\.image\.[0-9a-f]{16}$/);
    expect(imageLabel('a:1')).not.toBe(imageLabel('a:2'));
  });
});

describe('a Swarm manager that does not answer', () => {
  it('fails a start at once when nothing can wait for it', async () => {
    const { manager } = flakyManager(1);
    const runtime = new SwarmRuntime({ name: 'lab', manager, tlsDir: null, storeId: 's' });
    await expect(runtime.start(spec)).rejects.toThrow('cluster lab: the Swarm manager does not answer or refuses (connect ECONNREFUSED 10.0.0.1:2376)');
  });

  it('makes an attempt wait for it, saying why, outside its set-up time, then carries on', async () => {
    const { manager, calls } = flakyManager(2);
    const runtime = new SwarmRuntime({ name: 'lab', manager, tlsDir: null, storeId: 's', managerRetryMaxMs: 1000 });
    const waits: string[] = [];
    const started = runtime.start(spec, undefined, {
      whileQueued: (wait, why) => {
        waits.push(why);
        return wait;
      },
    });
    // Once it answers, it lists no node holding the image: the start goes on to that error.
    await expect(started).rejects.toThrow(/no usable node of cluster lab holds the image lancer-sample_9001:latest/);
    expect(waits).toEqual(['waiting for the Swarm manager: cluster lab: the Swarm manager does not answer or refuses (connect ECONNREFUSED 10.0.0.1:2376)']);
    expect(calls()).toBe(3);
  });
});
