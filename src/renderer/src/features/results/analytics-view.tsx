/**
 * The analytics of the picked runs, from one `reports.get` answer: summary cards per run,
 * breakdowns (variant, price bucket, set) as charts with 95% intervals as error bars, pass@k
 * and pass^k curves when tasks were repeated, the manager view, the cost view, the money left on
 * the table and the per-task table with its filters. Several runs share each chart.
 */
import { useMemo, useState, type ReactElement, type ReactNode } from 'react';
import type { Breakdown, Report, RunReport } from '../../../../shared/reports';
import { formatTokens, formatTokensExact, formatUsd } from '../agent/usage-format';
import { formatCount, formatDollars, plural } from '../runs/format';
import {
  breakdownEarnedChart,
  breakdownRateChart,
  earnedAtKChart,
  earnedVsSpentChart,
  managerAccuracyChart,
  managerEarnedChart,
  passAtKChart,
  positionBiasChart,
  type RunLegend,
} from './chart-options';
import { downloadCsv } from './export';
import { PlotFigure, type LegendItem } from './plot';
import { useRowLimit } from './row-limit';
import {
  breakdownBars,
  breakdownCsv,
  breakdownFileParts,
  breakdownGroupOrder,
  breakdownTitles,
  costCsv,
  costPoints,
  filterTasks,
  hasBreakdown,
  hasRepeats,
  kPoints,
  leftOnTableCsv,
  managerBars,
  managerCsv,
  parsePriceBound,
  passAtKCsv,
  positionBiasBars,
  setsOf,
  tasksCsv,
  variantLabels,
  type BreakdownKind,
  type TaskFilter,
} from './report-tables';
import { formatDollarCI, formatRate, formatRateCI, formatSeconds, formatSignedDollars } from './results-format';

/** What every part of the view needs to know about the picked runs. */
export interface RunsContext {
  report: Report;
  names: Map<string, string>;
  legend: RunLegend;
  /** `report-<runId>` or `report-<runId>-and-1-more`: the start of every download's name. */
  stem: string;
}

export function nameOf(ctx: RunsContext, runId: string): string {
  return ctx.names.get(runId) ?? runId;
}

function legendItems(ctx: RunsContext): LegendItem[] {
  return ctx.legend.names.map((name, i) => ({ name, colour: ctx.legend.colours[i] ?? '#2f6fed' }));
}

/** `afterSummary`: what goes between the summary and the breakdowns (the comparison of the runs). */
export function AnalyticsView({ ctx, afterSummary }: { ctx: RunsContext; afterSummary?: ReactNode }): ReactElement {
  const runs = ctx.report.runs;
  return (
    <div className="analytics">
      {ctx.report.excludeSuspect && <ExcludedNotice runs={runs} ctx={ctx} />}
      <section className="panel" aria-labelledby="summary-heading">
        <div className="panel-title">
          <h2 id="summary-heading">Summary</h2>
          <button type="button" className="link-button" onClick={() => downloadCsv(`${ctx.stem}-summary.csv`, breakdownCsv(runs, 'summary'))}>
            Summary as CSV
          </button>
        </div>
        {runs.map((run, i) => (
          <SummaryCards key={run.runId} run={run} name={nameOf(ctx, run.runId)} colour={ctx.legend.colours[i] ?? '#2f6fed'} />
        ))}
        <p className="muted small">
          Intervals are 95% bootstrap intervals over tasks ({formatCount(ctx.report.bootstrap.resamples)} resamples, seed{' '}
          {ctx.report.bootstrap.seed}). System errors are counted apart and left out of every rate.
        </p>
      </section>

      {afterSummary}

      <section className="panel" aria-labelledby="breakdowns-heading">
        <div className="panel-title">
          <h2 id="breakdowns-heading">Breakdowns</h2>
          <span className="muted">pass rate and earned dollars; error bars are 95% intervals</span>
        </div>
        {runs.length > 1 && <PlotLegendRow ctx={ctx} />}
        {(['variant', 'price', 'set'] as const).map((kind) => (hasBreakdown(runs, kind) ? <BreakdownCharts key={kind} kind={kind} ctx={ctx} /> : null))}
      </section>

      {hasRepeats(runs) && <RepeatsSection ctx={ctx} />}
      {runs.some((r) => r.manager !== null) && <ManagerSection ctx={ctx} />}
      <CostSection ctx={ctx} />
      {runs.map((run, i) => (
        <RunDetails key={run.runId} run={run} name={nameOf(ctx, run.runId)} colour={ctx.legend.colours[i] ?? '#2f6fed'} />
      ))}
    </div>
  );
}

