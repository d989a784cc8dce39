/**
 * Which dataset the table shows. With several imported (say the Lite CSV and the full one),
 * each is a card with its count and dollars by variant; with one, a single summary line.
 */
import type { ReactElement } from 'react';
import type { Tally, Variant } from '../../../../shared/tasks';
import { formatDollars, plural, variantLabel } from './format';
import { useTasksStore } from './tasks-store';

function VariantTallies({ byVariant }: { byVariant: Record<Variant, Tally> }): ReactElement {
  return (
    <span className="variant-tallies">
      {(Object.keys(byVariant) as Variant[]).map((v) => (
        <span key={v}>
          {variantLabel(v)} {byVariant[v].count} · {formatDollars(byVariant[v].dollars)}
        </span>
      ))}
    </span>
  );
}

export function DatasetPicker(): ReactElement | null {
  const datasets = useTasksStore((s) => s.datasets);
  const datasetId = useTasksStore((s) => s.filters.datasetId);
  const activeSet = useTasksStore((s) => s.activeSet);
  const setFilters = useTasksStore((s) => s.setFilters);

  const only = datasets.length === 1 ? datasets[0] : undefined;
  if (only) {
    return (
      <div className="dataset-summary" data-testid="dataset-summary">
        <strong>{only.name}</strong>
        <span className="muted">
          v{only.version} · {only.schema === 'legacy' ? 'Lite schema' : 'current schema'}
        </span>
        <span>
          {plural(only.taskCount, 'task')} · {formatDollars(only.totalDollars)}
        </span>
        <VariantTallies byVariant={only.byVariant} />
      </div>
    );
  }
  if (datasets.length === 0) return null;

  const all = {
    count: datasets.reduce((n, d) => n + d.taskCount, 0),
    dollars: datasets.reduce((n, d) => n + d.totalDollars, 0),
  };
  return (
    <div className="dataset-picker" role="radiogroup" aria-label="Dataset">
      {datasets.map((d) => (
        <button
          key={d.id}
          type="button"
          role="radio"
          aria-checked={activeSet === null && datasetId === d.id}
          className="dataset-card"
          data-testid="dataset-card"
          data-dataset-id={d.id}
          onClick={() => setFilters({ datasetId: d.id, ids: null })}
          title={`${d.sourcePath}\nimported ${new Date(d.importedAt).toLocaleString()}${d.versionCount > 1 ? `\n${d.versionCount} versions` : ''}`}
        >
          <span className="dataset-name">
            {d.name} <span className="muted">v{d.version}</span>
          </span>
          <span className="dataset-total">
            {plural(d.taskCount, 'task')} · {formatDollars(d.totalDollars)}
          </span>
          <VariantTallies byVariant={d.byVariant} />
        </button>
      ))}
      <button
        type="button"
        role="radio"
        aria-checked={activeSet === null && datasetId === null}
        className="dataset-card"
        data-testid="dataset-card"
        onClick={() => setFilters({ datasetId: null, ids: null })}
      >
        <span className="dataset-name">All datasets</span>
        <span className="dataset-total">
          {plural(all.count, 'task')} · {formatDollars(all.dollars)}
        </span>
      </button>
    </div>
  );
}
