/**
 * The clusters a user added (`lancer cluster add`), by name: where the manager is and which
 * folder holds the client's certificates. Only paths are stored, never key material.
 */
import { AppError } from '../../../shared/result';
import type { ClusterSummary } from '../../../shared/clusters';
import type { Db } from './database';

interface ClusterRow {
  name: string;
  kind: 'swarm';
  manager: string;
  tls_dir: string | null;
  created_at: string;
}

function toSummary(r: ClusterRow): ClusterSummary {
  return { name: r.name, kind: r.kind, manager: r.manager, tlsDir: r.tls_dir, createdAt: r.created_at };
}

export class ClusterRepo {
  constructor(private readonly db: Db) {}

  list(): ClusterSummary[] {
    return (this.db.prepare('SELECT * FROM clusters ORDER BY name').all() as ClusterRow[]).map(toSummary);
  }

  /** The cluster of that name; not_found names the clusters there are. */
  get(name: string): ClusterSummary {
    const row = this.db.prepare('SELECT * FROM clusters WHERE name = ?').get(name) as ClusterRow | undefined;
    if (!row) {
      const known = this.list().map((c) => c.name);
      throw new AppError('not_found', `no cluster "${name}"${known.length ? ` (clusters: ${known.join(', ')})` : ' (add one with `lancer cluster add NAME --manager URL`)'}`);
    }
    return toSummary(row);
  }

  /** Adds a cluster, or replaces the address and certificates of one of the same name. */
  put(cluster: { name: string; manager: string; tlsDir: string | null }): ClusterSummary {
    this.db
      .prepare(
        `INSERT INTO clusters (name, kind, manager, tls_dir, created_at) VALUES (?, 'swarm', ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET manager = excluded.manager, tls_dir = excluded.tls_dir`,
      )
      .run(cluster.name, cluster.manager, cluster.tlsDir, new Date().toISOString());
    return this.get(cluster.name);
  }

  /** Forgets a cluster (runs made on it keep its address in their manifest); false when unknown. */
  remove(name: string): boolean {
    return this.db.prepare('DELETE FROM clusters WHERE name = ?').run(name).changes > 0;
  }
}
