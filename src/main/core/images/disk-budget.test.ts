import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunManifest } from '../../../shared/runs';
import { openDatabase, type Db } from '../store/database';
import { DatasetRepo } from '../store/dataset-repo';
import { ImageUseRepo } from '../store/image-use-repo';
import { RunRepo } from '../store/run-repo';
import { SettingsStore } from '../store/settings-store';
import { budgetBytesOf, chooseEvictions, parseSize, type BudgetImage } from './disk-budget';

describe('parseSize', () => {
  it('reads decimal units as Docker prints them, binary ones when spelled so, a bare number as GB', () => {
    expect(parseSize('200GB')).toBe(200e9);
    expect(parseSize('200 gb')).toBe(200e9);
    expect(parseSize('1.5TB')).toBe(1.5e12);
    expect(parseSize('500MB')).toBe(500e6);
    expect(parseSize('500M')).toBe(500e6);
    expect(parseSize('64GiB')).toBe(64 * 2 ** 30);
    expect(parseSize('0.5')).toBe(0.5e9);
    expect(parseSize('.25TB')).toBe(0.25e12);
  });

  it('refuses what is not a size, naming it', () => {
    for (const bad of ['', 'GB', '200 parsecs', '-5GB', '1e3GB', '2,5GB', '200GBs']) {
      expect(() => parseSize(bad), bad).toThrow(`"${bad}" is not a size`);
    }
  });

  it('turns the setting into bytes, 0 into no budget', () => {
    expect(budgetBytesOf({ diskBudgetGb: 0 })).toBeNull();
    expect(budgetBytesOf({ diskBudgetGb: 200 })).toBe(200e9);
    expect(budgetBytesOf({ diskBudgetGb: 0.001 })).toBe(1e6);
  });
});

/** An image whose layers are `base` (shared by name) plus its own. */
function image(name: string, lastUsedAt: string, own: number, shared: Array<[string, number]> = []): BudgetImage {
  return {
    image: name,
    names: [name],
    id: `sha256:${name}`,
    layers: [...shared.map(([key, size]) => ({ key, size })), { key: `own-${name}`, size: own }],
    lastUsedAt,
  };
}

describe('chooseEvictions', () => {
  const base: [string, number] = ['base', 10_000];
  const a = image('swelancer/swelancer_x86_1:releasev1', '2025-01-01T00:00:00.000Z', 1000, [base]);
  const b = image('swelancer/swelancer_x86_2:releasev1', '2025-02-01T00:00:00.000Z', 2000, [base]);
  const c = image('swelancer/swelancer_x86_3:releasev1', '2025-03-01T00:00:00.000Z', 4000, [base]);
  const all = [c, a, b];

  it('counts shared layers once and removes nothing when the images fit', () => {
    const choice = chooseEvictions(all, { budgetBytes: 17_000, protect: new Map() });
    expect(choice.usedBytes).toBe(17_000);
    expect(choice.evict).toEqual([]);
    expect(choice.overBudgetBytes).toBe(0);
  });

  it('removes the least recently used first and stops as soon as the rest fit', () => {
    const choice = chooseEvictions(all, { budgetBytes: 16_000, protect: new Map() });
    expect(choice.evict.map((e) => e.image)).toEqual([a.image]);
    expect(choice.evict[0]?.freedBytes).toBe(1000);
    expect(choice.afterBytes).toBe(16_000);

    const deeper = chooseEvictions(all, { budgetBytes: 14_500, protect: new Map() });
    expect(deeper.evict.map((e) => e.image)).toEqual([a.image, b.image]);
    expect(deeper.afterBytes).toBe(14_000);
  });

  it('frees the shared base only with the last image that uses it', () => {
    const choice = chooseEvictions(all, { budgetBytes: 1, protect: new Map() });
    expect(choice.evict.map((e) => [e.image, e.freedBytes])).toEqual([
      [a.image, 1000],
      [b.image, 2000],
      [c.image, 14_000],
    ]);
    expect(choice.afterBytes).toBe(0);
    expect(choice.overBudgetBytes).toBe(0);
  });

  it('never removes a protected image, even the least recently used, and says why it stays', () => {
    const protect = new Map([
      [a.image, 'needed by the run being started'],
      [b.image, 'needed by unfinished run run-1'],
    ]);
    const choice = chooseEvictions(all, { budgetBytes: 1, protect });
    expect(choice.evict.map((e) => e.image)).toEqual([c.image]);
    expect(choice.kept).toEqual([
      { image: a.image, reason: 'needed by the run being started' },
      { image: b.image, reason: 'needed by unfinished run run-1' },
    ]);
    // a and b with their shared base stay: 13,000 bytes over a 1-byte budget.
    expect(choice.afterBytes).toBe(13_000);
    expect(choice.overBudgetBytes).toBe(12_999);
  });

  it('protects an image by any of its names', () => {
    const twoNames = { ...a, names: ['swelancer/swelancer_x86_1:releasev1', 'swelancer/swelancer_x86_1:other'] };
    const choice = chooseEvictions([twoNames, b], { budgetBytes: 1, protect: new Map([['swelancer/swelancer_x86_1:other', 'needed']]) });
    expect(choice.evict.map((e) => e.image)).toEqual([b.image]);
  });

  it('makes room for bytes about to arrive', () => {
    const choice = chooseEvictions(all, { budgetBytes: 17_000, reserveBytes: 1500, protect: new Map() });
    expect(choice.evict.map((e) => e.image)).toEqual([a.image, b.image]);
    expect(choice.overBudgetBytes).toBe(0);
  });

  it('breaks ties in last use by name, so the choice is stable', () => {
    const x = image('swelancer/swelancer_x86_b:releasev1', '2025-01-01T00:00:00.000Z', 10);
    const y = image('swelancer/swelancer_x86_a:releasev1', '2025-01-01T00:00:00.000Z', 10);
    expect(chooseEvictions([x, y], { budgetBytes: 10, protect: new Map() }).evict.map((e) => e.image)).toEqual([y.image]);
  });
});

