/**
 * Saved selections ("task sets"): save what the table shows (or the checked rows), and list,
 * load and delete saved ones. Runs start from a task set.
 */
import { useState, type FormEvent, type ReactElement } from 'react';
import { invoke } from '../../api';
import { plural } from './format';
import { useTasksStore } from './tasks-store';

export function TaskSetsPanel({ onClose }: { onClose(): void }): ReactElement {
  const taskSets = useTasksStore((s) => s.taskSets);
  const activeSet = useTasksStore((s) => s.activeSet);
  const view = useTasksStore((s) => s.view);
  const checked = useTasksStore((s) => s.checked);
  const rows = useTasksStore((s) => s.rows);
  const loadTaskSet = useTasksStore((s) => s.loadTaskSet);
  const reloadTaskSets = useTasksStore((s) => s.reloadTaskSets);
  const [name, setName] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);

  const source = checked.size > 0 ? 'checked' : 'shown';
  const count = checked.size > 0 ? checked.size : view.length;

  const save = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const taskIds = checked.size > 0 ? [...checked] : view.map((r) => r.id);
    try {
      const saved = await invoke('tasksets.save', { name: name.trim(), taskIds });
      await reloadTaskSets();
      setMessage({ ok: true, text: `Saved “${saved.name}” with ${plural(saved.taskIds.length, 'task')}.` });
      setName('');
    } catch (error) {
      setMessage({ ok: false, text: (error as Error).message });
    }
  };

  const remove = async (setName: string): Promise<void> => {
    setConfirming(null);
    try {
      await invoke('tasksets.delete', { name: setName });
      await reloadTaskSets();
      setMessage({ ok: true, text: `Deleted “${setName}”.` });
    } catch (error) {
      setMessage({ ok: false, text: (error as Error).message });
    }
  };

  const known = new Set(rows.map((r) => r.id));

  return (
    <section className="task-sets-panel" aria-label="Task sets">
      <div className="panel-head">
        <h2>Task sets</h2>
        <button type="button" onClick={onClose} aria-label="Close task sets">
          ✕
        </button>
      </div>
      <form className="task-set-save" onSubmit={(e) => void save(e)}>
        <label className="stacked">
          <span>Save the {plural(count, `${source} task`)} as</span>
          <input type="text" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. diamond-ic-under-1k" maxLength={80} aria-label="Task set name" />
        </label>
        <button type="submit" className="primary" disabled={name.trim() === '' || count === 0}>
          Save set
        </button>
      </form>
      {message && (
        <p role="status" className={message.ok ? 'ok' : 'error'}>
          {message.text}
        </p>
      )}
      {taskSets.length === 0 ? (
        <p className="muted">No task sets yet. Filter or check the tasks you want, then save them here.</p>
      ) : (
        <table className="task-sets-table">
          <thead>
            <tr>
              <th>Name</th>
              <th className="num">Tasks</th>
              <th>Updated</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {taskSets.map((s) => {
              const found = s.taskIds.filter((id) => known.has(id)).length;
              return (
                <tr key={s.name} className={s.name === activeSet ? 'active' : undefined} data-testid="task-set-row">
                  <td>{s.name}</td>
                  <td className="num" title={found < s.taskIds.length ? `${found} of them are in the imported datasets` : undefined}>
                    {s.taskIds.length}
                    {found < s.taskIds.length && <span className="warn-text"> ({found} found)</span>}
                  </td>
                  <td className="muted">{new Date(s.updatedAt).toLocaleString()}</td>
                  <td className="row-actions">
                    <button type="button" onClick={() => loadTaskSet(s)} aria-label={`Load ${s.name}`}>
                      Load
                    </button>
                    {confirming === s.name ? (
                      <button type="button" className="danger" onClick={() => void remove(s.name)} aria-label={`Really delete ${s.name}`}>
                        Really delete?
                      </button>
                    ) : (
                      <button type="button" onClick={() => setConfirming(s.name)} aria-label={`Delete ${s.name}`}>
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
