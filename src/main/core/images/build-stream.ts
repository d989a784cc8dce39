/**
 * Parsing of the JSON-lines progress stream that Docker's build and image-create endpoints send.
 *
 * Pure code: the builder feeds raw chunks in and gets typed messages and a running state out, so
 * the tricky parts (lines split across chunks, step tracking, error summaries) are unit tested
 * without a daemon.
 */
import { StringDecoder } from 'node:string_decoder';

/** One JSON object from the daemon's stream; every field is optional in practice. */
export interface DockerStreamMessage {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  aux?: { ID?: string };
  error?: string;
  errorDetail?: { code?: number; message?: string };
}

/**
 * Splits a byte stream into JSON messages. The daemon writes one object per line, but chunk
 * boundaries fall anywhere (even inside a UTF-8 sequence), so partial lines are kept until the
 * next chunk. A line that is not JSON is passed on as plain `stream` text rather than dropped.
 */
export class JsonLineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  /** Feeds one chunk and returns the complete messages it finished. */
  push(chunk: Buffer | string): DockerStreamMessage[] {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    return lines.flatMap(parseLine);
  }

  /** Returns whatever is left once the stream ended. */
  flush(): DockerStreamMessage[] {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    return parseLine(rest);
  }
}

function parseLine(line: string): DockerStreamMessage[] {
  const trimmed = line.trim();
  if (trimmed === '') return [];
  try {
    const value: unknown = JSON.parse(trimmed);
    if (value && typeof value === 'object' && !Array.isArray(value)) return [value as DockerStreamMessage];
  } catch {
    // fall through: keep the text so nothing the daemon said is lost from the log
  }
  return [{ stream: line + '\n' }];
}

/** What we know about a build so far. */
export interface BuildState {
  step?: number;
  totalSteps?: number;
  /** The current Dockerfile instruction, e.g. `RUN apt-get update`. */
  instruction?: string;
  /** The image id from `aux.ID` or "Successfully built <id>". */
  imageId?: string;
  error?: string;
  /** The last lines of output of the current step, for error messages. */
  tail: string[];
}

/** A progress line derived from one message. */
export interface BuildLine {
  message: string;
  step?: number;
  totalSteps?: number;
}

const TAIL_LINES = 15;
const STEP_RE = /^Step (\d+)\/(\d+) : (.*)$/;
const BUILT_RE = /^Successfully built ([0-9a-f]{12,64})\s*$/;

/** A fresh state for a new build. */
export function initialBuildState(): BuildState {
  return { tail: [] };
}

/**
 * Folds one daemon message into the build state and returns the human lines it carries.
 *
 * The classic builder announces each instruction as "Step N/M : INSTR"; we remember it so an
 * error can say which step failed. Download progress bars (`progress`) are ignored: they are
 * redrawn many times a second and would flood both the UI and the log.
 */
export function applyBuildMessage(state: BuildState, msg: DockerStreamMessage): BuildLine[] {
  const out: BuildLine[] = [];
  if (msg.aux?.ID) state.imageId = msg.aux.ID;
  if (msg.error || msg.errorDetail?.message) {
    state.error = (msg.errorDetail?.message ?? msg.error ?? '').trim();
    out.push({ message: `error: ${state.error}`, ...stepOf(state) });
    return out;
  }
  if (typeof msg.stream === 'string') {
    for (const raw of msg.stream.split(/\r?\n|\r/)) {
      const line = stripAnsi(raw).trimEnd();
      if (line.trim() === '') continue;
      const step = STEP_RE.exec(line);
      if (step) {
        state.step = Number(step[1]);
        state.totalSteps = Number(step[2]);
        state.instruction = step[3];
        state.tail = [];
      } else {
        const built = BUILT_RE.exec(line);
        if (built && !state.imageId) state.imageId = built[1];
        state.tail.push(line);
        if (state.tail.length > TAIL_LINES) state.tail.shift();
      }
      out.push({ message: line, ...stepOf(state) });
    }
    return out;
  }
  if (typeof msg.status === 'string' && !msg.progress) {
    const text = msg.id ? `${msg.id}: ${msg.status}` : msg.status;
    out.push({ message: text, ...stepOf(state) });
  }
  return out;
}

function stepOf(state: BuildState): { step?: number; totalSteps?: number } {
  return state.step === undefined ? {} : { step: state.step, totalSteps: state.totalSteps };
}

/**
 * The message of the error thrown for a failed build: which image, which step and instruction,
 * and the last lines of its output, e.g.
 * "building lancer-sample-base:abc: step 2/3 `RUN apt-get install …` failed: E: Unable to locate package x".
 */
export function describeBuildFailure(image: string, state: BuildState): string {
  const where =
    state.step !== undefined
      ? `step ${state.step}/${state.totalSteps ?? '?'} \`${shorten(state.instruction ?? '', 100)}\` failed`
      : 'the build failed';
  const tail = state.tail.filter((l) => !l.startsWith(' ---> ') && !l.startsWith('Removing intermediate container'));
  const details = [...tail.slice(-TAIL_LINES), ...(state.error ? [state.error] : [])];
  // The daemon's own error often repeats the last output line; say it once.
  const unique = details.filter((line, i) => details.indexOf(line) === i);
  return `building ${image}: ${where}: ${unique.join('\n') || 'no output'}`;
}

/** Cuts text to `max` characters with an ellipsis, keeping messages one readable line. */
export function shorten(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : oneLine.slice(0, max - 1) + '…';
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
}
