/**
 * Small pieces the Runs, Results and Images pages share: status badges, an inline
 * confirmation, a ticking clock, and a JSON download.
 */
import { useEffect, useState, type ReactElement, type ReactNode } from 'react';
import type { AttemptState, RunStatus } from '../../../../shared/runs';
import { runStatusLabel } from './format';
import { downloadBlob } from '../results/export';

export function StateBadge({ state }: { state: AttemptState }): ReactElement {
  return (
    <span className={`badge state-${state}`} data-state={state}>
      {state}
    </span>
  );
}

export function RunStatusBadge({ status }: { status: RunStatus }): ReactElement {
  return (
    <span className={`badge status-${status}`} data-status={status}>
      {runStatusLabel(status)}
    </span>
  );
}

/**
 * A button that asks once more in place ("Remove? Yes / No") instead of a modal: calm, and it
 * keeps the question next to what it is about.
 */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  cancelLabel = 'Keep',
  disabled,
  danger,
  onConfirm,
}: {
  label: ReactNode;
  question: string;
  confirmLabel: string;
  cancelLabel?: string;
  disabled?: boolean;
  danger?: boolean;
  onConfirm: () => void;
}): ReactElement {
  const [asking, setAsking] = useState(false);
  if (!asking || disabled) {
    return (
      <button type="button" className={danger ? 'danger' : undefined} disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={question}>
      <span className="confirm-question">{question}</span>
      <button
        type="button"
        className="danger solid"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        {cancelLabel}
      </button>
    </span>
  );
}

/** The current time, ticking every `intervalMs` while `active`. */
export function useNow(active: boolean, intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return undefined;
    const tick = (): void => setNow(Date.now());
    const first = setTimeout(tick, 0);
    const timer = setInterval(tick, intervalMs);
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }, [active, intervalMs]);
  return now;
}

/** Offers `value` as a JSON file through a Blob URL (works in the window and in a browser tab). */
export function downloadJson(fileName: string, value: unknown): void {
  downloadBlob(fileName, new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: 'application/json' }));
}
