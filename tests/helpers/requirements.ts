/**
 * Suites that need Docker, Chromium or Xvfb skip where those are missing, so a laptop without
 * them still runs the rest. In CI (`CI=true`) a skip would hide a broken machine, so a missing
 * requirement fails the suite instead.
 */

/** Returns `available`; under CI=true, throws when it is false, naming what is missing. */
export function required(what: string, available: boolean): boolean {
  if (!available && process.env.CI === 'true') {
    throw new Error(`CI=true: ${what} is required and missing; in CI a suite may not skip`);
  }
  return available;
}
