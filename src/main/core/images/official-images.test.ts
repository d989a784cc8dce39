import { describe, expect, it } from 'vitest';
import { isOfficialImage, normalizeRegistry, officialImageName, pullTargets } from './official-images';

describe('official image names', () => {
  it('names per-task images and the monolith as the published ones', () => {
    expect(officialImageName('28565_1001', false)).toBe('swelancer/swelancer_x86_28565_1001:releasev1');
    expect(officialImageName('28565_1001', true)).toBe('swelancer/swelancer_x86_monolith:releasev1');
  });

  it('tells official images from the sample ones', () => {
    expect(isOfficialImage('swelancer/swelancer_x86_28565_1001:releasev1')).toBe(true);
    expect(isOfficialImage('swelancer_x86_monolith:latest')).toBe(true);
    expect(isOfficialImage('docker.io/swelancer/swelancer_x86_9001:releasev1')).toBe(true);
    expect(isOfficialImage('lancer-sample_9001:latest')).toBe(false);
    expect(isOfficialImage('127.0.0.1:5000/swelancer/swelancer_x86_9001:releasev1')).toBe(false);
  });
});

describe('normalizeRegistry', () => {
  it('accepts hosts as people type them; Docker Hub means none', () => {
    expect(normalizeRegistry('127.0.0.1:5000')).toBe('127.0.0.1:5000');
    expect(normalizeRegistry(' http://registry.example.com/ ')).toBe('registry.example.com');
    expect(normalizeRegistry('mirror.example.com:443/cache')).toBe('mirror.example.com:443/cache');
    expect(normalizeRegistry('localhost:5000')).toBe('localhost:5000');
    expect(normalizeRegistry('docker.io')).toBeUndefined();
    expect(normalizeRegistry('')).toBeUndefined();
    expect(normalizeRegistry(undefined)).toBeUndefined();
  });

  it('refuses what Docker would read as a Docker Hub namespace or cannot be a host', () => {
    expect(() => normalizeRegistry('myregistry')).toThrow('"myregistry" is not a registry host');
    expect(() => normalizeRegistry('host name.com')).toThrow(/is not a registry host/);
  });
});

describe('pullTargets', () => {
  const tasks = [
    { questionId: '9001', variant: 'ic_swe' },
    { questionId: '9002', variant: 'ic_swe' },
    { questionId: '501-manager-0', variant: 'swe_manager' },
    { questionId: '502-manager-0', variant: 'swe_manager' },
  ];

  it('gives each IC task its image and the manager tasks the monolith, once', () => {
    expect(pullTargets(tasks)).toEqual([
      { image: 'swelancer/swelancer_x86_9001:releasev1', source: 'swelancer/swelancer_x86_9001:releasev1', questionIds: ['9001'] },
      { image: 'swelancer/swelancer_x86_9002:releasev1', source: 'swelancer/swelancer_x86_9002:releasev1', questionIds: ['9002'] },
      {
        image: 'swelancer/swelancer_x86_monolith:releasev1',
        source: 'swelancer/swelancer_x86_monolith:releasev1',
        questionIds: ['501-manager-0', '502-manager-0'],
      },
    ]);
  });

  it('in monolith mode pulls one image for every task, from the named registry', () => {
    expect(pullTargets(tasks, { monolith: true, registry: '127.0.0.1:5000' })).toEqual([
      {
        image: 'swelancer/swelancer_x86_monolith:releasev1',
        source: '127.0.0.1:5000/swelancer/swelancer_x86_monolith:releasev1',
        questionIds: ['9001', '9002', '501-manager-0', '502-manager-0'],
      },
    ]);
  });
});
