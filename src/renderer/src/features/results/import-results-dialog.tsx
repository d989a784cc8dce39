/**
 * Imports an official results.csv (one row per task attempt) against a dataset as a finished
 * run whose solver is "imported", so runs made by the official harness or other tools can be
 * picked and compared here. The window reads the file by path (or the system picker); serve
 * mode, whose files live on another machine, sends the chosen file's text.
 */
import { useEffect, useRef, useState, type FormEvent, type ReactElement } from 'react';
import type { DatasetSummary } from '../../../../shared/tasks';
import { invoke, transport } from '../../api';

type Outcome = { runId: string; rows: number; attemptsPerTask: number };

export function ImportResultsDialog({ onClose, onImported }: { onClose(): void; onImported(outcome: Outcome): void }): ReactElement {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [datasets, setDatasets] = useState<DatasetSummary[] | null>(null);
  const [datasetId, setDatasetId] = useState('');
  const [csvPath, setCsvPath] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [label, setLabel] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const el = dialogRef.current;
    if (el && typeof el.showModal === 'function' && !el.open) el.showModal();
    invoke('datasets.list', {})
      .then((list) => {
        setDatasets(list);
        setDatasetId((current) => current || (list[0]?.id ?? ''));
      })
      .catch((e: unknown) => setError((e as Error).message));
  }, []);

  const close = (): void => {
    if (busy) return;
    dialogRef.current?.close();
    onClose();
  };

  const pick = async (): Promise<void> => {
    try {
      const chosen = await invoke('dialog.openFile', { title: 'Choose an official results.csv', extensions: ['csv'] });
      if (chosen) setCsvPath(chosen);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const source =
        transport === 'electron' ? { path: csvPath.trim() } : file ? { content: await file.text(), label: label.trim() || file.name } : null;
      if (!source || ('path' in source && !source.path)) throw new Error('Choose a results.csv first.');
      const outcome = await invoke('runs.importResults', { datasetId, ...source, ...(label.trim() ? { label: label.trim() } : {}) });
      dialogRef.current?.close();
      onImported(outcome);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog
      ref={dialogRef}
      className="modal import-dialog"
      aria-labelledby="import-results-title"
      onCancel={(e) => {
        e.preventDefault();
        close();
      }}
    >
      <form onSubmit={(e) => void submit(e)}>
        <h2 id="import-results-title">Import results</h2>
        <p className="muted">
          An official <code>results.csv</code> (<code>question_id, attempt_id, correct, input_tokens, output_tokens, reasoning_tokens, earned</code>
          ), one row per task attempt. It becomes a finished run to compare with. That file writes <code>False</code> for system errors too,
          so an imported failure may have been an error there.
        </p>
        <div className="field">
          <label htmlFor="import-results-dataset">Dataset</label>
          <select id="import-results-dataset" value={datasetId} onChange={(e) => setDatasetId(e.target.value)} disabled={busy || !datasets}>
            {(datasets ?? []).map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} (version {d.version})
              </option>
            ))}
          </select>
        </div>
        {transport === 'electron' ? (
          <div className="field">
            <label htmlFor="import-results-path">results.csv</label>
            <div className="field-row">
              <input id="import-results-path" type="text" value={csvPath} onChange={(e) => setCsvPath(e.target.value)} placeholder="/path/to/results.csv" disabled={busy} />
              <button type="button" onClick={() => void pick()} disabled={busy}>
                Choose…
              </button>
            </div>
          </div>
        ) : (
          <div className="field">
            <label htmlFor="import-results-file">results.csv</label>
            <input id="import-results-file" type="file" accept=".csv,text/csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} disabled={busy} />
          </div>
        )}
        <div className="field">
          <label htmlFor="import-results-label">Label (optional)</label>
          <input id="import-results-label" type="text" value={label} onChange={(e) => setLabel(e.target.value)} placeholder="e.g. official harness, gpt-4o" disabled={busy} />
        </div>
        {error && (
          <p className="error-box pre-line" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-buttons">
          <button type="button" onClick={close} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || !datasetId}>
            {busy ? 'Importing…' : 'Import'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
