// Shared helpers for the sample benchmark's end-to-end tests.
//
// Installed as /app/tests/utils/harness.mjs; a test (issues/<ID>/test.mjs) imports it as
// '../../utils/harness.mjs' and calls `runTest(title, body)` once.
//
// Exit codes (the test's exit code is what run_tests.sh writes to pytest_exit_code):
//   0  the test passed
//   1  the test failed: an assertion did not hold, or the app misbehaved (crashed, hung, ...)
//   2  infrastructure problem: Node too old for playwright-core, playwright-core missing, the
//      browser did not launch, or the app server was not reachable when the test started
//
// Environment:
//   APP_URL        the app under test (default http://127.0.0.1:$PORT, PORT default 3000)
//   CHROMIUM_PATH  the browser binary (default /usr/bin/chromium)
//   DISPLAY        X display for the headful browser (default :99)
//   HEADLESS=true  run headless instead (for debugging only; the benchmark runs headful)
//   TRACE=true     user-tool trace: <REPO_DIR>/user_tool/output_<hex>.zip per browser context
//   TRACE_ALWAYS=true  also keep <TESTS_DIR>/attempts/<ISSUE_ID>/trace.zip (trace-2.zip, ... for
//                  further contexts) for replays
//   REPO_DIR (default /app/sample), TESTS_DIR (default /app/tests),
//   ISSUE_ID (default: the name of the test's folder), TEST_TIMEOUT_MS (default 60000)

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

export const EXIT_PASSED = 0;
export const EXIT_FAILED = 1;
export const EXIT_INFRA = 2;

/** A checked expectation that did not hold: the test fails with exit code 1. */
export class AssertionFailure extends Error {
  constructor(message) {
    super(message);
    this.name = 'AssertionError';
  }
}

/** The test could not run at all: exit code 2 (the grader treats it as a system error). */
export class InfrastructureError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InfrastructureError';
  }
}

const env = process.env;
const issueFolder = path.basename(path.dirname(path.resolve(process.argv[1] || '.')));

export const config = Object.freeze({
  appUrl: (env.APP_URL || `http://127.0.0.1:${env.PORT || 3000}`).replace(/\/+$/, ''),
  chromiumPath: env.CHROMIUM_PATH || '/usr/bin/chromium',
  display: env.DISPLAY || ':99',
  headless: env.HEADLESS === 'true',
  trace: env.TRACE === 'true',
  traceAlways: env.TRACE_ALWAYS === 'true',
  repoDir: env.REPO_DIR || '/app/sample',
  testsDir: env.TESTS_DIR || '/app/tests',
  issueId: env.ISSUE_ID || issueFolder,
  timeoutMs: Number(env.TEST_TIMEOUT_MS) || 60_000,
});

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'];
const VIEWPORT = { width: 1280, height: 800 };
const DEFAULT_EXPECT_TIMEOUT_MS = 4000;
const started = Date.now();

/** Prints a progress line to the test log. */
export function step(message) {
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  console.log(`[${seconds}s] ${message}`);
}

