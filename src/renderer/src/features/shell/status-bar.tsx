/**
 * The status bar: whether the Docker daemon answers (with its error when it does not), and
 * where the data dir is.
 */
import type { ReactElement } from 'react';
import { invoke } from '../../api';
import { useAppStore } from '../../store';

export function StatusBar(): ReactElement {
  const docker = useAppStore((s) => s.docker);
  const info = useAppStore((s) => s.info);
  const setDocker = useAppStore((s) => s.setDocker);
  const dockerText = !docker
    ? 'Docker: checking…'
    : docker.ok
      ? `Docker ${docker.version} (API ${docker.apiVersion})`
      : `Docker unavailable: ${docker.error}`;
  return (
    <footer className="status-bar">
      <button
        type="button"
        className={`docker-status ${docker ? (docker.ok ? 'ok' : 'bad') : ''}`}
        data-testid="docker-status"
        title="Check again"
        onClick={() => void invoke('docker.status', {}).then(setDocker)}
      >
        <span className="dot" aria-hidden="true" />
        {dockerText}
      </button>
      <span className="data-dir" data-testid="data-dir" title="Data dir">
        Data: {info?.dataDir ?? '…'}
      </span>
      <span className="version">{info ? `v${info.version} · ${info.transport}` : ''}</span>
    </footer>
  );
}
