/**
 * Importing a task CSV from the UI.
 *
 * In the Electron window the CSV comes from the system file picker; in serve mode the core runs
 * on another machine, so the CSV is either a path on that machine or a file uploaded to it.
 * Progress arrives as `import.progress` events carrying the importId this dialog chose.
 */
import { useEffect, useRef, useState, type FormEvent, type ReactElement } from 'react';
import type { ImportProgress, ImportReport } from '../../../../shared/tasks';
import { invoke, on, transport } from '../../api';
import { formatDollars, plural } from './format';
import { uploadFile } from './upload';

const phases: { key: ImportProgress['phase']; label: string }[] = [
  { key: 'read', label: 'Read' },
  { key: 'parse', label: 'Parse' },
  { key: 'validate', label: 'Validate' },
  { key: 'issues', label: 'Issue folders' },
  { key: 'store', label: 'Store' },
  { key: 'done', label: 'Done' },
];

type Stage =
  | { kind: 'form' }
  | { kind: 'uploading'; fileName: string }
  | { kind: 'importing' }
  | { kind: 'done'; report: ImportReport }
  | { kind: 'error'; message: string };

export function ImportDialog({ onClose, onImported }: { onClose(): void; onImported(report: ImportReport): void }): ReactElement {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [source, setSource] = useState<'path' | 'upload'>('path');
  const [csvPath, setCsvPath] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [issuesDir, setIssuesDir] = useState('');
  const [name, setName] = useState('');
  const [skipBadRows, setSkipBadRows] = useState(false);
  const [stage, setStage] = useState<Stage>({ kind: 'form' });
  const [progress, setProgress] = useState<ImportProgress | null>(null);
  const [pickError, setPickError] = useState<string | null>(null);
  const [eventCount, setEventCount] = useState(0);
  // Progress arrives over a different channel than the result (a WebSocket in serve mode), so
  // a listener stays subscribed until the next import or until the dialog closes.
  const unsubscribe = useRef<(() => void) | null>(null);

  const busy = stage.kind === 'uploading' || stage.kind === 'importing';

  useEffect(() => {
    const el = dialogRef.current;
    if (el && typeof el.showModal === 'function' && !el.open) el.showModal();
    return () => unsubscribe.current?.();
  }, []);

  const pickCsv = async (): Promise<void> => {
    setPickError(null);
    try {
      const chosen = await invoke('dialog.openFile', { title: 'Choose a SWE-Lancer task CSV', extensions: ['csv'] });
      if (chosen) setCsvPath(chosen);
    } catch (error) {
      setPickError((error as Error).message);
    }
  };

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (busy) return;
    setProgress(null);
    setEventCount(0);
    const importId = crypto.randomUUID();
    let finished = false;
    unsubscribe.current?.();
    unsubscribe.current = on('import.progress', (p) => {
      if (p.importId !== importId) return;
      setEventCount((n) => n + 1);
      // A straggler must not move the bar back once the result is in.
      if (!finished) setProgress(p);
    });
    try {
      let path = csvPath.trim();
      if (transport === 'serve' && source === 'upload') {
        if (!file) throw new Error('Choose a CSV file to upload.');
        setStage({ kind: 'uploading', fileName: file.name });
        path = await uploadFile(file);
      }
      if (path === '') throw new Error('Give the path of a task CSV.');
      setStage({ kind: 'importing' });
      const report = await invoke('datasets.import', {
        path,
        importId,
        skipBadRows,
        ...(issuesDir.trim() ? { issuesDir: issuesDir.trim() } : {}),
        ...(name.trim() ? { name: name.trim() } : {}),
      });
      finished = true;
      setProgress({ importId, phase: 'done', done: 1, total: 1 });
      setStage({ kind: 'done', report });
      onImported(report);
    } catch (error) {
      finished = true;
      setStage({ kind: 'error', message: (error as Error).message });
    }
  };

  const reset = (): void => {
    setStage({ kind: 'form' });
    setProgress(null);
    setCsvPath('');
    setFile(null);
    setIssuesDir('');
    setName('');
  };

  const close = (): void => {
    if (busy) return;
    dialogRef.current?.close();
    onClose();
  };

  return (
    <dialog
      ref={dialogRef}
      className="modal import-dialog"
      aria-labelledby="import-title"
      onCancel={(e) => {
        e.preventDefault();
        close();
      }}
    >
      <form onSubmit={(e) => void submit(e)}>
        <h2 id="import-title">Import tasks</h2>
        <p className="muted">
          A SWE-Lancer task CSV (the current schema or the older Lite one with a prompt column), and optionally its{' '}
          <code>issues/</code> folder with the IC tests. Importing a changed file adds a new version of the dataset.
        </p>

        {transport === 'electron' ? (
          <div className="field">
            <label htmlFor="import-csv">CSV file</label>
            <div className="field-row">
              <input id="import-csv" type="text" value={csvPath} onChange={(e) => setCsvPath(e.target.value)} placeholder="/path/to/tasks.csv" disabled={busy} />
              <button type="button" onClick={() => void pickCsv()} disabled={busy}>
                Choose…
              </button>
            </div>
            {pickError && <small className="error">{pickError}</small>}
          </div>
        ) : (
          <fieldset className="field" disabled={busy}>
            <legend>CSV on the server</legend>
            <div className="segmented" role="radiogroup" aria-label="CSV source">
              <label>
                <input type="radio" name="source" checked={source === 'path'} onChange={() => setSource('path')} />
                <span>Path on the server</span>
              </label>
              <label>
                <input type="radio" name="source" checked={source === 'upload'} onChange={() => setSource('upload')} />
                <span>Upload a file</span>
              </label>
            </div>
            {source === 'path' ? (
              <label className="stacked">
                <span>CSV path</span>
                <input type="text" value={csvPath} onChange={(e) => setCsvPath(e.target.value)} placeholder="/data/swelancer/all_swelancer_tasks.csv" />
                <small className="muted">A path on the machine running <code>lancer serve</code>.</small>
              </label>
            ) : (
              <label className="stacked">
                <span>CSV file</span>
                <input type="file" accept=".csv,text/csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
                <small className="muted">Sent to the server, which keeps a copy in its data dir.</small>
              </label>
            )}
          </fieldset>
        )}

        <label className="stacked">
          <span>Issues folder (optional)</span>
          <input type="text" value={issuesDir} onChange={(e) => setIssuesDir(e.target.value)} placeholder="/path/to/issues" disabled={busy} />
          <small className="muted">
            One folder per IC task (test.py, bug_reintroduce.patch, …){transport === 'serve' ? ', on the server' : ''}.
          </small>
        </label>
        <label className="stacked">
          <span>Dataset name (optional)</span>
          <input type="text" value={name} onChange={(e) => setName(e.target.value)} placeholder="default: the file name" maxLength={100} disabled={busy} />
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={skipBadRows} onChange={(e) => setSkipBadRows(e.target.checked)} disabled={busy} />
          <span>Skip bad rows (import the rest and list what was skipped)</span>
        </label>

        {stage.kind === 'uploading' && <p className="muted" role="status">Uploading {stage.fileName}…</p>}
        {(stage.kind === 'importing' || stage.kind === 'done') && <ImportProgressView progress={progress} eventCount={eventCount} />}
        {stage.kind === 'error' && (
          <div className="import-error" role="alert">
            <strong>Import failed.</strong> {stage.message}
          </div>
        )}
        {stage.kind === 'done' && <ImportResult report={stage.report} />}

        <div className="dialog-buttons">
          <button type="button" onClick={close} disabled={busy}>
            {stage.kind === 'done' ? 'Close' : 'Cancel'}
          </button>
          {stage.kind === 'done' ? (
            <button type="button" className="primary" onClick={reset}>
              Import another
            </button>
          ) : (
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Importing…' : 'Import'}
            </button>
          )}
        </div>
      </form>
    </dialog>
  );
}

