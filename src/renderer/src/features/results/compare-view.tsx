/**
 * Run A (the first picked) against each other picked run: the 2×2 pass matrix with McNemar's
 * exact p, the earned difference with its paired 95% interval, what differs between the runs'
 * manifests (drift), manager agreement, and the tasks one by one, regressions first.
 */
import { useMemo, useState, type ReactElement } from 'react';
import type { CompareReport, Report } from '../../../../shared/reports';
import { formatCount, formatDollars, plural } from '../runs/format';
import { nameOf, type RunsContext } from './analytics-view';
import { downloadCsv } from './export';
import { useRowLimit } from './row-limit';
import { compareCsv, compareStem, filterCompareRows, variantLabels, type CompareFilter } from './report-tables';
import { formatP, formatRate, formatSignedDollarCI, formatSignedDollars } from './results-format';

/** Every comparison the report has: `comparisons` when present, else the single `compare`. */
export function comparisonsOf(report: Report): CompareReport[] {
  if (report.comparisons && report.comparisons.length > 0) return report.comparisons;
  return report.compare ? [report.compare] : [];
}

export function CompareSection({ ctx }: { ctx: RunsContext }): ReactElement | null {
  const comparisons = comparisonsOf(ctx.report);
  if (comparisons.length === 0) return null;
  return (
    <>
      {comparisons.map((c) => (
        <CompareView key={`${c.a}|${c.b}`} compare={c} ctx={ctx} />
      ))}
    </>
  );
}

const classLabels: Record<CompareReport['rows'][number]['class'], string> = {
  bothPass: 'both pass',
  onlyA: 'only A',
  onlyB: 'only B',
  neither: 'neither',
};

