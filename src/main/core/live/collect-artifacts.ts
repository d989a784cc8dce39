/**
 * After each grading run, copies what the test runner left in the container into the artifact
 * store before the next run overwrites it: the screen recording, the Playwright traces (the
 * sample benchmark keeps one per browser context) and the test log.
 */
import { shellQuote, type TaskContainer } from '../engine/container-runtime';

const MAX_VIDEO = 512 * 1024 * 1024;
const MAX_TRACE = 512 * 1024 * 1024;

export async function collectTestRunArtifacts(opts: {
  container: TaskContainer;
  questionId: string;
  runIndex: number;
  signal: AbortSignal;
  keep: (kind: 'video' | 'trace' | 'log', name: string, data: Buffer) => void;
}): Promise<void> {
  const { container, questionId, signal } = opts;
  const run = `run${opts.runIndex + 1}`;
  const attempts = `/app/tests/attempts/${questionId}`;
  const video = await container.getFile(`${attempts}/output.mp4`, MAX_VIDEO, signal);
  if (video && video.length > 0) opts.keep('video', `video-${run}.mp4`, video);
  for (let i = 1; i <= 4; i++) {
    const name = i === 1 ? 'trace.zip' : `trace-${i}.zip`;
    const trace = await container.getFile(`${attempts}/${name}`, MAX_TRACE, signal);
    if (!trace) break;
    opts.keep('trace', i === 1 ? `trace-${run}.zip` : `trace-${run}-${i}.zip`, trace);
  }
  // x11grab stamps frames with the wall clock and ffmpeg logs the first one ("start: <epoch s>"):
  // that lines the video up with the trace's wall times. Official images log there too.
  const ffmpegLog = await container.getFile(`/app/tests/logs/${questionId}/ffmpeg.log`, 2 * 1024 * 1024, signal);
  const start = ffmpegLog ? videoStartMs(ffmpegLog.toString('utf8')) : null;
  if (start !== null) opts.keep('log', `video-${run}.start`, Buffer.from(String(start)));
  const log = await container.getFile(`/app/tests/logs/${questionId}/pytest.log`, 5 * 1024 * 1024, signal);
  if (log) opts.keep('log', `pytest-${run}.log`, log);
  // Clear them so a later run that writes fewer files cannot hand back a stale one.
  await container.exec(`rm -f ${shellQuote(attempts)}/output.mp4 ${shellQuote(attempts)}/trace*.zip`, {
    timeoutMs: 30_000,
    signal,
  });
}

/** The epoch milliseconds of the first captured frame, from ffmpeg's input description. */
export function videoStartMs(ffmpegLog: string): number | null {
  const match = /Input #0, x11grab[\s\S]*?start: (\d{9,}\.\d+)/.exec(ffmpegLog);
  return match?.[1] ? Math.round(Number(match[1]) * 1000) : null;
}
