/**
 * The test runner's last line counts skipped tests, and CI=true makes a suite that would skip
 * for want of Docker or Chromium fail instead (scripts/test.mjs on a tiny fixture suite).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/workbench-server';

function runSummary(env: Record<string, string>): { code: number | null; last: string; out: string } {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'test.mjs'), '--config', 'tests/fixtures/summary/vitest.config.ts'], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, CI: '', ...env },
    timeout: 120_000,
  });
  const lines = r.stdout.trim().split('\n');
  return { code: r.status, last: lines[lines.length - 1] ?? '', out: r.stdout + r.stderr };
}

describe('the test summary', () => {
  it('counts and lists skipped tests on a machine without Docker', () => {
    const r = runSummary({ SUMMARY_FIXTURE_MISSING: '1' });
    expect(r.last).toBe('1 passed, 0 failed, 1 skipped');
    expect(r.out).toContain('needs-docker.fixture.ts > needs Docker would talk to Docker');
    expect(r.code).toBe(0);
  }, 120_000);

  it('fails the run under CI=true instead of skipping', () => {
    const r = runSummary({ SUMMARY_FIXTURE_MISSING: '1', CI: 'true' });
    expect(r.last).toMatch(/^0 passed, [1-9]\d* failed, 0 skipped$/);
    expect(r.out).toContain('CI=true: a Docker daemon is required and missing');
    expect(r.code).toBe(1);
  }, 120_000);

  it('runs everything where Docker is', () => {
    expect(runSummary({ CI: 'true' }).last).toBe('2 passed, 0 failed, 0 skipped');
  }, 120_000);
});
