// @vitest-environment jsdom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReportRequest } from '../../../../shared/reports';
import type { RunSummary } from '../../../../shared/runs';
import { useRunsStore } from '../runs/runs-store';
import { oneRunReport, twoRunReport } from './report-fixture';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const requests: ReportRequest[] = [];

function summary(id: string, finishedAt: string, solver: 'gold' | 'null'): RunSummary {
  return {
    id,
    status: 'finished',
    createdAt: finishedAt,
    finishedAt,
    datasetId: 'sample',
    solver: { kind: solver },
    concurrency: 1,
    tally: { tasks: 5, attempts: 5, passed: 1, failed: 4, timeout: 0, error: 0, cancelled: 0, pending: 0, earned: 250, available: 3750 },
  };
}

const [runA, runB] = twoRunReport.runs;
if (!runA || !runB) throw new Error('fixture has two runs');
// A (gold) finished last: it is the newest, picked by default, and so the baseline A.
const runList = [summary(runB.runId, '2025-01-01T12:00:00.000Z', 'null'), summary(runA.runId, '2025-01-02T12:00:00.000Z', 'gold')];

vi.mock('../../api', () => ({
  invoke: (channel: string, input: unknown) => {
    if (channel === 'runs.list') return Promise.resolve(runList);
    if (channel === 'reports.get') {
      const request = input as ReportRequest;
      requests.push(request);
      return Promise.resolve(request.runIds.length > 1 ? { ...twoRunReport, excludeSuspect: request.excludeSuspect ?? false } : oneRunReport);
    }
    return Promise.reject(new Error(`unexpected ${channel}`));
  },
  on: () => () => undefined,
}));

const { ResultsPage } = await import('./results-page');

let container: HTMLDivElement;
let root: Root;

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await act(() => Promise.resolve());
}

beforeEach(async () => {
  requests.length = 0;
  useRunsStore.setState({ runs: undefined, listError: null });
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
  act(() => root.render(<ResultsPage />));
  await settle();
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

const checkbox = (runId: string): HTMLInputElement => {
  const box = container.querySelector<HTMLInputElement>(`input[aria-label="Pick run ${runId}"]`);
  if (!box) throw new Error(`no checkbox for ${runId}`);
  return box;
};

describe('ResultsPage', () => {
  it('picks the newest finished run by default and shows its analytics', () => {
    expect(requests).toEqual([{ runIds: [runA.runId], excludeSuspect: false }]);
    expect(checkbox(runA.runId).checked).toBe(true);
    expect(checkbox(runB.runId).checked).toBe(false);
    const cards = container.querySelector(`section[aria-label="Summary of A · gold"]`);
    expect(cards?.querySelector('[data-testid="card-pass-rate"]')?.textContent).toContain('80.0%');
    expect(cards?.querySelector('[data-testid="card-pass-rate"]')?.textContent).toContain('95% CI 60.0–100%');
    expect(cards?.querySelector('[data-testid="card-earned"]')?.textContent).toContain('$3,000');
    expect(container.querySelector('figure[aria-label="Pass rate by price bucket"] svg')).not.toBeNull();
    // Three attempts per task: curves; no second run: no comparison.
    expect(container.querySelector('figure[aria-label="pass@k and pass^k"] svg')).not.toBeNull();
    expect(container.querySelector('table[aria-label="Pass matrix"]')).toBeNull();
    expect(container.querySelector('[data-testid="excluded-notice"]')).toBeNull();
  });

  it('compares A (picked first) with B once a second run is picked, with the matrix, p, drift and filters', async () => {
    act(() => checkbox(runB.runId).click());
    await settle();
    expect(requests.at(-1)).toEqual({ runIds: [runA.runId, runB.runId], excludeSuspect: false });
    const letters = [...container.querySelectorAll('.results-table tr[data-run-id]')].map((tr) => [tr.getAttribute('data-run-id'), tr.querySelector('[data-testid="pick-letter"]')?.textContent]);
    expect(letters).toEqual([
      [runA.runId, 'A'],
      [runB.runId, 'B'],
    ]);

    const cell = (id: string): string | null | undefined => container.querySelector(`[data-testid="${id}"]`)?.textContent;
    expect([cell('matrix-both-pass'), cell('matrix-only-a'), cell('matrix-only-b'), cell('matrix-neither')]).toEqual(['1', '3', '0', '1']);
    expect(cell('mcnemar-p')).toBe('0.250');
    expect(cell('earned-diff')).toBe('+$2,750');
    expect(cell('manager-agreement')).toContain('50.0%');
    const drift = [...container.querySelectorAll('ul[aria-label="Drift"] li')].map((li) => li.getAttribute('data-field'));
    expect(drift).toEqual(['solver.kind', 'timeoutsSec.solve']);

    const compared = (): string[] =>
      [...container.querySelectorAll('table[aria-label="Tasks compared"] tbody tr')].map((tr) => tr.getAttribute('data-question-id') ?? '');
    expect(compared()).toEqual(['9004', '9101-manager-0', '9002', '9001', '9102-manager-0']);
    const onlyA = [...container.querySelectorAll('label')].find((l) => l.textContent?.startsWith('Solved only by A'));
    act(() => onlyA?.querySelector('input')?.click());
    expect(compared()).toEqual(['9004', '9101-manager-0', '9002']);

    // Repeats and manager tasks in run A bring their charts.
    expect(container.querySelector('figure[aria-label="pass@k and pass^k"] svg')).not.toBeNull();
    expect(container.querySelector('figure[aria-label="Manager accuracy vs chance"] svg')).not.toBeNull();
    expect(container.querySelector('figure[aria-label="Earned against spent"] g[aria-label="dot"]')?.querySelectorAll('circle')).toHaveLength(2);
  });

  it('says which tasks were left out when suspect tasks are excluded, and marks suspect rows', async () => {
    act(() => checkbox(runB.runId).click());
    const toggle = [...container.querySelectorAll('label')].find((l) => l.textContent?.trim() === 'Exclude suspect tasks')?.querySelector('input');
    act(() => toggle?.click());
    await settle();
    expect(requests.at(-1)).toEqual({ runIds: [runA.runId, runB.runId], excludeSuspect: true });
    const notice = container.querySelector('[data-testid="excluded-notice"]');
    expect(notice?.textContent).toContain('1 task left out');
    expect(notice?.textContent).toContain('9003');
    const suspect = container.querySelector('table[aria-label="Task outcomes of A · gold"] tr[data-question-id="9002"]');
    expect(suspect?.className).toBe('suspect');
    expect(suspect?.textContent).toContain('suspect');
  });

  it('filters a run’s tasks by variant and price', async () => {
    const section = container.querySelector('section[aria-label="Tasks of A · gold"]');
    if (!section) throw new Error('no task section');
    const rows = (): string[] => [...section.querySelectorAll('tbody tr[data-question-id]')].map((tr) => tr.getAttribute('data-question-id') ?? '');
    expect(rows()).toHaveLength(5);
    const select = section.querySelector<HTMLSelectElement>('select');
    if (!select) throw new Error('no variant select');
    act(() => {
      const setter = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value')?.set;
      setter?.call(select, 'swe_manager');
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(rows()).toEqual(['9101-manager-0', '9102-manager-0']);
    const from = [...section.querySelectorAll('label')].find((l) => l.textContent?.startsWith('Price from'))?.querySelector('input');
    if (!from) throw new Error('no price field');
    act(() => {
      const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set;
      setter?.call(from, '1500');
      from.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(rows()).toEqual(['9102-manager-0']);
    expect(section.querySelector('[data-testid="task-count"]')?.textContent).toBe('1 of 5 tasks');
  });
});
