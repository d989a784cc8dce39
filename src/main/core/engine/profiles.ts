/**
 * The two container contracts the engine speaks. Both follow the official one (harness doc §2):
 * Xvfb on :99, /setup_done.txt, tests hidden in a password zip, pytest_exit_code decides. They
 * differ in how the test runs: the official images run an ansible playbook, the sample
 * benchmark a shell script.
 */
import { shellQuote } from './container-runtime';

export type ProfileName = 'sample' | 'official';

export interface Profile {
  name: ProfileName;
  /**
   * The command of one IC test run (the grader reads pytest_exit_code afterwards). The task id
   * reaches it as $ISSUE_ID in the exec's environment, never spliced into the shell text.
   */
  testCommand: string;
  /** A command that must FAIL once the network is cut. */
  internetProbe: string;
}

/** The official harness's password for /app/tests.zip (obfuscation, not security). */
export const TESTS_ZIP_PASSWORD = 'secretpasswordhere';

const official: Profile = {
  name: 'official',
  testCommand: `bash -i -c ${shellQuote(`export ISSUE_ID="$ISSUE_ID"; ansible-playbook -i "localhost," --connection=local /app/tests/run_tests.yml`)}`,
  internetProbe: `python -c "import urllib.request; urllib.request.urlopen('http://example.com', timeout=5)"`,
};

const sample: Profile = {
  name: 'sample',
  // TRACE_ALWAYS keeps a Playwright trace of every grading run for the replay view.
  testCommand: `bash -c ${shellQuote(`export ISSUE_ID="$ISSUE_ID"; export TRACE_ALWAYS=true; bash /app/tests/run_tests.sh`)}`,
  // No python in the sample image: bash's /dev/tcp to a public address needs a route, which is
  // gone. (A name would first wait for DNS to time out, seconds on every attempt.)
  internetProbe: `timeout 5 bash -c 'exec 3<>/dev/tcp/1.1.1.1/80'`,
};

/** Images named like the official ones (swelancer/swelancer_x86_*) get the official commands. */
export function profileForImage(image: string): Profile {
  return /(^|\/)swelancer_x86(_|:|$)/.test(image) ? official : sample;
}

/** The official per-task / monolith naming: `<prefix>_<question_id>:<tag>`, `<prefix>_monolith:<tag>`. */
export function imageFor(prefix: string, tag: string, questionId: string, useMonolith: boolean): string {
  return `${prefix}_${useMonolith ? 'monolith' : questionId}:${tag}`;
}

/**
 * The image a task runs in, as a run chooses it: the sample benchmark's own images for its tasks
 * (they live in /app/sample), the official ones otherwise, unless a prefix or tag is given.
 */
export function imageForTask(
  task: { questionId: string; variant: string; cwd: string | null },
  opts: { imagePrefix?: string; imageTag?: string; monolith?: boolean },
): string {
  const sample = task.cwd === '/app/sample';
  const prefix = opts.imagePrefix ?? (sample ? 'lancer-sample' : 'swelancer/swelancer_x86');
  const tag = opts.imageTag ?? (sample ? 'latest' : 'releasev1');
  return imageFor(prefix, tag, task.questionId, task.variant === 'swe_manager' || opts.monolith === true);
}
