/**
 * "Official images": pulls the SWE-Lancer images a dataset's tasks need. First the plan (size to
 * download, free disk of Docker's data root, the disk budget), then, once confirmed, the pull
 * with a progress bar per layer, a cancel that keeps what was downloaded, and the outcome.
 */
import { useEffect, useRef, useState, type FormEvent, type ReactElement } from 'react';
import type { ImagePullEvent, PullPlan, PullRequest } from '../../../../shared/images';
import type { DatasetSummary } from '../../../../shared/tasks';
import { invoke, on } from '../../api';
import { errorText, formatBytes, plural } from '../runs/format';
import { foldPull, layerStatusLabel, pullBytes, type PullView } from './pull-state';

function PlanView({ plan, onPull, onDiscard, busy }: { plan: PullPlan; onPull: () => void; onDiscard: () => void; busy: boolean }): ReactElement {
  const toPull = plan.images.filter((i) => !i.upToDate);
  const tooBig = plan.freeBytes !== null && plan.downloadBytes > plan.freeBytes;
  const overBudget = plan.budgetBytes !== null && plan.usedBytes + plan.downloadBytes > plan.budgetBytes;
  return (
    <div className="pull-plan" data-testid="pull-plan">
      <table className="data-table">
        <thead>
          <tr>
            <th>Image</th>
            <th className="num">Tasks</th>
            <th className="num">Layers to fetch</th>
            <th className="num">To download</th>
          </tr>
        </thead>
        <tbody>
          {plan.images.map((i) => (
            <tr key={i.image} data-image={i.image}>
              <td className="mono">{i.image}</td>
              <td className="num">{i.questionIds.length}</td>
              <td className="num">{i.error ? '—' : i.upToDate ? 'up to date' : `${i.layers.filter((l) => !l.present).length} of ${i.layers.length}`}</td>
              <td className="num">{i.error ? <span title={i.error}>unknown</span> : formatBytes(i.downloadBytes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {plan.images.some((i) => i.error) && (
        <p className="muted">
          Sizes marked unknown: the registry's API could not be read from here ({plan.images.find((i) => i.error)?.error}); those images
          are pulled through Docker, which starts over after a cancel.
        </p>
      )}
      <dl className="pull-facts">
        <dt>To download</dt>
        <dd data-testid="pull-download">{formatBytes(plan.downloadBytes)}</dd>
        <dt>Free disk</dt>
        <dd data-testid="pull-free">
          {plan.freeBytes === null ? 'unknown (the Docker daemon is not on this machine)' : `${formatBytes(plan.freeBytes)} on ${plan.dockerRootDir ?? "Docker's disk"}`}
        </dd>
        <dt>Disk budget</dt>
        <dd>
          {plan.budgetBytes === null
            ? 'none (set one in Settings)'
            : `official images use ${formatBytes(plan.usedBytes)} of ${formatBytes(plan.budgetBytes)}${overBudget ? '; least recently used ones nobody needs are removed to make room' : ''}`}
        </dd>
        <dt>From</dt>
        <dd className="mono">{plan.registry}</dd>
      </dl>
      {tooBig && (
        <p className="error-box" role="alert">
          Not enough free disk: the download alone is larger than the free space.
        </p>
      )}
      <div className="pull-actions">
        <button type="button" className="solid" onClick={onPull} disabled={busy || tooBig || toPull.length === 0}>
          {toPull.length === 0 ? 'All up to date' : `Pull ${plural(toPull.length, 'image')}`}
        </button>
        <button type="button" onClick={onDiscard} disabled={busy}>
          Back
        </button>
      </div>
    </div>
  );
}

function ProgressView({ view, onCancel }: { view: PullView; onCancel: () => void }): ReactElement {
  const { done, total } = pullBytes(view);
  const running = view.finished === null;
  return (
    <div className="pull-progress" data-testid="pull-progress">
      <div className="build-current">
        <strong>{running ? 'Pulling' : view.finished?.ok ? 'Pulled' : view.finished?.cancelled ? 'Cancelled' : 'Failed'}</strong>
        <span className="muted">
          {formatBytes(done)} of {formatBytes(total)} fetched
        </span>
        {running && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
      <progress aria-label="Pull progress" max={Math.max(total, 1)} value={done} />
      {view.messages.map((m) => (
        <div key={m} className="muted">
          {m}
        </div>
      ))}
      {view.images.map((image) => (
        <details key={image.image} className="pull-image" open={image.state === 'pulling' || image.state === 'failed'} data-image={image.image}>
          <summary>
            <span className="mono">{image.image}</span> <span className="muted">{image.state}</span>
          </summary>
          {image.message && <div className={image.state === 'failed' ? 'error-box' : 'muted'}>{image.message}</div>}
          <ul className="pull-layers">
            {image.layers.map((l) => (
              <li key={l.id} data-layer={l.id} data-status={l.status}>
                <span className="mono">{l.id}</span>
                <progress
                  aria-label={`Layer ${l.id}`}
                  max={Math.max(l.total, 1)}
                  value={l.status === 'waiting' || l.status === 'retrying' ? 0 : l.status === 'downloading' || l.status === 'extracting' ? l.current : l.total}
                />
                <span className="muted">
                  {layerStatusLabel(l.status)}
                  {(l.status === 'downloading' || l.status === 'extracting') && l.total > 0 && ` ${formatBytes(l.current)} / ${formatBytes(l.total)}`}
                  {l.status !== 'downloading' && l.status !== 'extracting' && l.total > 0 && ` · ${formatBytes(l.total)}`}
                </span>
              </li>
            ))}
          </ul>
        </details>
      ))}
      {view.finished && (
        <div className={view.finished.ok ? 'ok-box' : 'error-box'} role={view.finished.ok ? 'status' : 'alert'}>
          {view.finished.message}
        </div>
      )}
    </div>
  );
}

export function PullPanel({ onFinished }: { onFinished: () => void }): ReactElement {
  const [datasets, setDatasets] = useState<DatasetSummary[]>([]);
  const [request, setRequest] = useState<PullRequest>({ datasetId: '' });
  const [tasksText, setTasksText] = useState('');
  const [plan, setPlan] = useState<PullPlan | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [views, setViews] = useState<Record<string, PullView>>({});
  const [shownId, setShownId] = useState<string | null>(null);
  const finishedRef = useRef(onFinished);
  useEffect(() => {
    finishedRef.current = onFinished;
  }, [onFinished]);

  useEffect(() => {
    let live = true;
    void Promise.all([invoke('datasets.list', {}), invoke('settings.get', {})])
      .then(([list, settings]) => {
        if (!live) return;
        setDatasets(list);
        setRequest((r) => ({ ...r, datasetId: r.datasetId || (list[0]?.id ?? ''), registry: r.registry ?? settings.imageRegistry ?? '' }));
      })
      .catch((e: unknown) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, []);

  useEffect(
    () =>
      on('images.pullProgress', (event: ImagePullEvent) => {
        setViews((all) => ({ ...all, [event.pullId]: foldPull(all[event.pullId], event) }));
        // A pull started elsewhere (another window) shows here too.
        setShownId((id) => id ?? event.pullId);
        if (event.type === 'finished') finishedRef.current();
      }),
    [],
  );

  const currentRequest = (): PullRequest => {
    const taskIds = tasksText
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    return {
      datasetId: request.datasetId,
      ...(taskIds.length ? { taskIds } : {}),
      ...(request.monolith ? { monolith: true } : {}),
      ...(request.registry?.trim() ? { registry: request.registry.trim() } : {}),
    };
  };

  const check = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setPlan(null);
    try {
      setPlan(await invoke('images.pullPlan', currentRequest()));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const pull = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const { pullId } = await invoke('images.pull', currentRequest());
      setShownId(pullId);
      setPlan(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const cancel = async (): Promise<void> => {
    if (shownId === null) return;
    try {
      await invoke('images.pullCancel', { pullId: shownId });
    } catch (e) {
      setError(errorText(e));
    }
  };

  const view = shownId === null ? undefined : views[shownId];
  const running = view !== undefined && view.finished === null;

  return (
    <section className="panel pull-panel" aria-label="Official images" data-testid="pull-panel">
      <div className="panel-title">
        <h2>Official images</h2>
      </div>
      <p className="muted">
        Pulls <span className="mono">swelancer/swelancer_x86_&lt;question_id&gt;:releasev1</span> for each IC task and the monolith for manager
        tasks (about 14 GB each) from Docker Hub or a registry you name. A cancelled pull keeps what it downloaded; pulling again resumes.
      </p>
      {!running && !plan && (
        <form className="pull-form" onSubmit={(e) => void check(e)}>
          <label>
            <span>Dataset</span>
            <select value={request.datasetId} onChange={(e) => setRequest({ ...request, datasetId: e.target.value })} aria-label="Dataset">
              {datasets.length === 0 && <option value="">no datasets imported</option>}
              {datasets.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name} ({plural(d.taskCount, 'task')})
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>Tasks</span>
            <input value={tasksText} onChange={(e) => setTasksText(e.target.value)} placeholder="all tasks (or ids, comma-separated)" aria-label="Task ids" />
          </label>
          <label>
            <span>Registry</span>
            <input
              value={request.registry ?? ''}
              onChange={(e) => setRequest({ ...request, registry: e.target.value })}
              placeholder="Docker Hub"
              aria-label="Registry"
            />
          </label>
          <label className="checkbox">
            <input type="checkbox" checked={request.monolith === true} onChange={(e) => setRequest({ ...request, monolith: e.target.checked })} />
            <span>Monolith mode: one image for every task (set up when its container starts)</span>
          </label>
          <button type="submit" disabled={busy || !request.datasetId}>
            {busy ? 'Reading the registry…' : 'Check size'}
          </button>
        </form>
      )}
      {error && (
        <p className="error-box" role="alert">
          {error}
        </p>
      )}
      {plan && !running && <PlanView plan={plan} busy={busy} onPull={() => void pull()} onDiscard={() => setPlan(null)} />}
      {view && <ProgressView view={view} onCancel={() => void cancel()} />}
    </section>
  );
}
