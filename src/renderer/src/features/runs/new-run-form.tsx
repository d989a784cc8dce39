/**
 * "New run": a dataset, what to run (every task, a saved task set, or question ids), the
 * solver (gold, null, a predictions file, or a model agent — built-in, a CLI agent or a custom
 * command line — with its endpoint, limits and budget), how many attempts at once, how many
 * attempts per task, how attempts are graded, and whether to leave out tasks gold failed; Start
 * calls `runs.start` and opens the new run. Start waits while a chosen CLI agent is not downloaded.
 */
import { useEffect, useMemo, useState, type FormEvent, type ReactElement } from 'react';
import type { EndpointInfo } from '../../../../shared/endpoints';
import type { GradingMode, RunStartInput } from '../../../../shared/runs';
import type { DatasetSummary, TaskRow, TaskSet } from '../../../../shared/tasks';
import { invoke } from '../../api';
import { AgentSolverFields, agentImagePrefix, agentSolverInput, emptyAgentDraft, type AgentDraft } from './agent-solver-fields';
import { agentBlocker } from './cli-agents-state';
import { useCliAgents } from './use-cli-agents';
import './agent-choice.css';
import { errorText, formatDollars, plural } from './format';

type Scope = 'all' | 'set' | 'ids';
type SolverKind = 'gold' | 'null' | 'predictions' | 'builtin';

/** The run's grading choices ('' keeps the default); kept here so shared/runs' zod stays out of the bundle. */
const gradingChoices = [
  { value: 'clean', label: 'clean (repository diff in a fresh container)' },
  { value: 'official', label: "official (in the solver's container)" },
  { value: 'both', label: 'both (flag attempts whose results differ)' },
] as const satisfies readonly { value: GradingMode; label: string }[];

function isGradingChoice(value: string): value is '' | GradingMode {
  return value === '' || gradingChoices.some((c) => c.value === value);
}

interface Choices {
  datasets: DatasetSummary[];
  taskSets: TaskSet[];
  concurrency: number;
  /** The setting gradingMode: agents' runs are graded so unless the run asks otherwise. */
  gradingMode: GradingMode;
  /** Saved model endpoints; empty where they cannot be listed. */
  endpoints: EndpointInfo[];
  /** Docker Swarms added with `lancer cluster add`; empty where there are none. */
  clusters: string[];
}

/** `9001, 9002 9003` → ['9001', '9002', '9003'], duplicates dropped, order kept. */
export function parseQuestionIds(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map((s) => s.trim()).filter((s) => s !== ''))];
}

