/**
 * Settings › Clusters: the Docker Swarms runs can use (added with `lancer cluster add`, since a
 * cluster's address and certificates are a terminal's business), and on request each node's
 * state as its manager and its own daemon report it.
 */
import { Fragment, useEffect, useState, type ReactElement } from 'react';
import type { ClusterStatus, ClusterSummary } from '../../../../shared/clusters';
import { invoke } from '../../api';
import './endpoints-section.css';

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

export function ClustersSection(): ReactElement {
  const [clusters, setClusters] = useState<ClusterSummary[]>();
  const [status, setStatus] = useState<Record<string, ClusterStatus | { error: string } | 'loading'>>({});

  useEffect(() => {
    void invoke('clusters.list', {}).then(setClusters, () => setClusters([]));
  }, []);

  const check = async (name: string): Promise<void> => {
    setStatus((s) => ({ ...s, [name]: 'loading' }));
    try {
      const result = await invoke('clusters.status', { name });
      setStatus((s) => ({ ...s, [name]: result }));
    } catch (error) {
      setStatus((s) => ({ ...s, [name]: { error: (error as Error).message } }));
    }
  };

  return (
    <section className="endpoints-section" aria-labelledby="clusters-heading">
      <h2 id="clusters-heading">Clusters</h2>
      <p className="muted">
        Docker Swarms that runs can use instead of this machine&apos;s daemon; the results stay here. Add one with{' '}
        <code>lancer cluster add NAME --manager tcp://HOST:2376 --tls-dir DIR</code>, copy the images with{' '}
        <code>lancer images distribute</code>.
      </p>
      {clusters === undefined ? (
        <p className="muted">Loading…</p>
      ) : clusters.length === 0 ? (
        <p className="muted">No clusters.</p>
      ) : (
        <table className="endpoints-table" aria-label="clusters">
          <thead>
            <tr>
              <th>Name</th>
              <th>Manager</th>
              <th>TLS</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {clusters.map((c) => {
              const s = status[c.name];
              return (
                <Fragment key={c.name}>
                  <tr>
                    <td className="mono">{c.name}</td>
                    <td className="mono">{c.manager}</td>
                    <td className="mono">{c.tlsDir ?? '—'}</td>
                    <td className="row-actions">
                      <button type="button" onClick={() => void check(c.name)} disabled={s === 'loading'}>
                        {s === 'loading' ? 'Checking…' : 'Check nodes'}
                      </button>
                    </td>
                  </tr>
                  {s !== undefined && s !== 'loading' && (
                    <tr className="test-row">
                      <td colSpan={4}>
                        {'error' in s ? (
                          <p className="error" role="alert">{s.error}</p>
                        ) : (
                          <table className="endpoints-table" aria-label={`nodes of ${c.name}`}>
                            <thead>
                              <tr>
                                <th>Node</th>
                                <th>Role</th>
                                <th>State</th>
                                <th className="num">CPUs</th>
                                <th className="num">Memory</th>
                                <th className="num">Running</th>
                                <th>Daemon</th>
                              </tr>
                            </thead>
                            <tbody>
                              {s.nodes.map((n) => (
                                <tr key={n.id}>
                                  <td className="mono">{n.hostname}</td>
                                  <td>{n.role}</td>
                                  <td>{n.state}</td>
                                  <td className="num">{n.cpus}</td>
                                  <td className="num">{gib(n.memoryBytes)}</td>
                                  <td className="num">{n.attemptsRunning}</td>
                                  <td className={n.unreachable ? 'error' : 'mono'}>{n.unreachable ?? n.endpoint}</td>
                                </tr>
                              ))}
                            </tbody>
                          </table>
                        )}
                      </td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
