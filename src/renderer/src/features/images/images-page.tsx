/**
 * The Images section: the workbench's task images with their sizes and the disk they take
 * together (shared layers counted once), removal, and building the sample images.
 */
import { useCallback, useEffect, useState, type ReactElement } from 'react';
import type { ImageInfo, ImagesOverview } from '../../../../shared/images';
import { invoke } from '../../api';
import { errorText, formatBytes, formatDateTime, plural } from '../runs/format';
import { ConfirmButton } from '../runs/widgets';
import { BuildPanel } from './build-panel';
import { PullPanel } from './pull-panel';

/** The build chain's order: each kind is built on the one before it. */
const kindOrder = ['os', 'base', 'benchmark', 'task', 'monolith'];

function kindRank(image: ImageInfo): number {
  const rank = kindOrder.indexOf(image.kind ?? '');
  return rank === -1 ? kindOrder.length : rank;
}

function byChain(a: ImageInfo, b: ImageInfo): number {
  return kindRank(a) - kindRank(b) || (a.names[0] ?? a.id).localeCompare(b.names[0] ?? b.id, undefined, { numeric: true });
}

/** What to hand Docker to remove an image: its first name, or its id when untagged. */
function refOf(image: ImageInfo): string {
  return image.names[0] ?? image.id;
}

function ImageRow({ image, onChanged }: { image: ImageInfo; onChanged: () => void }): ReactElement {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ref = refOf(image);

  const remove = async (force: boolean): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await invoke('images.remove', { name: ref, force });
      onChanged();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <tr data-image={ref} className={error ? 'has-error' : undefined}>
        <td>
          {image.names.length === 0 ? (
            <span className="muted mono">{image.id.replace(/^sha256:/, '').slice(0, 12)} (untagged)</span>
          ) : (
            image.names.map((name, i) => (
              <div key={name} className={i === 0 ? 'mono' : 'mono muted'}>
                {name}
              </div>
            ))
          )}
          {image.official && (
            <div className="muted">{image.lastUsedAt ? `last used ${formatDateTime(image.lastUsedAt)}` : 'not used by a run yet'}</div>
          )}
        </td>
        <td>{image.kind ?? <span className="muted">—</span>}</td>
        <td className="mono">{image.questionId ?? <span className="muted">—</span>}</td>
        <td className="num">{formatBytes(image.sizeBytes)}</td>
        <td className="num">{image.sharedSizeBytes === undefined ? <span className="muted">—</span> : formatBytes(image.sharedSizeBytes)}</td>
        <td>{formatDateTime(image.createdAt)}</td>
        <td className="row-actions">
          <ConfirmButton
            label={busy ? 'Removing…' : 'Remove'}
            question={`Remove ${ref}?`}
            confirmLabel="Remove"
            disabled={busy}
            onConfirm={() => void remove(false)}
          />
        </td>
      </tr>
      {error && (
        <tr className="row-error">
          <td colSpan={7}>
            <div className="error-box" role="alert">
              <span>{error}</span>
              <ConfirmButton
                label="Force remove"
                question="Remove even though it is in use (its tags go; running containers keep their layers)?"
                confirmLabel="Force remove"
                danger
                disabled={busy}
                onConfirm={() => void remove(true)}
              />
            </div>
          </td>
        </tr>
      )}
    </>
  );
}

export function ImagesPage(): ReactElement {
  const [overview, setOverview] = useState<ImagesOverview>();
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(async (): Promise<void> => {
    setLoading(true);
    try {
      setOverview(await invoke('images.list', {}));
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    let live = true;
    invoke('images.list', {})
      .then((value) => live && setOverview(value))
      .catch((e: unknown) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, []);

  const images = [...(overview?.images ?? [])].sort(byChain);
  const sumOfSizes = images.reduce((sum, i) => sum + i.sizeBytes, 0);

  return (
    <section className="page ops images-page">
      <header className="page-head">
        <h1>Images</h1>
        <button type="button" onClick={() => void load()} disabled={loading}>
          {loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </header>
      {error && (
        <p className="error-box" role="alert">
          Could not list the images: {error}
        </p>
      )}
      {overview && (
        <div className="disk-summary panel">
          <div>
            <div className="big-number" data-testid="images-total">
              {formatBytes(overview.totalUniqueBytes)}
            </div>
            <div className="muted">on disk for {plural(images.length, 'image')}, shared layers counted once</div>
          </div>
          <div className="muted">
            Their sizes add up to {formatBytes(sumOfSizes)}: the task images share their base layers.
          </div>
          <div data-testid="images-budget">
            Official images: {formatBytes(overview.officialBytes ?? 0)}
            {overview.budgetBytes ? ` of a ${formatBytes(overview.budgetBytes)} disk budget` : ' (no disk budget; set one in Settings)'}
          </div>
        </div>
      )}
      <BuildPanel onFinished={() => void load()} />
      <PullPanel onFinished={() => void load()} />
      {!overview && !error ? (
        <p className="muted">Loading…</p>
      ) : overview && images.length === 0 ? (
        <div className="panel empty">
          <p>No workbench images yet.</p>
          <p className="muted">Build the sample images above, or pull the official SWE-Lancer images.</p>
        </div>
      ) : (
        overview && (
          <div className="table-wrap panel flush">
            <table className="data-table images-list" aria-label="Images">
              <thead>
                <tr>
                  <th>Names</th>
                  <th>Kind</th>
                  <th>Question</th>
                  <th className="num">Size</th>
                  <th className="num">Shared</th>
                  <th>Created</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {images.map((image) => (
                  <ImageRow key={image.id} image={image} onChanged={() => void load()} />
                ))}
              </tbody>
            </table>
          </div>
        )
      )}
    </section>
  );
}