export function NewRunForm({ onStarted, onClose }: { onStarted: (runId: string) => void; onClose: () => void }): ReactElement {
  const [choices, setChoices] = useState<Choices>();
  const [loadError, setLoadError] = useState<string | null>(null);
  const [datasetId, setDatasetId] = useState('');
  const [scope, setScope] = useState<Scope>('all');
  const [taskSet, setTaskSet] = useState('');
  const [idsText, setIdsText] = useState('');
  const [solver, setSolver] = useState<SolverKind>('gold');
  const [predictions, setPredictions] = useState('');
  const [agent, setAgent] = useState<AgentDraft>(emptyAgentDraft);
  const [concurrency, setConcurrency] = useState('');
  /** Independent attempts at every task: more than one gives pass@k and pass^k. */
  const [attemptsPerTask, setAttemptsPerTask] = useState('1');
  /** Leave out tasks that gold failed in some gold run: their tests may not be trustworthy. */
  const [excludeSuspect, setExcludeSuspect] = useState(false);
  /** One image (the monolith) for every task, as the official harness's use_single_image. */
  const [monolith, setMonolith] = useState(false);
  /** '' leaves it to the server: the setting for agents, official for the harness's own solvers. */
  const [grading, setGrading] = useState<'' | GradingMode>('');
  /** '' runs on this machine's Docker daemon; else a cluster's name. */
  const [cluster, setCluster] = useState('');
  const cliAgents = useCliAgents(solver === 'builtin');
  const [tasksOf, setTasksOf] = useState<{ datasetId: string; rows: TaskRow[] }>();
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    // Endpoints are a nicety here: without them the agent is given a base URL and a model.
    const endpoints = invoke('endpoints.list', {}).catch((): EndpointInfo[] => []);
    const clusters = invoke('clusters.list', {}).then(
      (list) => list.map((c) => c.name),
      (): string[] => [],
    );
    Promise.all([invoke('datasets.list', {}), invoke('tasksets.list', {}), invoke('settings.get', {}), endpoints, clusters])
      .then(([datasets, taskSets, settings, saved, clusterNames]) => {
        if (!live) return;
        setChoices({ datasets, taskSets, concurrency: settings.concurrency, gradingMode: settings.gradingMode, endpoints: saved, clusters: clusterNames });
        setAgent((current) => (current.endpoint === '' && current.baseUrl === '' && saved[0] ? { ...current, endpoint: saved[0].name } : current));
        setDatasetId((current) => current || (datasets[0]?.id ?? ''));
        setConcurrency((current) => current || String(settings.concurrency));
      })
      .catch((e: unknown) => live && setLoadError(errorText(e)));
    return () => {
      live = false;
    };
  }, []);

  // The dataset's rows, to check typed question ids and show what they are worth.
  const needRows = scope === 'ids' && datasetId !== '';
  useEffect(() => {
    if (!needRows || tasksOf?.datasetId === datasetId) return undefined;
    let live = true;
    invoke('tasks.list', { datasetId })
      .then((rows) => live && setTasksOf({ datasetId, rows }))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [needRows, datasetId, tasksOf?.datasetId]);

  const dataset = choices?.datasets.find((d) => d.id === datasetId);
  const setsForDataset = useMemo(
    () => (choices?.taskSets ?? []).filter((s) => s.taskIds.some((id) => id.startsWith(`${datasetId}/`))),
    [choices, datasetId],
  );
  const ids = useMemo(() => parseQuestionIds(idsText), [idsText]);
  const rows = tasksOf?.datasetId === datasetId ? tasksOf.rows : undefined;

  const preview = ((): { text: string; problem: string | null } => {
    if (!dataset) return { text: '', problem: 'Choose a dataset.' };
    if (scope === 'all') return { text: `${plural(dataset.taskCount, 'task')} · ${formatDollars(dataset.totalDollars)}`, problem: null };
    if (scope === 'set') {
      const set = setsForDataset.find((s) => s.name === taskSet);
      if (!set) return { text: '', problem: setsForDataset.length === 0 ? 'No saved task set has tasks of this dataset.' : 'Choose a task set.' };
      const count = set.taskIds.filter((id) => id.startsWith(`${datasetId}/`)).length;
      return { text: plural(count, 'task'), problem: null };
    }
    if (ids.length === 0) return { text: '', problem: 'Type one or more question ids.' };
    if (!rows) return { text: plural(ids.length, 'task'), problem: null };
    const byId = new Map(rows.map((r) => [r.questionId, r]));
    const unknown = ids.filter((id) => !byId.has(id));
    if (unknown.length > 0) return { text: '', problem: `Not in ${dataset.name}: ${unknown.slice(0, 6).join(', ')}${unknown.length > 6 ? ', …' : ''}` };
    const dollars = ids.reduce((sum, id) => sum + (byId.get(id)?.price ?? 0), 0);
    return { text: `${plural(ids.length, 'task')} · ${formatDollars(dollars)}`, problem: null };
  })();

  // A CLI agent that is not downloaded (or a custom one without its command) cannot run yet.
  const agentProblem = solver === 'builtin' ? agentBlocker(agent, cliAgents) : null;

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (preview.problem) {
      setError(preview.problem);
      return;
    }
    if (agentProblem) {
      setError(agentProblem);
      return;
    }
    let solverInput: RunStartInput['solver'];
    let imagePrefix: string | undefined;
    if (solver === 'builtin') {
      const built = agentSolverInput(agent);
      if ('problem' in built) {
        setError(built.problem);
        return;
      }
      const images = agentImagePrefix(agent);
      if ('problem' in images) {
        setError(images.problem);
        return;
      }
      solverInput = built.input;
      imagePrefix = images.prefix;
    } else {
      solverInput = solver === 'predictions' ? { kind: 'predictions', file: predictions.trim() } : { kind: solver };
    }
    const input: RunStartInput = { datasetId, solver: solverInput };
    if (imagePrefix !== undefined) input.imagePrefix = imagePrefix;
    if (grading !== '') input.grading = grading;
    if (cluster !== '') input.cluster = cluster;
    if (scope === 'set') input.taskSet = taskSet;
    if (scope === 'ids') input.taskIds = ids;
    const parallel = Number(concurrency);
    if (concurrency.trim() !== '') {
      if (!Number.isInteger(parallel) || parallel < 1 || parallel > 64) {
        setError('Concurrency is a whole number from 1 to 64.');
        return;
      }
      input.concurrency = parallel;
    }
    const attempts = Number(attemptsPerTask);
    if (attemptsPerTask.trim() === '' || !Number.isInteger(attempts) || attempts < 1 || attempts > 100) {
      setError('Attempts per task is a whole number from 1 to 100.');
      return;
    }
    input.attempts = attempts;
    if (excludeSuspect) input.excludeSuspect = true;
    if (monolith) input.monolith = true;
    if (solver === 'predictions' && predictions.trim() === '') {
      setError('Give the path of a predictions file on the machine running the workbench.');
      return;
    }
    setStarting(true);
    setError(null);
    try {
      const { runId } = await invoke('runs.start', input);
      onStarted(runId);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setStarting(false);
    }
  };

  if (loadError) return <div className="panel new-run"><p className="error">{loadError}</p></div>;
  if (!choices) return <div className="panel new-run"><p className="muted">Loading…</p></div>;
  if (choices.datasets.length === 0) {
    return (
      <div className="panel new-run">
        <div className="panel-title">
          <h2>New run</h2>
          <button type="button" className="link-button" onClick={onClose}>Close</button>
        </div>
        <p className="muted">No dataset yet: import one on the Tasks page (or with <code>lancer import</code>) first.</p>
      </div>
    );
  }

  return (
    <form className="panel new-run" aria-label="New run" onSubmit={(e) => void submit(e)}>
      <div className="panel-title">
        <h2>New run</h2>
        <button type="button" className="link-button" onClick={onClose}>Close</button>
      </div>
      <div className="form-grid">
        <label className="field">
          <span>Dataset</span>
          <select value={datasetId} onChange={(e) => setDatasetId(e.target.value)}>
            {choices.datasets.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} (v{d.version}, {plural(d.taskCount, 'task')})
              </option>
            ))}
          </select>
        </label>

        <fieldset className="field">
          <legend>Tasks</legend>
          <label className="radio">
            <input type="radio" name="scope" checked={scope === 'all'} onChange={() => setScope('all')} />
            All tasks
          </label>
          <label className="radio">
            <input type="radio" name="scope" checked={scope === 'set'} onChange={() => setScope('set')} />
            Task set
            <select
              aria-label="Task set"
              value={taskSet}
              disabled={scope !== 'set'}
              onChange={(e) => setTaskSet(e.target.value)}
            >
              <option value="">{setsForDataset.length === 0 ? 'none saved' : 'choose…'}</option>
              {setsForDataset.map((s) => (
                <option key={s.name} value={s.name}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          <label className="radio">
            <input type="radio" name="scope" checked={scope === 'ids'} onChange={() => setScope('ids')} />
            Question ids
            <input
              type="text"
              aria-label="Question ids"
              placeholder="e.g. 9001, 9002"
              value={idsText}
              onFocus={() => setScope('ids')}
              onChange={(e) => setIdsText(e.target.value)}
            />
          </label>
        </fieldset>

        <fieldset className="field">
          <legend>Solver</legend>
          <label className="radio">
            <input type="radio" name="solver" checked={solver === 'gold'} onChange={() => setSolver('gold')} />
            Gold patches <small className="muted">(should pass: checks the set-up)</small>
          </label>
          <label className="radio">
            <input type="radio" name="solver" checked={solver === 'null'} onChange={() => setSolver('null')} />
            Null <small className="muted">(no change: should fail)</small>
          </label>
          <label className="radio">
            <input type="radio" name="solver" checked={solver === 'predictions'} onChange={() => setSolver('predictions')} />
            Predictions file
            <input
              type="text"
              aria-label="Predictions file"
              placeholder="/path/on/the/server/predictions.jsonl"
              value={predictions}
              onFocus={() => setSolver('predictions')}
              onChange={(e) => setPredictions(e.target.value)}
            />
          </label>
          <label className="radio">
            <input type="radio" name="solver" checked={solver === 'builtin'} onChange={() => setSolver('builtin')} />
            {/* One flex item, so the long label wraps beside its radio rather than under it. */}
            <span className="radio-text">
              Model agent (built-in), CLI agent or custom command <small className="muted">(a model solves each task in its container)</small>
            </span>
          </label>
          {solver === 'predictions' && (
            <small className="muted hint">
              JSONL on the machine running the workbench: one <code>{'{"question_id", "patch"}'}</code> or{' '}
              <code>{'{"question_id", "selected_proposal_id"}'}</code> per line.
            </small>
          )}
        </fieldset>

        <label className="field narrow">
          <span>Concurrency</span>
          <input
            type="number"
            min={1}
            max={64}
            value={concurrency}
            onChange={(e) => setConcurrency(e.target.value)}
          />
          <small className="muted">Default {choices.concurrency} (Settings)</small>
        </label>
        <label className="field narrow">
          <span>Attempts per task</span>
          <input
            type="number"
            min={1}
            max={100}
            value={attemptsPerTask}
            onChange={(e) => setAttemptsPerTask(e.target.value)}
          />
          <small className="muted">More than 1 gives pass@k</small>
        </label>
        <label className="field narrow">
          <span>Grading</span>
          <select
            value={grading}
            onChange={(e) => {
              const value = e.currentTarget.value;
              if (isGradingChoice(value)) setGrading(value);
            }}
          >
            <option value="">{solver === 'builtin' ? `default: ${choices.gradingMode} (Settings)` : 'default: official'}</option>
            {gradingChoices.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
          <small className="muted">Both flags attempts whose results differ; the clean one counts</small>
        </label>
        {choices.clusters.length > 0 && (
          <label className="field narrow">
            <span>Runs on</span>
            <select value={cluster} onChange={(e) => setCluster(e.currentTarget.value)}>
              <option value="">this machine&apos;s Docker</option>
              {choices.clusters.map((name) => (
                <option key={name} value={name}>
                  cluster {name}
                </option>
              ))}
            </select>
            <small className="muted">A Swarm&apos;s nodes need the images (lancer images distribute)</small>
          </label>
        )}
        <label className="field checkbox">
          <input type="checkbox" checked={monolith} onChange={(e) => setMonolith(e.target.checked)} />
          <span>Monolith image for every task</span>
        </label>
        <label className="field checkbox">
          <input type="checkbox" checked={excludeSuspect} onChange={(e) => setExcludeSuspect(e.target.checked)} />
          <span>Exclude suspect tasks (gold failed them)</span>
        </label>
        {solver === 'builtin' && <AgentSolverFields draft={agent} endpoints={choices.endpoints} cliAgents={cliAgents} onChange={setAgent} />}
      </div>
      <div className="form-actions">
        <button type="submit" disabled={starting || agentProblem !== null} aria-describedby={agentProblem ? 'new-run-blocker' : undefined}>
          {starting ? 'Starting…' : 'Start run'}
        </button>
        <span className={preview.problem ? 'muted' : 'preview'} data-testid="new-run-preview">
          {preview.problem ?? preview.text}
        </span>
        {agentProblem && (
          <span id="new-run-blocker" className="muted start-blocker" data-testid="start-blocker">
            {agentProblem}
          </span>
        )}
      </div>
      {error && (
        <p className="error-box" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