describe('ImageUseRepo', () => {
  let db: Db;
  let use: ImageUseRepo;
  let runs: RunRepo;
  let versionId: number;

  beforeEach(() => {
    db = openDatabase(':memory:');
    use = new ImageUseRepo(db);
    runs = new RunRepo(db);
    versionId = new DatasetRepo(db).insertVersion({
      datasetId: 'ds',
      name: 'ds',
      contentHash: 'c',
      csvHash: 'c',
      issuesHash: null,
      schema: 'current',
      sourcePath: '/x.csv',
      issuesDir: null,
      columns: [],
      extraColumns: [],
      skipped: [],
      tasks: [],
    }).versionId;
  });
  afterEach(() => db.close());

  function addRun(id: string, images: string[]): void {
    runs.createRun({
      id,
      datasetId: 'ds',
      versionId,
      solver: { kind: 'gold' },
      manifest: { taskIds: images } as unknown as RunManifest,
      concurrency: 1,
      maxRetries: 0,
      tasks: images.map((image, i) => ({ questionId: `q${i}`, image, price: 1 })),
    });
  }

  it('keeps the latest use of each image; an older time never wins', () => {
    use.markUsed(['img:1', 'img:2'], new Date('2025-03-01T00:00:00Z'));
    use.markUsed(['img:1'], new Date('2025-01-01T00:00:00Z'));
    use.markUsed(['img:2'], new Date('2025-04-01T00:00:00Z'));
    expect(Object.fromEntries(use.lastUsed())).toEqual({ 'img:1': '2025-03-01T00:00:00.000Z', 'img:2': '2025-04-01T00:00:00.000Z' });
    use.forget(['img:1']);
    expect([...use.lastUsed().keys()]).toEqual(['img:2']);
  });

  it('lists the images of queued, running and paused runs only', () => {
    addRun('run-queued', ['a:1', 'shared:1']);
    addRun('run-running', ['b:1', 'shared:1']);
    addRun('run-paused', ['c:1']);
    addRun('run-finished', ['d:1']);
    addRun('run-cancelled', ['e:1']);
    runs.setRunStatus('run-running', 'running');
    runs.setRunStatus('run-paused', 'paused');
    runs.setRunStatus('run-finished', 'finished');
    runs.setRunStatus('run-cancelled', 'cancelled');
    const needed = use.neededByUnfinishedRuns();
    expect([...needed.keys()].sort()).toEqual(['a:1', 'b:1', 'c:1', 'shared:1']);
    expect(needed.get('shared:1')?.sort()).toEqual(['run-queued', 'run-running']);
  });
});

describe('the budget and registry settings', () => {
  it('are stored and read back, and a cleared registry means Docker Hub', () => {
    const db = openDatabase(':memory:');
    try {
      const settings = new SettingsStore(db);
      expect(settings.get()).toMatchObject({ diskBudgetGb: 0 });
      expect(settings.get().imageRegistry).toBeUndefined();
      settings.update({ diskBudgetGb: 250, imageRegistry: '127.0.0.1:5000' });
      // A fresh store over the same file reads them (the optional key is not dropped on read).
      expect(new SettingsStore(db).get()).toMatchObject({ diskBudgetGb: 250, imageRegistry: '127.0.0.1:5000' });
      settings.update({ imageRegistry: '' });
      expect(new SettingsStore(db).get().imageRegistry).toBe('');
      expect(() => settings.update({ imageRegistry: 'not a host/' })).toThrow();
      expect(() => settings.update({ diskBudgetGb: -1 })).toThrow();
    } finally {
      db.close();
    }
  });
});
