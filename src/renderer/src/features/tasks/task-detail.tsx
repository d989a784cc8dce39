/**
 * One task in full, in a side panel: its facts, the description (sanitised markdown) and repro
 * steps; for IC tasks the hidden tests (highlighted) and the bug patch (a coloured diff) with
 * the issue folder's facts; for manager tasks the proposals side by side.
 */
import { memo, useEffect, useState, type ReactElement } from 'react';
import type { TaskDetail } from '../../../../shared/tasks';
import { assertNever } from '../../../../shared/result';
import { invoke } from '../../api';
import { useBlindMode } from './blind-mode';
import { CodeView } from './code-view';
import { formatBytes, formatDollars, variantLabel } from './format';
import { MarkdownView } from './markdown-view';
import { PatchView } from './patch-view';
import { ProposalsView } from './proposals-view';
import { useTasksStore } from './tasks-store';

type Tab = 'description' | 'proposals' | 'tests' | 'details' | 'prompt';

function tabsFor(task: TaskDetail): { key: Tab; label: string }[] {
  const tabs: { key: Tab; label: string }[] = [{ key: 'description', label: 'Description' }];
  if (task.variant === 'swe_manager') tabs.push({ key: 'proposals', label: `Proposals (${task.proposals.length})` });
  if (task.variant === 'ic_swe') tabs.push({ key: 'tests', label: 'Tests & patch' });
  if (task.prompt && task.prompt.length > 0) tabs.push({ key: 'prompt', label: 'Prompt' });
  tabs.push({ key: 'details', label: 'Details' });
  return tabs;
}

/** Fetched details, kept for the session: researchers flip back and forth between tasks. */
const detailCache = new Map<string, TaskDetail>();

/** Drops fetched details; called after an import, since a task id outlives dataset versions. */
export function forgetTaskDetails(): void {
  detailCache.clear();
}

export const TaskDetailPanel = memo(function TaskDetailPanel({
  id,
  expanded,
  onClose,
  onToggleExpand,
}: {
  id: string;
  expanded: boolean;
  onClose(): void;
  onToggleExpand(): void;
}): ReactElement {
  const [loaded, setLoaded] = useState<{ id: string; task?: TaskDetail; error?: string } | null>(null);
  // The tab stays as the user moves between tasks, as long as the next task has it.
  const [wantedTab, setTab] = useState<Tab>('description');

  // A reload (after an import) may bring a new version of this task: fetch it again then.
  const rows = useTasksStore((s) => s.rows);

  useEffect(() => {
    if (detailCache.has(id)) return;
    let live = true;
    invoke('tasks.get', { id }).then(
      (task) => {
        if (detailCache.size > 100) detailCache.clear();
        detailCache.set(id, task);
        if (live) setLoaded({ id, task });
      },
      (error: unknown) => {
        if (live) setLoaded({ id, error: (error as Error).message });
      },
    );
    return () => {
      live = false;
    };
  }, [id, rows]);

  const current = loaded?.id === id ? loaded : null;
  const task = detailCache.get(id) ?? current?.task;
  const error = current?.error;
  const tabs = task ? tabsFor(task) : [];
  const tab = tabs.some((t) => t.key === wantedTab) ? wantedTab : 'description';

  return (
    <aside className={expanded ? 'task-detail expanded' : 'task-detail'} aria-label="Task detail" data-testid="task-detail">
      <div className="detail-head">
        <div className="detail-title">
          <div className="detail-kicker">
            <span className="mono">{task?.questionId ?? id.split('/').pop()}</span>
            {task && <span className={`badge badge-${task.variant}`}>{variantLabel(task.variant)}</span>}
            {task && <span className="price-tag">{formatDollars(task.price)}</span>}
            {task?.set && <span className="badge">{task.set}</span>}
          </div>
          <h2>{task?.title ?? (error ? 'Could not load the task' : 'Loading…')}</h2>
        </div>
        <div className="detail-actions">
          <button type="button" onClick={onToggleExpand} title={expanded ? 'Show the table beside it' : 'Use the full width'} aria-pressed={expanded}>
            {expanded ? 'Split' : 'Widen'}
          </button>
          <button type="button" onClick={onClose} aria-label="Close task" title="Close (Esc)">
            ✕
          </button>
        </div>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {task && (
        <>
          <div className="tabs" role="tablist" aria-label="Task sections">
            {tabs.map((t) => (
              <button
                key={t.key}
                type="button"
                role="tab"
                id={`task-tab-${t.key}`}
                aria-selected={tab === t.key}
                aria-controls="task-tabpanel"
                className={tab === t.key ? 'tab active' : 'tab'}
                onClick={() => setTab(t.key)}
              >
                {t.label}
              </button>
            ))}
          </div>
          <div className={`tab-panel tab-${tab}`} role="tabpanel" id="task-tabpanel" aria-labelledby={`task-tab-${tab}`}>
            <TabContent task={task} tab={tab} />
          </div>
        </>
      )}
    </aside>
  );
});