function PlotLegendRow({ ctx }: { ctx: RunsContext }): ReactElement {
  return (
    <ul className="chart-legend plot-legend" aria-label="Runs">
      {legendItems(ctx).map((item) => (
        <li key={item.name}>
          <span className="swatch" style={{ background: item.colour }} aria-hidden="true" />
          {item.name}
        </li>
      ))}
    </ul>
  );
}

/** Said plainly, near the top: which tasks the toggle left out of these numbers. */
function ExcludedNotice({ runs, ctx }: { runs: readonly RunReport[]; ctx: RunsContext }): ReactElement {
  const total = runs.reduce((sum, r) => sum + r.excluded.length, 0);
  return (
    <section className="panel excluded-notice" aria-label="Excluded tasks" data-testid="excluded-notice">
      {total === 0 ? (
        <p>Suspect tasks are excluded, and none of these runs has one: gold passed every task they ran. Nothing was left out.</p>
      ) : (
        <>
          <p>
            Suspect tasks are excluded: {plural(total, 'task')} left out of the numbers below because gold failed them in some gold
            run (their tests may be broken).
          </p>
          <ul className="plain-list">
            {runs
              .filter((r) => r.excluded.length > 0)
              .map((r) => (
                <li key={r.runId} data-run-id={r.runId}>
                  <strong>{nameOf(ctx, r.runId)}</strong>: <span className="mono">{r.excluded.map((e) => e.questionId).join(', ')}</span>
                </li>
              ))}
          </ul>
        </>
      )}
    </section>
  );
}

function Card({ label, children, testId, detail }: { label: string; children: ReactNode; testId: string; detail?: ReactNode }): ReactElement {
  return (
    <div className="stat-card" data-testid={testId}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{children}</div>
      {detail !== undefined && <div className="stat-detail muted">{detail}</div>}
    </div>
  );
}

export function SummaryCards({ run, name, colour }: { run: RunReport; name: string; colour: string }): ReactElement {
  const s: Breakdown = run.summary;
  return (
    <section className="summary-cards" aria-label={`Summary of ${name}`} data-run-id={run.runId}>
      <h3>
        <span className="swatch" style={{ background: colour }} aria-hidden="true" /> {name}{' '}
        <span className="muted">
          {run.solver} · {run.datasetId} · {plural(run.attemptsPerTask, 'attempt')} per task
        </span>
      </h3>
      <div className="stat-cards">
        <Card label="Pass rate" testId="card-pass-rate" detail={`95% CI ${formatRateCI(s.passRateCI)} · ${formatCount(s.passed)} of ${plural(s.tasks, 'task')}`}>
          <span data-value={s.passRate}>{formatRate(s.passRate)}</span>
        </Card>
        <Card label="Earned" testId="card-earned" detail={`of ${formatDollars(s.available)} · 95% CI ${formatDollarCI(s.earnedCI)}`}>
          <span data-value={s.earned}>{formatDollars(s.earned)}</span>
        </Card>
        <Card label="Attempts" testId="card-attempts" detail={`${formatCount(s.passed)} passed · ${formatCount(s.failed)} failed`}>
          {formatCount(s.attempts)}
        </Card>
        <Card label="Timeouts" testId="card-timeouts" detail="graded, not passed">
          {formatCount(s.timeouts)}
        </Card>
        <Card label="Errors" testId="card-errors" detail="system errors, in no rate">
          {formatCount(s.errors)}
        </Card>
        <Card label="Missing tasks" testId="card-missing" detail="every attempt an error">
          {formatCount(s.missingTasks)}
        </Card>
      </div>
    </section>
  );
}

