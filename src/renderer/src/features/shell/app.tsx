/**
 * The app shell: navigation on the left, the current section, and the status bar.
 */
import { useEffect, type ReactElement } from 'react';
import { invoke, on } from '../../api';
import { sectionFromHash, sectionLabels, sections, useAppStore, type Section } from '../../store';
import { SettingsPage } from '../settings/settings-page';
import { ReplayRouteView, replayRouteLabel, useReplayRoute } from '../replay/route';
import { replayRouteFromHash } from '../replay/links';
import { StatusBar } from './status-bar';
import { prefetchFirstReport } from '../results/prefetch';
import { preloadSections, sectionCode, type SectionCode } from './section-code';
import { assertNever } from '../../../../shared/result';

// Sections load their code when opened (the task browser carries the markdown and highlighting
// libraries, Results Plot and d3), so a link straight to a replay or the live grid starts with
// little code; the rest follows in the background once the app is idle (section-code.tsx).
const code: Record<Exclude<Section, 'settings'>, SectionCode> = {
  runs: sectionCode(() => import('../runs/runs-page').then((m) => m.RunsPage)),
  tasks: sectionCode(() => import('../tasks/tasks-page').then((m) => m.TasksPage)),
  // Opened before its code is here: its first report is asked for while the code loads.
  results: sectionCode(() => import('../results/results-page').then((m) => m.ResultsPage), prefetchFirstReport),
  live: sectionCode(() => import('../live/live-page').then((m) => m.LivePage)),
  images: sectionCode(() => import('../images/images-page').then((m) => m.ImagesPage)),
};

/**
 * Fetches the code of the section the address opens before the first render (main.tsx), so a
 * fresh load draws the section itself rather than "Loading…" first. Nothing for a replay link:
 * its view is in the main chunk, and no section's code should come before it.
 */
export function openSectionInAddress(): Promise<unknown> {
  if (replayRouteFromHash(location.hash)) return Promise.resolve();
  const section = sectionFromHash(location.hash);
  return section === 'settings' ? Promise.resolve() : code[section].open();
}

function SectionView({ section }: { section: Section }): ReactElement {
  switch (section) {
    case 'tasks':
      return <code.tasks.View />;
    case 'runs':
      return <code.runs.View />;
    case 'live':
      return <code.live.View />;
    case 'results':
      return <code.results.View />;
    case 'images':
      return <code.images.View />;
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

  // Not while a replay is shown: its trace and frames come first, and it may be all this tab opens.
  const onSection = replayRoute === null;
  useEffect(() => {
    if (!onSection) return;
    // Runs first: the section most often opened next.
    return preloadSections([code.runs, code.tasks, code.results, code.live, code.images]);
  }, [onSection]);

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
