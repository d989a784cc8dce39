/**
 * App-wide UI state: the current section (mirrored in the URL hash so reloads and links keep
 * it), app info and the Docker status shown in the status bar.
 */
import { create } from 'zustand';
import type { AppInfo, DockerStatus } from '../../shared/domain';

export const sections = ['tasks', 'runs', 'live', 'results', 'images', 'settings'] as const;
export type Section = (typeof sections)[number];

export const sectionLabels: Record<Section, string> = {
  tasks: 'Tasks',
  runs: 'Runs',
  live: 'Live',
  results: 'Results',
  images: 'Images',
  settings: 'Settings',
};

export function sectionFromHash(hash: string): Section {
  const name = hash.replace(/^#\/?/, '').split('/')[0] ?? '';
  // Replays and comparisons are opened from runs: the Runs entry stays highlighted.
  if (name === 'replay' || name === 'compare') return 'runs';
  return (sections as readonly string[]).includes(name) ? (name as Section) : 'tasks';
}

interface AppState {
  section: Section;
  info: AppInfo | undefined;
  docker: DockerStatus | undefined;
  setSection(section: Section): void;
  setInfo(info: AppInfo): void;
  setDocker(status: DockerStatus): void;
}

export const useAppStore = create<AppState>((set) => ({
  section: sectionFromHash(location.hash),
  info: undefined,
  docker: undefined,
  setSection: (section) => {
    if (sectionFromHash(location.hash) !== section) location.hash = `#/${section}`;
    set({ section });
  },
  setInfo: (info) => set({ info }),
  setDocker: (docker) => set({ docker }),
}));
