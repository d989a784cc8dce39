/**
 * `lancer report`: the analytics of the Results page for scripts and terminals.
 */
import type { Breakdown, CompareReport, Interval, Report, RunReport } from '../../shared/reports';
import { parseInput } from '../../shared/result';
import { reportRequestSchema } from '../../shared/reports';
import { createReport } from '../../main/core/reports/report-service';
import { CliError, type CliContext } from '../context';
import { formatDollarsCli as dollars } from '../format';

export const reportHelp = `lancer report RUN [RUN…] [--exclude-suspect] [--resamples N] [--seed N] [--json]
  Earnings analytics of finished runs: pass rate and earned dollars with 95% bootstrap intervals
  (tasks resampled, seeded: the same ledger gives the same interval), by variant, price bucket and
  set; pass@k, earned@k and pass^k with repeats; manager decisions against chance; tokens and
  dollars spent. System errors are left out of every denominator and counted apart.
  With two or more runs, the first is compared with each other: a per-task matrix, McNemar's exact
  p, a paired bootstrap interval of the difference in earned dollars, and drift in their
  conditions. --exclude-suspect leaves out tasks gold failed in any gold run (listed in the report).`;

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function ci(interval: Interval, format: (x: number) => string): string {
  return `[${format(interval[0])}, ${format(interval[1])}]`;
}

function breakdownLine(label: string, b: Breakdown): string {
  const extra = [b.timeouts ? `${b.timeouts} timeouts` : '', b.errors ? `${b.errors} errors (not counted)` : '', b.missingTasks ? `${b.missingTasks} tasks all errors` : '']
    .filter(Boolean)
    .join(', ');
  return (
    `  ${label.padEnd(12)} ${String(b.tasks).padStart(5)} tasks  pass ${pct(b.passRate).padStart(6)} ${ci(b.passRateCI, pct).padEnd(17)}` +
    `  earned ${dollars(b.earned, 0)} of ${dollars(b.available, 0)} ${ci(b.earnedCI, (x) => dollars(x, 0))}${extra ? `  (${extra})` : ''}`
  );
}

function runLines(r: RunReport): string[] {
  const lines = [`${r.label}  (${r.status}, ${r.attemptsPerTask} attempt${r.attemptsPerTask === 1 ? '' : 's'} per task)`];
  lines.push(breakdownLine('all', r.summary));
  if (r.byVariant.ic_swe) lines.push(breakdownLine('ic_swe', r.byVariant.ic_swe));
  if (r.byVariant.swe_manager) lines.push(breakdownLine('swe_manager', r.byVariant.swe_manager));
  for (const b of r.byPriceBucket) if (b.tasks > 0 || b.errors > 0) lines.push(breakdownLine(b.label, b));
  for (const s of r.bySet) lines.push(breakdownLine(`set ${s.label}`, s));
  if (r.passAtK.length > 1) {
    lines.push(`  pass@k  ${r.passAtK.map((p) => `k=${p.k} ${pct(p.passRate)} ${dollars(p.earned, 0)}`).join(' · ')}`);
    lines.push(`  pass^k  ${r.passHatK.map((p) => `k=${p.k} ${pct(p.passRate)}`).join(' · ')}`);
  }
  if (r.manager) {
    const m = r.manager;
    lines.push(
      `  manager: ${m.decisions} decisions, accuracy ${pct(m.accuracy)} ${ci(m.accuracyCI, pct)} vs chance ${pct(m.chanceAccuracy)}; ` +
        `earned ${dollars(m.earned, 0)} vs chance ${dollars(m.chanceEarned, 0)}`,
    );
    lines.push(`  position chosen/hired: ${m.positionBias.map((p) => `#${p.position} ${p.chosen}/${p.hired}`).join(' · ')}`);
  }
  const c = r.cost;
  if (c.usd > 0 || c.inputTokens > 0) {
    lines.push(
      `  cost: ${c.inputTokens.toLocaleString('en-US')} in / ${c.outputTokens.toLocaleString('en-US')} out tokens${c.estimated ? ' (estimated)' : ''}, ` +
        `${dollars(c.usd)} spent, ${c.usdPerEarnedDollar === null ? 'nothing earned' : `${dollars(c.usdPerEarnedDollar, 4)} per $ earned`}, earned − spent ${dollars(c.earnedMinusSpent)}`,
    );
  }
  if (r.leftOnTable.length > 0) {
    const top = r.leftOnTable.slice(0, 5).map((t) => `${t.questionId} ${dollars(t.price, 0)}`);
    lines.push(`  left on the table: ${dollars(r.leftOnTableUsd, 0)} in ${r.leftOnTable.length} tasks (${top.join(', ')}${r.leftOnTable.length > 5 ? ', …' : ''})`);
  }
  if (r.excluded.length > 0) lines.push(`  excluded as suspect (gold failed them): ${r.excluded.map((e) => e.questionId).join(', ')}`);
  return lines;
}

function compareLines(c: CompareReport): string[] {
  const lines = [
    `${c.a} vs ${c.b}: ${c.tasks} shared tasks${c.notShared ? ` (${c.notShared} graded in one run only)` : ''}`,
    `  both pass ${c.bothPass} · only A ${c.onlyA} · only B ${c.onlyB} · neither ${c.neither} · McNemar exact p = ${c.mcnemarP.toPrecision(3)}`,
    `  earned A − B: ${dollars(c.earnedDiff, 0)} ${ci(c.earnedDiffCI, (x) => dollars(x, 0))}`,
  ];
  if (c.managerAgreement) lines.push(`  manager agreement: ${c.managerAgreement.agree} of ${c.managerAgreement.tasks} tasks`);
  if (c.drift.length === 0) lines.push('  no drift: the runs were made under the same conditions');
  else {
    lines.push(`  drift (${c.drift.length} conditions differ):`);
    for (const d of c.drift) lines.push(`    ${d.field}: ${d.a} → ${d.b}`);
  }
  return lines;
}

function integerFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new CliError(`--${name} must be an integer, got "${value}"`, 2);
  return n;
}

export function reportCommand(ctx: CliContext, runIds: string[], opts: { excludeSuspect: boolean; resamples?: string; seed?: string }): void {
  if (runIds.length === 0) throw new CliError(`expected one or more run ids\n\n${reportHelp}`, 2);
  const request = parseInput(
    reportRequestSchema,
    { runIds, excludeSuspect: opts.excludeSuspect, resamples: integerFlag('resamples', opts.resamples), seed: integerFlag('seed', opts.seed) },
    'lancer report',
  );
  const report: Report = createReport(ctx.openWorkbench(), request);
  ctx.result(report, () => {
    const blocks = report.runs.map((r) => runLines(r).join('\n'));
    for (const c of report.comparisons ?? []) blocks.push(compareLines(c).join('\n'));
    return blocks.join('\n\n');
  });
}