export function CompareView({ compare, ctx }: { compare: CompareReport; ctx: RunsContext }): ReactElement {
  const [filter, setFilter] = useState<CompareFilter>('all');
  const rows = useMemo(() => filterCompareRows(compare.rows, filter), [compare.rows, filter]);
  const limited = useRowLimit(rows, 'tasks');
  const a = nameOf(ctx, compare.a);
  const b = nameOf(ctx, compare.b);
  const title = `Compare ${a} with ${b}`;
  const significant = compare.mcnemarP < 0.05;
  const agreement = compare.managerAgreement;

  return (
    <section className="panel compare" aria-label={title} data-compare-a={compare.a} data-compare-b={compare.b}>
      <div className="panel-title">
        <h2>{title}</h2>
        <span className="muted">
          {plural(compare.tasks, 'task')} graded in both
          {compare.notShared > 0 && ` · ${plural(compare.notShared, 'task')} only one of them graded (not compared)`}
        </span>
      </div>

      <div className="compare-grid">
        <table className="pass-matrix" aria-label="Pass matrix">
          <thead>
            <tr>
              <td />
              <th scope="col">B passed</th>
              <th scope="col">B did not</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">A passed</th>
              <td className="cell-both" data-testid="matrix-both-pass">
                {formatCount(compare.bothPass)}
              </td>
              <td className="cell-only-a" data-testid="matrix-only-a">
                {formatCount(compare.onlyA)}
              </td>
            </tr>
            <tr>
              <th scope="row">A did not</th>
              <td className="cell-only-b" data-testid="matrix-only-b">
                {formatCount(compare.onlyB)}
              </td>
              <td className="cell-neither" data-testid="matrix-neither">
                {formatCount(compare.neither)}
              </td>
            </tr>
          </tbody>
        </table>

        <dl className="facts compare-facts">
          <dt>McNemar&apos;s exact p</dt>
          <dd>
            <strong data-testid="mcnemar-p" data-value={compare.mcnemarP}>
              {formatP(compare.mcnemarP)}
            </strong>{' '}
            <span className="muted">
              {compare.onlyA + compare.onlyB === 0
                ? 'no task passed in only one run'
                : significant
                  ? 'the runs differ beyond chance (p < 0.05)'
                  : 'no difference beyond chance (p ≥ 0.05)'}
            </span>
          </dd>
          <dt>Earned, A − B</dt>
          <dd>
            <strong data-testid="earned-diff" data-value={compare.earnedDiff}>
              {formatSignedDollars(compare.earnedDiff)}
            </strong>{' '}
            <span className="muted" data-testid="earned-diff-ci">
              95% CI {formatSignedDollarCI(compare.earnedDiffCI)}
            </span>
          </dd>
          <dt>Manager agreement</dt>
          <dd data-testid="manager-agreement">
            {agreement === null || agreement.tasks === 0 ? (
              <span className="muted">no manager task in both</span>
            ) : (
              <>
                {formatRate(agreement.rate)}{' '}
                <span className="muted">
                  same proposal on {formatCount(agreement.agree)} of {plural(agreement.tasks, 'task')}
                </span>
              </>
            )}
          </dd>
        </dl>

        <div className={compare.drift.length === 0 ? 'drift no-drift' : 'drift'} data-testid="drift">
          <h3>Drift</h3>
          {compare.drift.length === 0 ? (
            <p className="muted">No drift: the two runs were made under the same conditions.</p>
          ) : (
            <>
              <p className="tone-warn" role="note">
                These runs differ in {plural(compare.drift.length, 'setting')}; a difference in results may come from them.
              </p>
              <ul className="drift-list" aria-label="Drift">
                {compare.drift.map((d) => (
                  <li key={d.field} data-field={d.field}>
                    <code>{d.field}</code>: <span className="drift-a">{d.a}</span> → <span className="drift-b">{d.b}</span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      </div>

      <div className="task-filters" role="radiogroup" aria-label="Which tasks">
        {(
          [
            ['all', `All (${formatCount(compare.rows.length)})`],
            ['onlyA', `Solved only by A (${formatCount(compare.onlyA)})`],
            ['onlyB', `Solved only by B (${formatCount(compare.onlyB)})`],
          ] as const
        ).map(([value, label]) => (
          <label key={value} className="radio">
            <input type="radio" name={`compare-filter-${compare.a}-${compare.b}`} checked={filter === value} onChange={() => setFilter(value)} />
            {label}
          </label>
        ))}
        <button
          type="button"
          className="link-button"
          onClick={() => downloadCsv(`${compareStem(compare)}${filter === 'all' ? '' : `-${filter}`}.csv`, compareCsv(compare, rows))}
        >
          Tasks as CSV
        </button>
      </div>
      <div className="table-wrap compare-rows">
        <table className="data-table" aria-label="Tasks compared">
          <thead>
            <tr>
              <th>Task</th>
              <th>Title</th>
              <th>Variant</th>
              <th className="num">Price</th>
              <th className="num">A pass rate</th>
              <th className="num">B pass rate</th>
              <th className="num">A earned</th>
              <th className="num">B earned</th>
              <th>Outcome</th>
            </tr>
          </thead>
          <tbody>
            {limited.visible.map((r) => (
              <tr key={r.questionId} data-question-id={r.questionId} data-class={r.class} className={`pair-${r.class}`}>
                <td className="mono">{r.questionId}</td>
                <td className="title-cell" title={r.title}>
                  {r.title}
                </td>
                <td>{variantLabels[r.variant]}</td>
                <td className="num">{formatDollars(r.price)}</td>
                <td className="num">{formatRate(r.a.passRate)}</td>
                <td className="num">{formatRate(r.b.passRate)}</td>
                <td className="num">{formatDollars(r.a.earned)}</td>
                <td className="num">{formatDollars(r.b.earned)}</td>
                <td>
                  <span className={`badge pair-badge pair-${r.class}`}>{classLabels[r.class]}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length === 0 && <p className="muted no-rows">No task in this group.</p>}
      </div>
      {limited.more}
    </section>
  );
}
