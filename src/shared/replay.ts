/**
 * Replays of grading runs, read from the artifacts a run kept: the screen video, the
 * Playwright traces (actions, screencast frames, console, network) and the test log.
 * Times are milliseconds; `wall` times are epoch milliseconds, so video and trace line up.
 */
export interface ReplayAction {
  callId: string;
  /** e.g. "page.click", with the selector or URL when there is one. */
  title: string;
  /** From the trace's start. */
  startMs: number;
  endMs: number | null;
  wallMs: number;
  error: string | null;
}

export interface ReplayFrame {
  /** Entry of the trace zip holding the JPEG (serve it with the artifact's zip route). */
  entry: string;
  ms: number;
  wallMs: number;
  width: number;
  height: number;
}

export interface ReplayConsoleEntry {
  ms: number;
  type: string;
  text: string;
}

export interface ReplayNetworkEntry {
  ms: number;
  method: string;
  url: string;
  status: number | null;
  durationMs: number | null;
}

export interface TraceReplay {
  name: string;
  sha256: string;
  bytes: number;
  title: string | null;
  wallStartMs: number;
  durationMs: number;
  actions: ReplayAction[];
  frames: ReplayFrame[];
  console: ReplayConsoleEntry[];
  network: ReplayNetworkEntry[];
}

export interface RunReplay {
  /** 1-based grading run. */
  run: number;
  video: { sha256: string; bytes: number; startWallMs: number | null } | null;
  traces: TraceReplay[];
  log: string | null;
  exitCode: number | null;
  /** The failing assertion: the first failed action's error, else the test log's failure line. */
  failure: string | null;
}

export interface AttemptReplay {
  attemptId: string;
  questionId: string;
  state: string;
  runs: RunReplay[];
}

/** Which frames a live view wants: a small grid thumbnail or the large view. */
export type LiveQuality = 'thumb' | 'full';
