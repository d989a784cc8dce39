/**
 * The app shell: navigation on the left, the current section, and the status bar.
 */
import { lazy, Suspense, useEffect, type ReactElement } from 'react';
import { invoke, on } from '../../api';
import { sectionFromHash, sectionLabels, sections, useAppStore, type Section } from '../../store';
import { SettingsPage } from '../settings/settings-page';
import { RunsPage } from '../runs/runs-page';
import { ResultsPage } from '../results/results-page';
import { ImagesPage } from '../images/images-page';
import { LivePage } from '../live/live-page';
import { ReplayRouteView, replayRouteLabel, useReplayRoute } from '../replay/route';
import { StatusBar } from './status-bar';
import { assertNever } from '../../../../shared/result';

// The task browser carries the markdown and highlighting libraries: load it when it is opened,
// so other views (a replay link, the live grid) start without them.
const TasksPage = lazy(() => import('../tasks/tasks-page').then((m) => ({ default: m.TasksPage })));

function SectionView({ section }: { section: Section }): ReactElement {
  switch (section) {
    case 'tasks':
      return (
        <Suspense fallback={<section className="page muted">Loading…</section>}>
          <TasksPage />
        </Suspense>
      );
    case 'runs':
      return <RunsPage />;
    case 'live':
      return <LivePage />;
    case 'results':
      return <ResultsPage />;
    case 'images':
      return <ImagesPage />;
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
  const replayRoute = useReplayRoute();

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
      <main className="content" aria-label={replayRoute ? replayRouteLabel(replayRoute) : sectionLabels[section]}>
        {replayRoute ? <ReplayRouteView route={replayRoute} /> : <SectionView section={section} />}
      </main>
      <StatusBar />
    </div>
  );
}