function TabContent({ task, tab }: { task: TaskDetail; tab: Tab }): ReactElement {
  switch (tab) {
    case 'description':
      return <DescriptionTab task={task} />;
    case 'proposals':
      return <ProposalsView key={task.id} proposals={task.proposals} correctProposalId={task.correctProposalId} />;
    case 'tests':
      return <TestsTab task={task} />;
    case 'prompt':
      return (
        <div className="prompt-messages">
          {(task.prompt ?? []).map((m, i) => (
            <section key={i} className="prompt-message">
              <h4>{m.role}</h4>
              <pre className="plain-text">{m.content}</pre>
            </section>
          ))}
        </div>
      );
    case 'details':
      return <DetailsTab task={task} />;
    default:
      return assertNever(tab, 'tab');
  }
}

function DescriptionTab({ task }: { task: TaskDetail }): ReactElement {
  const repro = task.issue?.issueData?.reproSteps;
  return (
    <div className="detail-scroll">
      {task.description.trim() ? (
        <MarkdownView text={task.description} className="description" testId="task-description" />
      ) : (
        <p className="muted">No description in the CSV.</p>
      )}
      {repro && (
        <section className="repro">
          <h3>Reproduction steps</h3>
          <MarkdownView text={repro} testId="task-repro" />
        </section>
      )}
    </div>
  );
}

function TestsTab({ task }: { task: TaskDetail }): ReactElement {
  const issue = task.issue;
  if (!issue) {
    return (
      <div className="detail-scroll">
        <p className="muted">
          No issue folder is linked to this task. Import the CSV with its <code>issues/</code> folder to see the hidden tests and the bug patch.
        </p>
      </div>
    );
  }
  return (
    <div className="detail-scroll">
      <dl className="facts">
        <dt>Issue folder</dt>
        <dd className="mono">{issue.folder}</dd>
        <dt>Commit</dt>
        <dd className="mono">{issue.commitId ?? <span className="muted">none</span>}</dd>
        <dt>Git tag</dt>
        <dd className="mono">{issue.gitTag || <span className="muted">none</span>}</dd>
        <dt>flow.mitm</dt>
        <dd data-testid="flow-mitm">
          {issue.hasFlowMitm ? `present${issue.flowMitmBytes !== null ? `, ${formatBytes(issue.flowMitmBytes)}` : ''}` : <span className="muted">absent</span>}
        </dd>
      </dl>
      <h3>Tests</h3>
      {issue.testFiles.length === 0 ? (
        <p className="muted">No test files in the folder.</p>
      ) : (
        issue.testFiles.map((f) => <CodeView key={f.name} fileName={f.name} code={f.content} />)
      )}
      <h3>Bug patch</h3>
      {issue.bugPatch ? <PatchView patch={issue.bugPatch} title="bug_reintroduce.patch" /> : <p className="muted">No bug_reintroduce.patch in the folder.</p>}
    </div>
  );
}

function DetailsTab({ task }: { task: TaskDetail }): ReactElement {
  const blind = useBlindMode((s) => s.blind);
  const extra = Object.entries(task.extra);
  return (
    <div className="detail-scroll">
      <dl className="facts">
        <dt>Task id</dt>
        <dd className="mono">{task.id}</dd>
        <dt>Question id</dt>
        <dd className="mono">{task.questionId}</dd>
        <dt>Dataset</dt>
        <dd>
          <span className="mono">{task.datasetId}</span>
        </dd>
        <dt>Variant</dt>
        <dd>{variantLabel(task.variant)}</dd>
        <dt>Price</dt>
        <dd>{formatDollars(task.price)}</dd>
        {task.priceLimit !== null && (
          <>
            <dt>Price limit</dt>
            <dd>{formatDollars(task.priceLimit)}</dd>
          </>
        )}
        <dt>Set</dt>
        <dd>{task.set ?? <span className="muted">none</span>}</dd>
        <dt>Working dir</dt>
        <dd className="mono">{task.cwd ?? <span className="muted">none</span>}</dd>
        {task.variant === 'swe_manager' && (
          <>
            <dt>Manager commit</dt>
            <dd className="mono">{task.managerCommit ?? <span className="muted">none</span>}</dd>
            {!blind && (
              <>
                <dt>Hired proposal</dt>
                <dd>{task.correctProposalId !== null ? `#${task.correctProposalId}` : <span className="muted">unknown</span>}</dd>
              </>
            )}
          </>
        )}
        <dt>Acceptable folders</dt>
        <dd className="mono">{task.acceptableFolders.length ? task.acceptableFolders.join(', ') : <span className="muted">none</span>}</dd>
        {extra.map(([key, value]) => (
          <FactRow key={key} label={key} value={value} />
        ))}
      </dl>
    </div>
  );
}

function FactRow({ label, value }: { label: string; value: string }): ReactElement {
  return (
    <>
      <dt className="mono">{label}</dt>
      <dd className="plain-text">{value}</dd>
    </>
  );
}
