/**
 * `lancer cluster add|list|status|rm` and `lancer images distribute`: Docker Swarms the
 * workbench runs attempts on (`lancer run --cluster NAME`), and the images their nodes need.
 */
import { formatBytes } from '../../main/core/images/image-disk';
import { imageForTask } from '../../main/core/engine/profiles';
import type { Workbench } from '../../main/core/workbench';
import { CliError, type CliContext } from '../context';

export const clusterHelp = `lancer cluster add NAME --manager URL [--tls-dir DIR]
lancer cluster list [--json]
lancer cluster status NAME [--dataset D] [--json]
lancer cluster rm NAME
  A Docker Swarm to run attempts on; the ledger stays on this machine. URL is the manager's
  daemon: unix:///path/docker.sock, or tcp://HOST:2376 with mutual TLS (DIR holds the client's
  ca.pem, cert.pem and key.pem; a daemon on TCP is root on its host, so plain TCP is refused).
  Each node's own daemon address goes in its Swarm label lancer.endpoint (the workbench execs
  and copies files there; Swarm does not forward them):
    docker node update --label-add lancer.endpoint=tcp://HOST:2376 NODE
  status lists each node (role, state, CPUs, memory, attempts running, whether its daemon
  answers) and the benchmark images it holds; with --dataset, that dataset's images it holds and
  lacks.`;

export const imagesDistributeHelp = `lancer images distribute --cluster NAME --dataset D [--tasks ID,…] [--monolith] [--json]
  Copies the images the dataset's tasks need from this machine's daemon to every node of the
  cluster that lacks them (one archive per group of nodes, shared layers once), then labels the
  nodes so Swarm places each attempt where its image is.`;

export interface ClusterCliOptions {
  manager?: string;
  tlsDir?: string;
  dataset?: string;
}

/** The images a dataset's tasks run in (optionally some tasks), as `lancer run` would choose them. */
function datasetImages(wb: Workbench, datasetId: string, opts: { tasks?: string; monolith?: boolean; imagePrefix?: string; imageTag?: string }): string[] {
  const dataset = wb.datasets.listDatasets().find((d) => d.id === datasetId || d.name === datasetId);
  if (!dataset) throw new CliError(`no dataset "${datasetId}" (see lancer datasets)`, 1);
  const only = opts.tasks?.split(',').map((s) => s.trim()).filter(Boolean);
  const rows = wb.datasets.listTasks({ datasetId: dataset.id }).filter((t) => !only || only.includes(t.questionId));
  if (only && rows.length !== only.length) {
    const known = new Set(rows.map((t) => t.questionId));
    throw new CliError(`dataset ${dataset.id} has no task ${only.filter((id) => !known.has(id)).join(', ')}`, 1);
  }
  return [...new Set(rows.map((t) => imageForTask(wb.datasets.getTask(t.id), opts)))].sort();
}

export async function clusterCommand(ctx: CliContext, positionals: string[], opts: ClusterCliOptions): Promise<void> {
  const [action, name, ...rest] = positionals;
  if (rest.length) throw new CliError(`unexpected argument "${rest[0]}"\n\n${clusterHelp}`, 2);
  const wb = ctx.openWorkbench();
  if (action === 'list' || (action === undefined && name === undefined)) {
    const clusters = wb.clusters.list();
    ctx.result(clusters, () => (clusters.length === 0 ? 'no clusters (lancer cluster add NAME --manager URL)' : clusters.map((c) => `${c.name.padEnd(20)} ${c.manager}${c.tlsDir ? `  (TLS: ${c.tlsDir})` : ''}`).join('\n')));
    return;
  }
  if (name === undefined) throw new CliError(`give the cluster's name\n\n${clusterHelp}`, 2);
  if (action === 'add') {
    if (!opts.manager) throw new CliError('--manager URL is required (unix:///path/docker.sock or tcp://HOST:2376)', 2);
    const cluster = await wb.clusters.add({ name, manager: opts.manager, ...(opts.tlsDir ? { tlsDir: opts.tlsDir } : {}) });
    const status = await wb.clusters.status(cluster.name);
    ctx.result(cluster, () => `added cluster ${cluster.name} (${cluster.manager}): ${status.nodes.length} node${status.nodes.length === 1 ? '' : 's'}, ${status.nodes.filter((n) => n.unreachable === null).length} reachable`);
    return;
  }
  if (action === 'status') {
    const images = opts.dataset ? datasetImages(wb, opts.dataset, {}) : [];
    const status = await wb.clusters.status(name, images);
    ctx.result(status, () => {
      const lines = [`cluster ${status.cluster.name}  manager ${status.cluster.manager}`];
      for (const n of status.nodes) {
        lines.push(
          `  ${n.hostname.padEnd(24)} ${n.role.padEnd(7)} ${n.state.padEnd(6)} ${n.availability.padEnd(6)} ${String(n.cpus).padStart(3)} CPUs ${formatBytes(n.memoryBytes).padStart(9)}  ${n.attemptsRunning} running` +
            (n.unreachable ? `  UNREACHABLE: ${n.unreachable}` : ''),
        );
        if (!images.length && n.unreachable === null) {
          lines.push(`    images: ${n.images.present.length ? `${n.images.present.length} (${n.images.present.slice(0, 4).join(', ')}${n.images.present.length > 4 ? ', …' : ''})` : 'none of the benchmark'}`);
        }
        if (images.length && n.unreachable === null) {
          lines.push(`    images: ${n.images.present.length}/${images.length} present${n.images.missing.length ? `; missing: ${n.images.missing.slice(0, 6).join(', ')}${n.images.missing.length > 6 ? ', …' : ''}` : ''}`);
        }
      }
      return lines.join('\n');
    });
    return;
  }
  if (action === 'rm') {
    if (!wb.clusters.remove(name)) throw new CliError(`no cluster "${name}"`, 1);
    ctx.result({ removed: name }, () => `removed cluster ${name} (runs made on it keep its address in their manifest)`);
    return;
  }
  throw new CliError(`unknown cluster action "${action}"\n\n${clusterHelp}`, 2);
}

export async function imagesDistributeCommand(ctx: CliContext, opts: { cluster?: string; dataset?: string; tasks?: string; monolith?: boolean }): Promise<void> {
  if (!opts.cluster) throw new CliError(`--cluster NAME is required\n\n${imagesDistributeHelp}`, 2);
  if (!opts.dataset) throw new CliError(`--dataset D is required\n\n${imagesDistributeHelp}`, 2);
  const wb = ctx.openWorkbench();
  const images = datasetImages(wb, opts.dataset, opts);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  ctx.progress(`copying ${images.length} image${images.length === 1 ? '' : 's'} to the nodes of ${opts.cluster} that lack them…`);
  const report = await wb.clusters.distribute(
    opts.cluster,
    images,
    (p) => ctx.progress(`  ${p.node}: ${formatBytes(p.sentBytes)} of about ${formatBytes(p.totalBytes)} sent`),
    abort.signal,
  );
  const failed = report.nodes.filter((n) => n.error !== null);
  ctx.result({ images, ...report }, () =>
    report.nodes
      .map((n) => `${n.hostname.padEnd(24)} ${n.error ? `FAILED: ${n.error}` : `${n.copied.length} copied, ${n.alreadyThere.length} already there`}`)
      .join('\n'),
  );
  if (failed.length) throw new CliError(`${failed.length} node${failed.length === 1 ? '' : 's'} did not get the images`, 1);
}
