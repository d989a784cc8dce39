/**
 * The app shell: navigation on the left, the current section, and the status bar.
 */
import { lazy, Suspense, useEffect, type ReactElement } from 'react';
import { invoke, on } from '../../api';
import { sectionFromHash, sectionLabels, sections, useAppStore, type Section } from '../../store';
import { SettingsPage } from '../settings/settings-page';
import { ReplayRouteView, replayRouteLabel, useReplayRoute } from '../replay/route';
import { StatusBar } from './status-bar';
import { prefetchFirstReport } from '../results/prefetch';
import { assertNever } from '../../../../shared/result';

// Sections load when opened (the task browser carries the markdown and highlighting
// libraries), so a link straight to a replay or the live grid starts with little code.
const TasksPage = lazy(() => import('../tasks/tasks-page').then((m) => ({ default: m.TasksPage })));
const RunsPage = lazy(() => import('../runs/runs-page').then((m) => ({ default: m.RunsPage })));
const ResultsPage = lazy(() => {
  prefetchFirstReport(); // the first report is asked for while the page's code loads
  return import('../results/results-page').then((m) => ({ default: m.ResultsPage }));
});
const ImagesPage = lazy(() => import('../images/images-page').then((m) => ({ default: m.ImagesPage })));
const LivePage = lazy(() => import('../live/live-page').then((m) => ({ default: m.LivePage })));

function Loading(): ReactElement {
  return <section className="page muted">Loading…</section>;
}

function SectionView({ section }: { section: Section }): ReactElement {
  switch (section) {
    case 'tasks':
      return (
        <Suspense fallback={<Loading />}>
          <TasksPage />
        </Suspense>
      );
    case 'runs':
      return (
        <Suspense fallback={<Loading />}>
          <RunsPage />
        </Suspense>
      );
    case 'live':
      return (
        <Suspense fallback={<Loading />}>
          <LivePage />
        </Suspense>
      );
    case 'results':
      return (
        <Suspense fallback={<Loading />}>
          <ResultsPage />
        </Suspense>
      );
    case 'images':
      return (
        <Suspense fallback={<Loading />}>
          <ImagesPage />
        </Suspense>
      );
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
