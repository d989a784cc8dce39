import { describe, expect, it } from 'vitest';
import { imageLabel, jobName } from './swarm-runtime';

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
