import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clusterAddSchema } from '../../../shared/clusters';
import { makeTempDir } from '../../../../tests/helpers/temp-dir';
import { openDatabase, type Db } from './database';
import { ClusterRepo } from './cluster-repo';

describe('ClusterRepo', () => {
  let db: Db;
  let cleanup: () => void;

  beforeEach(() => {
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    db = openDatabase(path.join(tmp.dir, 'lancer.db'));
  });
  afterEach(() => {
    db.close();
    cleanup();
  });

  it('stores a cluster by name, replaces its address on a second add, and forgets it', () => {
    const repo = new ClusterRepo(db);
    repo.put({ name: 'lab', manager: 'tcp://10.0.0.1:2376', tlsDir: '/certs/lab' });
    const first = repo.get('lab');
    repo.put({ name: 'lab', manager: 'tcp://10.0.0.2:2376', tlsDir: null });
    expect(repo.get('lab')).toMatchObject({ name: 'lab', kind: 'swarm', manager: 'tcp://10.0.0.2:2376', tlsDir: null, createdAt: first.createdAt });
    expect(repo.list().map((c) => c.name)).toEqual(['lab']);
    expect(repo.remove('lab')).toBe(true);
    expect(repo.remove('lab')).toBe(false);
  });

  it('names the clusters there are when asked for one that is not', () => {
    const repo = new ClusterRepo(db);
    expect(() => repo.get('lab')).toThrow(/no cluster "lab" \(add one with `lancer cluster add/);
    repo.put({ name: 'big', manager: 'unix:///run/docker.sock', tlsDir: null });
    expect(() => repo.get('lab')).toThrow(/no cluster "lab" \(clusters: big\)/);
  });

  it('takes only daemon addresses it can reach safely and names label-safe', () => {
    expect(clusterAddSchema.safeParse({ name: 'lab', manager: 'tcp://swarm.example:2376' }).success).toBe(true);
    expect(clusterAddSchema.safeParse({ name: 'lab', manager: 'unix:///var/run/docker.sock' }).success).toBe(true);
    expect(clusterAddSchema.safeParse({ name: 'lab', manager: 'http://swarm.example:2375' }).success).toBe(false);
    expect(clusterAddSchema.safeParse({ name: 'lab', manager: 'tcp://host:2376; rm -rf /' }).success).toBe(false);
    expect(clusterAddSchema.safeParse({ name: 'Lab Cluster', manager: 'tcp://h:2376' }).success).toBe(false);
  });
});