function BreakdownCharts({ kind, ctx }: { kind: BreakdownKind; ctx: RunsContext }): ReactElement {
  const runs = ctx.report.runs;
  const bars = useMemo(() => breakdownBars(runs, kind, ctx.names), [runs, kind, ctx.names]);
  const groups = useMemo(() => breakdownGroupOrder(runs, kind), [runs, kind]);
  const rate = useMemo(() => breakdownRateChart(bars, groups, ctx.legend), [bars, groups, ctx.legend]);
  const earned = useMemo(() => breakdownEarnedChart(bars, groups, ctx.legend), [bars, groups, ctx.legend]);
  const part = breakdownFileParts[kind];
  const csv = { fileName: `${ctx.stem}-${part}.csv`, table: () => breakdownCsv(runs, kind) };
  const what = breakdownTitles[kind];
  return (
    <div className="chart-pair" data-breakdown={kind}>
      <PlotFigure
        title={`Pass rate by ${what}`}
        description={`Pass rate per ${what}${runs.length > 1 ? ', one bar per run' : ''}, with 95% intervals as error bars.`}
        options={rate}
        fileStem={`${ctx.stem}-${part}-pass-rate`}
        csv={csv}
      />
      <PlotFigure
        title={`Earned by ${what}`}
        description={`Dollars earned per ${what} over the dollars available (pale), with 95% intervals as error bars.`}
        options={earned}
        fileStem={`${ctx.stem}-${part}-earned`}
        csv={csv}
      />
    </div>
  );
}

function RepeatsSection({ ctx }: { ctx: RunsContext }): ReactElement {
  const runs = ctx.report.runs;
  const points = useMemo(() => kPoints(runs, ctx.names), [runs, ctx.names]);
  const passOptions = useMemo(() => passAtKChart(points, ctx.legend), [points, ctx.legend]);
  const earnedOptions = useMemo(() => earnedAtKChart(points, ctx.legend), [points, ctx.legend]);
  const csv = { fileName: `${ctx.stem}-pass-at-k.csv`, table: () => passAtKCsv(runs) };
  const lines: LegendItem[] = [
    ...legendItems(ctx).map((item) => ({ ...item, dashed: false })),
    { name: 'pass^k (dashed)', colour: '#6a7385', dashed: true },
  ];
  return (
    <section className="panel" aria-labelledby="repeats-heading">
      <div className="panel-title">
        <h2 id="repeats-heading">Repeated attempts</h2>
        <span className="muted">pass@k: some of k attempts pass · pass^k: all k pass</span>
      </div>
      <div className="chart-pair">
        <PlotFigure
          title="pass@k and pass^k"
          description="pass@k (solid) and pass^k (dashed) for k from 1 to the attempts per task, one line per run."
          options={passOptions}
          fileStem={`${ctx.stem}-pass-at-k`}
          csv={csv}
          legend={lines}
        />
        <PlotFigure
          title="Earned@k"
          description="Expected dollars earned when a task counts as solved once one of k attempts passes."
          options={earnedOptions}
          fileStem={`${ctx.stem}-earned-at-k`}
          csv={csv}
          legend={legendItems(ctx)}
        />
      </div>
    </section>
  );
}

