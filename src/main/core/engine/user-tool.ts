/**
 * The official user tool (harness doc §2.10), for agents on IC tasks: the hidden tests are
 * unzipped, the `user-tool` alias runs the task's test against the agent's current code with
 * Playwright tracing (traces land in `<repo>/user_tool/` for the agent to read), and the tests
 * are hidden again. The test's verdict is not shown to the agent, as in the official harness.
 *
 * Unlike the reference solver, every run's screen video and traces are also kept as artifacts
 * of the attempt (`user-tool-<n>-…`), so a researcher can see what the agent saw.
 */
import { videoStartMs } from '../live/collect-artifacts';
import { shellQuote, type ExecResult, type TaskContainer } from './container-runtime';
import { TESTS_ZIP_PASSWORD } from './profiles';

const MAX_VIDEO = 512 * 1024 * 1024;
const MAX_TRACE = 512 * 1024 * 1024;

export interface UserToolRun {
  container: TaskContainer;
  questionId: string;
  /** The repo in the container (`/app/expensify` officially). */
  cwd: string;
  /** 1 for the attempt's first user-tool run, and so on: names the artifacts. */
  index: number;
  timeoutMs: number;
  signal: AbortSignal;
  log(text: string): void;
  keep(kind: 'video' | 'trace' | 'log', name: string, data: Buffer): void;
}

/** Runs the user tool once; `output` is what the official harness tells the model. */
export async function runUserTool(run: UserToolRun): Promise<{ ok: boolean; output: string }> {
  const { container, signal, cwd } = run;
  const sh = async (command: string, timeoutMs = 60_000): Promise<ExecResult> => {
    run.log(`$ ${command}`);
    return container.exec(command, { timeoutMs, signal, workdir: cwd, env: [`ISSUE_ID=${run.questionId}`] });
  };
  const prefix = `user-tool-${run.index}`;
  try {
    const unzip = await sh(`unzip -q -P ${TESTS_ZIP_PASSWORD} -o /app/tests.zip -d /app/tests`);
    if (unzip.exitCode !== 0) return { ok: false, output: `Error: unzipping the tests failed: ${unzip.output.trim()}` };
    // Traces of earlier runs stay where the agent saw them; only this run's new ones are kept.
    const before = new Set(await listUserToolOutputs(container, cwd, signal));
    const result = await sh(`bash -c -i 'user-tool'; exit`, run.timeoutMs);
    run.log(result.output.slice(-4000));
    await keepArtifacts(run, prefix, before);
    if (result.exitCode !== 0) return { ok: false, output: `Error: ${result.output.trim()}` };
    return { ok: true, output: `User tool output is in ${cwd}/user_tool` };
  } finally {
    // As the official solver: hide the tests again (sent twice there; once is enough for rm -rf).
    await container.exec('rm -rf /app/tests', { timeoutMs: 60_000, signal: AbortSignal.timeout(60_000), workdir: cwd }).catch(() => undefined);
  }
}

/** Names under `<cwd>/user_tool/` (zips in the sample, folders `output_<hex>/` officially). */
async function listUserToolOutputs(container: TaskContainer, cwd: string, signal: AbortSignal): Promise<string[]> {
  const ls = await container.exec(`ls -1 ${shellQuote(`${cwd}/user_tool`)} 2>/dev/null || true`, { timeoutMs: 30_000, signal });
  return ls.output.split('\n').map((l) => l.trim()).filter((l) => /^output_[\w.-]+$/.test(l));
}

async function keepArtifacts(run: UserToolRun, prefix: string, before: Set<string>): Promise<void> {
  const { container, signal, cwd, questionId } = run;
  const video = await container.getFile(`/app/tests/attempts/${questionId}/output.mp4`, MAX_VIDEO, signal).catch(() => null);
  if (video && video.length > 0) run.keep('video', `${prefix}-video.mp4`, video);
  // The recorder's first frame time lines the video up with the transcript, as for grading runs.
  const ffmpegLog = video ? await container.getFile(`/app/tests/logs/${questionId}/ffmpeg.log`, 2 * 1024 * 1024, signal).catch(() => null) : null;
  const start = ffmpegLog ? videoStartMs(ffmpegLog.toString('utf8')) : null;
  if (video && video.length > 0 && start !== null) run.keep('log', `${prefix}-video.start`, Buffer.from(String(start)));
  const fresh = (await listUserToolOutputs(container, cwd, signal)).filter((name) => !before.has(name));
  let n = 0;
  for (const name of fresh) {
    n += 1;
    const source = `${cwd}/user_tool/${name}`;
    // The official trace cleaner leaves folders: zip a copy outside the agent's view.
    const zipPath = name.endsWith('.zip') ? source : `/tmp/lancer-${prefix}-${n}.zip`;
    if (!name.endsWith('.zip')) {
      const zipped = await container.exec(`cd ${shellQuote(source)} && rm -f ${shellQuote(zipPath)} && zip -qr ${shellQuote(zipPath)} .`, { timeoutMs: 120_000, signal });
      if (zipped.exitCode !== 0) continue;
    }
    const trace = await container.getFile(zipPath, MAX_TRACE, signal).catch(() => null);
    if (trace) run.keep('trace', `${prefix}-trace-${n}.zip`, trace);
  }
  const log = await container.getFile(`/app/tests/logs/${questionId}/pytest.log`, 5 * 1024 * 1024, signal).catch(() => null);
  if (log) run.keep('log', `${prefix}-test.log`, log);
}
