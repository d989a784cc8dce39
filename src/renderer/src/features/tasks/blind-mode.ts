/**
 * Blind review: when on, nothing on screen says which manager proposal was hired, so a
 * reviewer can judge the proposals first. Kept in localStorage so it survives reloads.
 */
import { create } from 'zustand';

const KEY = 'lancer.tasks.blind';

function readStored(): boolean {
  try {
    return localStorage.getItem(KEY) === '1';
  } catch {
    return false;
  }
}

interface BlindState {
  blind: boolean;
  setBlind(blind: boolean): void;
}

export const useBlindMode = create<BlindState>((set) => ({
  blind: readStored(),
  setBlind(blind) {
    try {
      localStorage.setItem(KEY, blind ? '1' : '0');
    } catch {
      // storage full or disabled: the choice still holds for this session
    }
    set({ blind });
  },
}));
