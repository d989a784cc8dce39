/**
 * Domain types shared by main, renderer and CLI. No node:* and no DOM here: this module runs in
 * all three.
 */
import { z } from 'zod';

export type Transport = 'electron' | 'serve' | 'cli';

export interface AppInfo {
  version: string;
  dataDir: string;
  transport: Transport;
}

export type DockerStatus =
  | { ok: true; version: string; apiVersion: string; checkedAt: string }
  | { ok: false; error: string; checkedAt: string };

/**
 * Settings. Stored as one JSON value per key in SQLite, so a setting added later simply takes
 * its default on an old database.
 */
const settingsFields = {
  /** How many attempts run at the same time. */
  concurrency: z.number().int().min(1).max(64),
  /** CPU limit per task container, in CPUs (0 = no limit). */
  cpuLimit: z.number().min(0).max(256),
  /** Memory limit per task container, in MiB (0 = no limit). */
  memoryLimitMb: z.number().int().min(0).max(1_048_576),
  /** How often a system error (not a model failure) is retried in a fresh container. */
  maxRetries: z.number().int().min(0).max(10),
  /** Keep a failed attempt's container for inspection instead of removing it. */
  keepFailedContainers: z.boolean(),
  /** Container start-up and task set-up, in seconds (the official harness allows 1200). */
  setupTimeoutSec: z.number().int().min(10).max(86_400),
  /** The solver's phase (agent turns, or applying a patch), in seconds. */
  solveTimeoutSec: z.number().int().min(10).max(86_400),
  /** All test runs of grading together, in seconds (official: 1200). */
  gradeTimeoutSec: z.number().int().min(10).max(86_400),
  /** How often the IC test runs before a task is called failed (official: 3; any pass passes). */
  testRuns: z.number().int().min(1).max(10),
  /**
   * How an agent's work is graded (a solver that runs in the container can tamper with it):
   * `official` in the solver's own container, as the official harness; `clean` its repository
   * diff in a fresh container; `both`, and when they disagree the clean result counts. The
   * harness's own solvers (gold, null, predictions) are graded `official` unless a run asks.
   */
  gradingMode: z.enum(['clean', 'official', 'both']),
  /** /dev/shm per container in MiB; Chromium crashes with Docker's 64 MiB default. */
  shmMb: z.number().int().min(64).max(65_536),
  /**
   * Disk the official SWE-Lancer images may take, in GB (0 = no budget). Before a run or a pull,
   * least recently used official images that no unfinished run needs are removed to stay under.
   */
  diskBudgetGb: z.number().min(0).max(1_000_000),
  /**
   * A registry to pull the official images from instead of Docker Hub (`host[:port]`, e.g. a
   * mirror); empty or absent means Docker Hub. Pulled images are tagged under their Docker Hub
   * names either way.
   */
  imageRegistry: z
    .string()
    .max(255)
    .regex(/^(?:[a-zA-Z0-9.-]+(?::\d{1,5})?(?:\/[a-z0-9._-]+)*)?$/, 'a registry host such as registry.example.com or 127.0.0.1:5000')
    .optional(),
};

export const settingsSchema = z.object(settingsFields).strict();

export type Settings = z.output<typeof settingsSchema>;

/** A partial update of the settings; unknown keys are rejected so typos surface. */
export const settingsPatchSchema = z.object(settingsFields).partial().strict();

export type SettingsPatch = z.input<typeof settingsPatchSchema>;

export const defaultSettings: Settings = {
  concurrency: 2,
  cpuLimit: 2,
  memoryLimitMb: 4096,
  maxRetries: 2,
  keepFailedContainers: false,
  setupTimeoutSec: 1200,
  solveTimeoutSec: 1800,
  gradeTimeoutSec: 1200,
  testRuns: 3,
  gradingMode: 'both',
  shmMb: 2048,
  diskBudgetGb: 0,
  // Present (though undefined) so the settings store reads a stored value for the key.
  imageRegistry: undefined,
};