function describe(value) {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * Polls `probe` until `accept(value)` holds or the timeout passes, then throws an
 * AssertionFailure that shows the expectation and the last value seen.
 */
export async function eventually(message, probe, accept, expected, { timeout = DEFAULT_EXPECT_TIMEOUT_MS } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await probe();
    } catch (error) {
      last = `<error: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}>`;
    }
    if (accept(last)) return last;
    if (Date.now() >= deadline) {
      throw new AssertionFailure(`${message}\n  expected: ${expected}\n  actual:   ${describe(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function matches(actual, expected) {
  if (typeof actual !== 'string') return false;
  return expected instanceof RegExp ? expected.test(actual) : actual === expected;
}

async function singleText(locator) {
  const texts = await locator.allTextContents();
  if (texts.length !== 1) return `<${texts.length} matching elements>`;
  return texts[0].replace(/\s+/g, ' ').trim();
}

/** The single element matched by `locator` has this (whitespace-normalised) text. */
export function expectText(locator, expected, message, options) {
  return eventually(message, () => singleText(locator), (actual) => matches(actual, expected), describe(expected), options);
}

/** The single element matched by `locator` has exactly this raw textContent (no normalising). */
export function expectRawText(locator, expected, message, options) {
  const probe = async () => {
    const texts = await locator.allTextContents();
    return texts.length === 1 ? texts[0] : `<${texts.length} matching elements>`;
  };
  return eventually(message, probe, (actual) => actual === expected, describe(expected), options);
}

/** The input or textarea matched by `locator` has this value. */
export function expectValue(locator, expected, message, options) {
  return eventually(message, () => locator.inputValue({ timeout: 500 }), (actual) => matches(actual, expected), describe(expected), options);
}

/** `locator` matches exactly `count` elements. */
export function expectCount(locator, count, message, options) {
  return eventually(message, () => locator.count(), (actual) => actual === count, `${count} element(s)`, options);
}

/** `locator` matches a visible element. */
export function expectVisible(locator, message, options) {
  return eventually(message, () => locator.first().isVisible(), (actual) => actual === true, 'visible', options)
    .catch((error) => {
      throw new AssertionFailure(error.message.replace('actual:   false', 'actual:   not visible or missing'));
    });
}

/** `locator` matches nothing visible. */
export function expectHidden(locator, message, options) {
  return eventually(message, () => locator.first().isVisible(), (actual) => actual === false, 'hidden', options)
    .catch((error) => {
      throw new AssertionFailure(error.message.replace('actual:   true', 'actual:   visible'));
    });
}

/** An immediate check of a plain value. */
export function expectEqual(actual, expected, message) {
  const same = expected instanceof RegExp ? matches(actual, expected) : Object.is(actual, expected);
  if (!same) throw new AssertionFailure(`${message}\n  expected: ${describe(expected)}\n  actual:   ${describe(actual)}`);
}

function probeApp(url) {
  return new Promise((resolve) => {
    const request = http.get(`${url}/api/health`, { timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

async function waitForApp(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probeApp(url)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new InfrastructureError(`the app did not answer at ${url}/api/health within ${timeoutMs / 1000} s`);
}

async function loadPlaywright() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 20) {
    throw new InfrastructureError(
      `playwright-core needs Node.js 20 or newer, but this is Node.js ${process.versions.node}. ` +
        'Run the tests with a newer node (run_tests.sh: TEST_NODE=/path/to/node).',
    );
  }
  try {
    return await import('playwright-core');
  } catch (error) {
    throw new InfrastructureError(`cannot load playwright-core (expected in a node_modules folder above the tests; the images have it in /app/node_modules): ${error.message}`);
  }
}

function traceTargets(index) {
  const targets = [];
  if (config.trace) {
    targets.push(path.join(config.repoDir, 'user_tool', `output_${randomBytes(16).toString('hex')}.zip`));
  }
  if (config.traceAlways) {
    const name = index === 0 ? 'trace.zip' : `trace-${index + 1}.zip`;
    targets.push(path.join(config.testsDir, 'attempts', config.issueId, name));
  }
  return targets;
}

async function saveTraces(contexts) {
  for (const [index, context] of contexts.entries()) {
    const targets = traceTargets(index);
    if (targets.length === 0) continue;
    try {
      for (const target of targets) fs.mkdirSync(path.dirname(target), { recursive: true });
      await context.tracing.stop({ path: targets[0] });
      for (const target of targets.slice(1)) fs.copyFileSync(targets[0], target);
      step(`trace saved: ${targets.join(', ')}`);
    } catch (error) {
      console.error(`warning: could not save the trace of browser context ${index + 1}: ${error.message}`);
    }
  }
}

/**
 * Runs one end-to-end test and exits the process with 0, 1 or 2 (see the top of this file).
 *
 * `body` receives `{ openPage, step, browser }`. `openPage(user)` opens the app as 'alice' or
 * 'bob' in a fresh browser context (its own window, storage and trace) and waits until the app
 * has loaded its data.
 */
export async function runTest(title, body) {
  step(`${config.issueId}: ${title}`);
  const watchdog = setTimeout(() => {
    console.error(`\nAssertionError: the test did not finish within ${config.timeoutMs / 1000} s`);
    console.log('FAILED (timeout)');
    process.exit(EXIT_FAILED);
  }, config.timeoutMs);

  const contexts = [];
  let browser;
  let exitCode;
  try {
    const { chromium } = await loadPlaywright();
    await waitForApp(config.appUrl, 15_000);
    try {
      browser = await chromium.launch({
        executablePath: config.chromiumPath,
        headless: config.headless,
        args: CHROMIUM_ARGS,
        env: { ...process.env, DISPLAY: config.display },
        timeout: 30_000,
      });
    } catch (error) {
      throw new InfrastructureError(`the browser did not launch (${config.chromiumPath}, DISPLAY=${config.display}): ${error.message}`);
    }

    const openPage = async (user = 'alice') => {
      const context = await browser.newContext({ viewport: VIEWPORT });
      context.setDefaultTimeout(5000);
      context.setDefaultNavigationTimeout(10_000);
      if (config.trace || config.traceAlways) {
        await context.tracing.start({ screenshots: true, snapshots: true, sources: true, title: `${config.issueId} as ${user}` });
      }
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (error) => step(`[${user}] page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') step(`[${user}] console error: ${message.text()}`);
      });
      step(`open the app as ${user}`);
      await page.goto(`${config.appUrl}/?user=${encodeURIComponent(user)}`);
      await eventually(
        `the app should finish loading for ${user}`,
        () => page.evaluate(() => document.body.dataset.ready || document.querySelector('#load-error')?.textContent || ''),
        (value) => value === 'true',
        'body[data-ready="true"]',
        { timeout: 10_000 },
      );
      return page;
    };

    await body({ openPage, step, browser });
    exitCode = EXIT_PASSED;
  } catch (error) {
    if (error instanceof InfrastructureError) {
      exitCode = EXIT_INFRA;
      console.error(`\nInfrastructureError: ${error.message}`);
    } else if (error instanceof AssertionFailure) {
      exitCode = EXIT_FAILED;
      console.error(`\nAssertionError: ${error.message}`);
    } else {
      exitCode = EXIT_FAILED;
      console.error(`\nError while running the test: ${error && error.stack ? error.stack : String(error)}`);
    }
  } finally {
    await saveTraces(contexts);
    if (browser) await browser.close().catch(() => {});
    clearTimeout(watchdog);
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(2);
  const outcome = { [EXIT_PASSED]: '1 passed', [EXIT_FAILED]: '1 failed', [EXIT_INFRA]: '1 error' }[exitCode];
  console.log(`\n==== ${outcome} in ${seconds}s ====`);
  process.exit(exitCode);
}