function ImportProgressView({ progress, eventCount }: { progress: ImportProgress | null; eventCount: number }): ReactElement {
  const current = progress ? phases.findIndex((p) => p.key === progress.phase) : 0;
  const fraction = progress && progress.total > 0 ? Math.min(1, progress.done / progress.total) : 0;
  const overall = progress?.phase === 'done' ? 1 : (Math.max(0, current) + fraction) / (phases.length - 1);
  return (
    <div className="import-progress" data-testid="import-progress" data-events={eventCount}>
      <ol className="phases">
        {phases.map((p, i) => (
          <li key={p.key} className={i < current || progress?.phase === 'done' ? 'phase done' : i === current ? 'phase current' : 'phase'}>
            {p.label}
          </li>
        ))}
      </ol>
      <progress max={1} value={overall} aria-label="Import progress" />
      <small className="muted">
        {progress
          ? progress.phase === 'done'
            ? 'Finished.'
            : `${phases[current]?.label ?? progress.phase}: ${progress.done.toLocaleString('en-US')}${progress.total > 0 ? ` of ${progress.total.toLocaleString('en-US')}` : ''}`
          : 'Starting…'}
      </small>
    </div>
  );
}

function ImportResult({ report }: { report: ImportReport }): ReactElement {
  return (
    <div className="import-result" role="status" data-testid="import-result">
      <p>
        {report.created ? (
          <>
            <strong>Imported {plural(report.taskCount, 'task')}</strong> worth <strong>{formatDollars(report.totalDollars)}</strong> as{' '}
            <code>{report.datasetId}</code> version {report.version}.
          </>
        ) : (
          <>
            <strong>Already imported:</strong> this file is version {report.version} of <code>{report.datasetId}</code> ({plural(report.taskCount, 'task')},{' '}
            {formatDollars(report.totalDollars)}); nothing changed.
          </>
        )}
      </p>
      <p className="muted">
        {report.schema === 'legacy' ? 'Older (Lite) schema' : 'Current schema'} · {plural(report.issuesLinked, 'issue folder')} linked ·{' '}
        {(report.durationMs / 1000).toFixed(1)} s
      </p>
      {report.skipped.length > 0 && (
        <>
          <p className="warn-text">{plural(report.skipped.length, 'row')} skipped:</p>
          <div className="skipped-scroll">
            <table className="skipped-table">
              <thead>
                <tr>
                  <th>Row</th>
                  <th>Question id</th>
                  <th>Column</th>
                  <th>Problem</th>
                </tr>
              </thead>
              <tbody>
                {report.skipped.map((s, i) => (
                  <tr key={i}>
                    <td className="num">{s.row}</td>
                    <td className="mono">{s.questionId ?? '—'}</td>
                    <td className="mono">{s.column ?? '—'}</td>
                    <td>{s.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
