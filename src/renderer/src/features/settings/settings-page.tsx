/**
 * Settings: run limits, retry policy and how agents' work is graded, stored in the data dir's
 * SQLite file.
 */
import { useEffect, useState, type FormEvent, type ReactElement } from 'react';
import type { Settings } from '../../../../shared/domain';
import { invoke } from '../../api';
import { EndpointsSection } from './endpoints-section';
import { ClustersSection } from './clusters-section';

type NumericKey = Exclude<keyof Settings, 'keepFailedContainers' | 'imageRegistry' | 'gradingMode'>;

type GradingMode = Settings['gradingMode'];

const gradingChoices: { value: GradingMode; label: string }[] = [
  { value: 'both', label: 'both (flag attempts whose results differ)' },
  { value: 'clean', label: 'clean (the repository diff in a fresh container)' },
  { value: 'official', label: "official (in the solver's container)" },
];

function isGradingMode(value: unknown): value is GradingMode {
  return gradingChoices.some((c) => c.value === value);
}

const fields: { key: NumericKey; label: string; help: string }[] = [
  { key: 'concurrency', label: 'Concurrent attempts', help: 'How many task containers run at once.' },
  { key: 'cpuLimit', label: 'CPUs per container', help: '0 means no limit.' },
  { key: 'memoryLimitMb', label: 'Memory per container (MiB)', help: '0 means no limit.' },
  { key: 'shmMb', label: 'Shared memory per container (MiB)', help: 'Chromium needs more than the 64 MiB default.' },
  { key: 'maxRetries', label: 'Retries on system errors', help: 'Model failures are never retried.' },
  { key: 'testRuns', label: 'Test runs per grading', help: 'Official: 3; a task passes if any run passes.' },
  { key: 'setupTimeoutSec', label: 'Set-up timeout (s)', help: 'Container start and task set-up.' },
  { key: 'solveTimeoutSec', label: 'Solve timeout (s)', help: 'The solver or agent phase.' },
  { key: 'gradeTimeoutSec', label: 'Grading timeout (s)', help: 'All test runs together.' },
  {
    key: 'diskBudgetGb',
    label: 'Disk budget for official images (GB)',
    help: '0 means none. Before a run or pull, least recently used images no unfinished run needs are removed.',
  },
];

export function SettingsPage(): ReactElement {
  const [settings, setSettings] = useState<Settings>();
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();

  useEffect(() => {
    void invoke('settings.get', {}).then(setSettings);
  }, []);

  const save = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const patch: Partial<Settings> = { keepFailedContainers: form.get('keepFailedContainers') === 'on' };
    for (const { key } of fields) patch[key] = Number(form.get(key));
    const grading = form.get('gradingMode');
    if (isGradingMode(grading)) patch.gradingMode = grading;
    patch.imageRegistry = String(form.get('imageRegistry') ?? '').trim();
    try {
      setSettings(await invoke('settings.update', patch));
      setMessage({ ok: true, text: 'Saved.' });
    } catch (error) {
      setMessage({ ok: false, text: (error as Error).message });
    }
  };

  if (!settings) return <section className="page"><h1>Settings</h1><p className="muted">Loading…</p></section>;
  return (
    <section className="page">
      <h1>Settings</h1>
      <form className="settings-form" onSubmit={(e) => void save(e)}>
        {fields.map(({ key, label, help }) => (
          <label key={key}>
            <span>{label}</span>
            <input name={key} type="number" defaultValue={settings[key]} step={key === 'cpuLimit' ? 0.5 : key === 'diskBudgetGb' ? 'any' : 1} />
            <small className="muted">{help}</small>
          </label>
        ))}
        <label>
          <span>Grading</span>
          <select name="gradingMode" defaultValue={settings.gradingMode}>
            {gradingChoices.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
          <small className="muted">
            An agent could tamper with the tests in its own container. Official grades there, as the official harness does; clean grades the
            solver&apos;s repository diff in a fresh container; both does both, flags an attempt whose results differ &ldquo;grading differs&rdquo;
            and counts the clean result. Applies to agents; gold, null and predictions are graded official unless a run asks.
          </small>
        </label>
        <label>
          <span>Registry for official images</span>
          <input name="imageRegistry" type="text" defaultValue={settings.imageRegistry ?? ''} placeholder="Docker Hub" />
          <small className="muted">A host such as 127.0.0.1:5000 or a mirror; pulled images keep their Docker Hub names.</small>
        </label>
        <label className="checkbox">
          <input name="keepFailedContainers" type="checkbox" defaultChecked={settings.keepFailedContainers} />
          <span>Keep containers of failed attempts for inspection</span>
        </label>
        <button type="submit">Save</button>
        {message && <p role="status" className={message.ok ? 'ok' : 'error'}>{message.text}</p>}
      </form>
      <EndpointsSection />
      <ClustersSection />
    </section>
  );
}
