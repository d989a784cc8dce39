/**
 * The app shell: navigation on the left, the current section, and the status bar.
 */
import { useEffect, type ReactElement } from 'react';
import { invoke, on } from '../../api';
import { sectionFromHash, sectionLabels, sections, useAppStore, type Section } from '../../store';
import { SettingsPage } from '../settings/settings-page';
import { PlaceholderPage } from '../placeholder/placeholder-page';
import { StatusBar } from './status-bar';
import { assertNever } from '../../../../shared/result';

function SectionView({ section }: { section: Section }): ReactElement {
  switch (section) {
    case 'tasks':
      return <PlaceholderPage title="Tasks" text="Import a SWE-Lancer task CSV to browse its tasks here." />;
    case 'runs':
      return <PlaceholderPage title="Runs" text="Runs of a task selection in Docker will be listed here." />;
    case 'results':
      return <PlaceholderPage title="Results" text="Earnings and pass/fail/timeout/error breakdowns of finished runs." />;
    case 'images':
      return <PlaceholderPage title="Images" text="Task images, their sizes and disk use." />;
    case 'settings':
      return <SettingsPage />;
    default:
      return assertNever(section, 'section');
  }
}

export function App(): ReactElement {
  const section = useAppStore((s) => s.section);
  const setSection = useAppStore((s) => s.setSection);
  const setInfo = useAppStore((s) => s.setInfo);
  const setDocker = useAppStore((s) => s.setDocker);

  useEffect(() => {
    const onHash = (): void => setSection(sectionFromHash(location.hash));
    window.addEventListener('hashchange', onHash);
    const off = on('docker.status', setDocker);
    void invoke('app.info', {}).then(setInfo);
    void invoke('docker.status', {}).then(setDocker);
    return () => {
      window.removeEventListener('hashchange', onHash);
      off();
    };
  }, [setSection, setInfo, setDocker]);

  return (
    <div className="shell">
      <nav className="nav" aria-label="Sections">
        <div className="brand">Lancer Workbench</div>
        {sections.map((s) => (
          <a
            key={s}
            href={`#/${s}`}
            className={s === section ? 'nav-item active' : 'nav-item'}
            aria-current={s === section ? 'page' : undefined}
          >
            {sectionLabels[s]}
          </a>
        ))}
      </nav>
      <main className="content" aria-label={sectionLabels[section]}>
        <SectionView section={section} />
      </main>
      <StatusBar />
    </div>
  );
}