function ManagerSection({ ctx }: { ctx: RunsContext }): ReactElement {
  const runs = useMemo(() => ctx.report.runs.filter((r) => r.manager !== null), [ctx.report.runs]);
  const bars = useMemo(() => managerBars(runs, ctx.names), [runs, ctx.names]);
  const runNamesShown = useMemo(() => runs.map((r) => nameOf(ctx, r.runId)), [runs, ctx]);
  const accuracy = useMemo(() => managerAccuracyChart(bars, runNamesShown), [bars, runNamesShown]);
  const earned = useMemo(() => managerEarnedChart(bars, runNamesShown), [bars, runNamesShown]);
  const csv = { fileName: `${ctx.stem}-manager.csv`, table: () => managerCsv(runs) };
  const whoLegend: LegendItem[] = [
    { name: 'Model', colour: '#2f6fed' },
    { name: 'Chance', colour: '#b3bbc8' },
  ];
  return (
    <section className="panel" aria-labelledby="manager-heading">
      <div className="panel-title">
        <h2 id="manager-heading">Manager tasks</h2>
        <span className="muted">the proposal chosen against the one hired, next to picking at random</span>
      </div>
      <div className="table-wrap">
        <table className="plain-table" aria-label="Manager tasks per run">
          <thead>
            <tr>
              <th>Run</th>
              <th className="num">Decisions</th>
              <th className="num">Tasks</th>
              <th className="num">Accuracy</th>
              <th>95% CI</th>
              <th className="num">Chance</th>
              <th className="num">Earned</th>
              <th className="num">Chance earned</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => {
              const m = run.manager;
              if (!m) return null;
              return (
                <tr key={run.runId} data-run-id={run.runId}>
                  <td>{nameOf(ctx, run.runId)}</td>
                  <td className="num">{formatCount(m.decisions)}</td>
                  <td className="num">{formatCount(m.tasks)}</td>
                  <td className="num">{formatRate(m.accuracy)}</td>
                  <td>{formatRateCI(m.accuracyCI)}</td>
                  <td className="num">{formatRate(m.chanceAccuracy)}</td>
                  <td className="num">{formatDollars(m.earned)}</td>
                  <td className="num">{formatDollars(m.chanceEarned)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="chart-pair">
        <PlotFigure
          title="Manager accuracy vs chance"
          description="Share of manager decisions that chose the hired proposal, per run, next to the share a random pick would get."
          options={accuracy}
          fileStem={`${ctx.stem}-manager-accuracy`}
          csv={csv}
          legend={whoLegend}
        />
        <PlotFigure
          title="Manager earned vs chance"
          description="Dollars earned on manager tasks, per run, next to what a random pick would earn."
          options={earned}
          fileStem={`${ctx.stem}-manager-earned`}
          csv={csv}
          legend={whoLegend}
        />
      </div>
      <div className="chart-pair">
        {runs.map((run) => (
          <PositionBias key={run.runId} run={run} name={nameOf(ctx, run.runId)} stem={ctx.stem} />
        ))}
      </div>
    </section>
  );
}

function PositionBias({ run, name, stem }: { run: RunReport; name: string; stem: string }): ReactElement {
  const options = useMemo(() => positionBiasChart(positionBiasBars(run)), [run]);
  return (
    <PlotFigure
      title={`Position bias · ${name}`}
      description="For each position in the list of proposals, how often the model chose it and how often it was the one hired."
      options={options}
      fileStem={`${stem}-${run.runId}-position-bias`}
      csv={{ fileName: `report-${run.runId}-manager.csv`, table: () => managerCsv([run]) }}
      legend={[
        { name: 'Chosen by the model', colour: '#2f6fed' },
        { name: 'Hired', colour: '#1f9d55' },
      ]}
    />
  );
}

function CostSection({ ctx }: { ctx: RunsContext }): ReactElement {
  const runs = ctx.report.runs;
  const points = useMemo(() => costPoints(runs, ctx.names), [runs, ctx.names]);
  const options = useMemo(() => earnedVsSpentChart(points, ctx.legend), [points, ctx.legend]);
  return (
    <section className="panel" aria-labelledby="cost-heading">
      <div className="panel-title">
        <h2 id="cost-heading">Cost</h2>
        <span className="muted">every try counted, retried system errors included</span>
      </div>
      <div className="table-wrap">
        <table className="plain-table cost-table" aria-label="Cost per run">
          <thead>
            <tr>
              <th>Run</th>
              <th className="num">Tokens in</th>
              <th className="num">Tokens out</th>
              <th className="num">Spent</th>
              <th className="num">Spent per $ earned</th>
              <th className="num">Earned − spent</th>
              <th className="num">Wall time</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => {
              const c = run.cost;
              return (
                <tr key={run.runId} data-run-id={run.runId}>
                  <td>
                    {nameOf(ctx, run.runId)}
                    {c.estimated && (
                      <span className="tag" title="Some model server sent no usage: the token counts are estimates">
                        estimated
                      </span>
                    )}
                  </td>
                  <td className="num" data-testid="cost-tokens-in" title={`${formatTokensExact(c.inputTokens)} (${formatTokensExact(c.cachedTokens)} cached)`}>
                    {formatTokens(c.inputTokens)}
                  </td>
                  <td className="num" data-testid="cost-tokens-out" title={`${formatTokensExact(c.outputTokens)} (${formatTokensExact(c.reasoningTokens)} reasoning)`}>
                    {formatTokens(c.outputTokens)}
                  </td>
                  <td className="num" data-testid="cost-spent">
                    {formatUsd(c.usd)}
                  </td>
                  <td className="num" data-testid="cost-spent-per-earned">
                    {c.usdPerEarnedDollar === null ? <span className="muted">nothing earned</span> : formatUsd(c.usdPerEarnedDollar)}
                  </td>
                  <td className={c.earnedMinusSpent < 0 ? 'num tone-bad' : 'num'}>{formatSignedDollars(c.earnedMinusSpent)}</td>
                  <td className="num">{formatSeconds(c.wallSeconds)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <button type="button" className="link-button" onClick={() => downloadCsv(`${ctx.stem}-cost.csv`, costCsv(runs))}>
          Cost as CSV
        </button>
      </div>
      <div className="chart-pair">
        <PlotFigure
          title="Earned against spent"
          description="One point per run: dollars spent on model calls across, dollars earned up."
          options={options}
          fileStem={`${ctx.stem}-earned-vs-spent`}
          csv={{ fileName: `${ctx.stem}-cost.csv`, table: () => costCsv(runs) }}
          legend={legendItems(ctx)}
        />
      </div>
    </section>
  );
}

type VariantChoice = 'all' | 'ic_swe' | 'swe_manager';

/** A run's own lists: the money left on the table and its tasks, with filters. */
function RunDetails({ run, name, colour }: { run: RunReport; name: string; colour: string }): ReactElement {
  const [variant, setVariant] = useState<VariantChoice>('all');
  /** `all`, `none` (tasks without a set) or `set:<name>`. */
  const [setChoice, setSetChoice] = useState('all');
  const [minText, setMinText] = useState('');
  const [maxText, setMaxText] = useState('');
  const sets = useMemo(() => setsOf(run.tasks), [run.tasks]);
  const filter: TaskFilter = {
    variant: variant === 'all' ? undefined : variant,
    set: setChoice === 'all' ? undefined : setChoice === 'none' ? null : setChoice.slice('set:'.length),
    minPrice: parsePriceBound(minText),
    maxPrice: parsePriceBound(maxText),
  };
  const shown = filterTasks(run.tasks, filter);
  const filtered = shown.length !== run.tasks.length;
  const left = useRowLimit(run.leftOnTable, 'tasks left on the table');
  const tasks = useRowLimit(shown, 'tasks');

  return (
    <section className="panel run-details" aria-label={`Tasks of ${name}`} data-run-id={run.runId}>
      <div className="panel-title">
        <h2>
          <span className="swatch" style={{ background: colour }} aria-hidden="true" /> {name}
        </h2>
        <span className="muted mono">{run.runId}</span>
      </div>

      <h3>
        Money left on the table <span className="muted">tasks that never passed, highest price first</span>
      </h3>
      {run.leftOnTable.length === 0 ? (
        <p className="muted">Nothing: every task passed at least once.</p>
      ) : (
        <>
          <p>
            <strong data-testid="left-on-table-total" data-value={run.leftOnTableUsd}>
              {formatDollars(run.leftOnTableUsd)}
            </strong>{' '}
            over {plural(run.leftOnTable.length, 'task')}{' '}
            <button type="button" className="link-button" onClick={() => downloadCsv(`report-${run.runId}-left-on-table.csv`, leftOnTableCsv(run))}>
              CSV
            </button>
          </p>
          <div className="table-wrap short-list">
            <table className="plain-table" aria-label={`Money left on the table by ${name}`}>
              <thead>
                <tr>
                  <th>Task</th>
                  <th>Title</th>
                  <th className="num">Price</th>
                </tr>
              </thead>
              <tbody>
                {left.visible.map((t) => (
                  <tr key={t.questionId}>
                    <td className="mono">{t.questionId}</td>
                    <td>{t.title}</td>
                    <td className="num">{formatDollars(t.price)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {left.more}
        </>
      )}

      <h3>Tasks</h3>
      <div className="task-filters" role="group" aria-label={`Filter the tasks of ${name}`}>
        <label>
          Variant{' '}
          <select value={variant} onChange={(e) => setVariant(e.target.value as VariantChoice)}>
            <option value="all">all</option>
            <option value="ic_swe">{variantLabels.ic_swe}</option>
            <option value="swe_manager">{variantLabels.swe_manager}</option>
          </select>
        </label>
        <label>
          Set{' '}
          <select value={setChoice} onChange={(e) => setSetChoice(e.target.value)}>
            <option value="all">all</option>
            {sets.names.map((s) => (
              <option key={s} value={`set:${s}`}>
                {s}
              </option>
            ))}
            {sets.someWithout && <option value="none">(no set)</option>}
          </select>
        </label>
        <span className="price-range">
          <label>
            Price from <input type="text" inputMode="numeric" size={7} placeholder="$0" value={minText} onChange={(e) => setMinText(e.target.value)} />
          </label>
          <label>
            to <input type="text" inputMode="numeric" size={7} placeholder="any" value={maxText} onChange={(e) => setMaxText(e.target.value)} />
          </label>
        </span>
        <span className="muted" data-testid="task-count">
          {filtered ? `${formatCount(shown.length)} of ${plural(run.tasks.length, 'task')}` : plural(run.tasks.length, 'task')}
        </span>
        <button
          type="button"
          className="link-button"
          onClick={() => downloadCsv(`report-${run.runId}-tasks${filtered ? '-filtered' : ''}.csv`, tasksCsv(run.runId, shown))}
        >
          {filtered ? 'These tasks as CSV' : 'Tasks as CSV'}
        </button>
        <RunCsvMenu run={run} />
      </div>
      <div className="table-wrap task-outcomes">
        <table className="data-table" aria-label={`Task outcomes of ${name}`}>
          <thead>
            <tr>
              <th>Task</th>
              <th>Title</th>
              <th>Variant</th>
              <th>Set</th>
              <th className="num">Price</th>
              <th className="num">Graded</th>
              <th className="num c-passed">Passed</th>
              <th className="num c-timeout">Timeouts</th>
              <th className="num c-error">Errors</th>
              <th className="num">Pass rate</th>
              <th className="num">Earned</th>
              <th className="num">Spent</th>
              <th className="num">Wall time</th>
              <th className="num" title="Graded gold attempts at this task that passed, over all gold runs of the dataset">
                Gold passed
              </th>
            </tr>
          </thead>
          <tbody>
            {tasks.visible.map((t) => (
              <tr key={t.questionId} data-question-id={t.questionId} className={t.suspect ? 'suspect' : undefined}>
                <td className="mono">
                  {t.questionId}
                  {t.suspect && (
                    <span className="tag" title={`Gold failed this task in some gold run: its tests may be broken${t.gold ? ` (gold passed ${t.gold.passed} of ${t.gold.graded})` : ''}`}>
                      suspect
                    </span>
                  )}
                </td>
                <td className="title-cell" title={t.title}>
                  {t.title}
                </td>
                <td>{variantLabels[t.variant]}</td>
                <td>{t.set ?? <span className="muted">—</span>}</td>
                <td className="num">{formatDollars(t.price)}</td>
                <td className="num">{formatCount(t.graded)}</td>
                <td className="num">{formatCount(t.passed)}</td>
                <td className="num">{formatCount(t.timeouts)}</td>
                <td className="num">{formatCount(t.errors)}</td>
                <td className="num">{formatRate(t.passRate)}</td>
                <td className="num">{formatDollars(t.earned)}</td>
                <td className="num">{t.usd > 0 ? formatUsd(t.usd) : <span className="muted">—</span>}</td>
                <td className="num">{formatSeconds(t.wallSeconds)}</td>
                <td className={t.gold && t.gold.passed < t.gold.graded ? 'num tone-warn' : 'num'}>
                  {t.gold ? `${formatCount(t.gold.passed)} / ${formatCount(t.gold.graded)}` : <span className="muted">—</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {shown.length === 0 && <p className="muted no-rows">No task matches these filters.</p>}
      </div>
      {tasks.more}
    </section>
  );
}

/** Every table of one run as its own CSV, named after the run. */
function RunCsvMenu({ run }: { run: RunReport }): ReactElement {
  const items: { label: string; file: string; table: () => ReturnType<typeof breakdownCsv> }[] = [
    { label: 'Summary', file: 'summary', table: () => breakdownCsv([run], 'summary') },
    { label: 'By variant', file: 'by-variant', table: () => breakdownCsv([run], 'variant') },
    { label: 'By price bucket', file: 'by-price', table: () => breakdownCsv([run], 'price') },
    { label: 'By set', file: 'by-set', table: () => breakdownCsv([run], 'set') },
    { label: 'pass@k', file: 'pass-at-k', table: () => passAtKCsv([run]) },
    { label: 'Manager', file: 'manager', table: () => managerCsv([run]) },
    { label: 'Cost', file: 'cost', table: () => costCsv([run]) },
    { label: 'Left on the table', file: 'left-on-table', table: () => leftOnTableCsv(run) },
    { label: 'All tasks', file: 'tasks', table: () => tasksCsv(run.runId, run.tasks) },
  ];
  return (
    <details className="csv-menu">
      <summary>More CSV</summary>
      <ul>
        {items.map((item) => (
          <li key={item.file}>
            <button type="button" className="link-button" onClick={() => downloadCsv(`report-${run.runId}-${item.file}.csv`, item.table())}>
              {item.label}
            </button>
          </li>
        ))}
      </ul>
    </details>
  );
}
