#!/usr/bin/env node
// `npm test`: lint (layer rules included), type-check, then every vitest suite (unit,
// integration with real SQLite/Docker/Chromium, e2e). Ends with one plain line
// `N passed, N failed, N skipped` that CI reads; lint and type-check count as one check each.
// Skipped tests are never silent: they are counted, and listed. With CI=true a suite that needs
// Docker, Chromium or Xvfb fails instead of skipping (tests/helpers/requirements.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const extra = process.argv.slice(2); // e.g. a file filter passed to vitest
let passed = 0;
let failed = 0;
let skipped = 0;

function check(label, cmd, args) {
  console.log(`\n== ${label}`);
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (result.status === 0) passed += 1;
  else {
    failed += 1;
    console.log(`!! ${label} failed`);
  }
}

if (extra.length === 0) {
  check('lint', bin('eslint'), ['--max-warnings=0', '.']);
  check('typecheck (node)', bin('tsc'), ['-p', 'tsconfig.node.json', '--noEmit']);
  check('typecheck (web)', bin('tsc'), ['-p', 'tsconfig.web.json', '--noEmit']);
  // The e2e suites load the built UI, so build it first.
  check('build', bin('electron-vite'), ['build']);
}

console.log('\n== vitest');
const reportDir = mkdtempSync(path.join(os.tmpdir(), 'lancer-test-'));
const report = path.join(reportDir, 'vitest.json');
const vitest = spawnSync(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra], {
  cwd: root,
  stdio: 'inherit',
});
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed += json.numPassedTests;
  failed += json.numFailedTests;
  // A suite that fails to load has no failed tests but is a failure all the same.
  failed += json.testResults.filter((file) => file.status === 'failed' && file.assertionResults.every((t) => t.status !== 'failed')).length;
  skipped += json.numPendingTests + json.numTodoTests;
  const skippedTests = json.testResults.flatMap((file) =>
    file.assertionResults.filter((t) => t.status === 'pending' || t.status === 'skipped' || t.status === 'todo').map((t) => `${path.relative(root, file.name)} > ${t.fullName}`),
  );
  if (skippedTests.length > 0) {
    console.log(`\nSkipped (${skippedTests.length}):`);
    for (const name of skippedTests.slice(0, 50)) console.log(`  - ${name}`);
    if (skippedTests.length > 50) console.log(`  … and ${skippedTests.length - 50} more`);
  }
} else {
  failed += 1;
  console.log(`!! vitest wrote no report (exit ${vitest.status})`);
}
if (vitest.status !== 0 && failed === 0) failed += 1;
rmSync(reportDir, { recursive: true, force: true });

console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 ? 0 : 1);
