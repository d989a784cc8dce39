/**
 * Replays of grading runs, read from the artifacts a run kept: the screen video, the
 * Playwright traces (actions, screencast frames, console, network) and the test log.
 * Times are milliseconds; `wall` times are epoch milliseconds, so video and trace line up.
 *
 * An agent's attempt adds its transcript and its own runs of the user tool (the test run the agent
 * asked for while it worked, recorded the same way), so one timeline can hold all three.
 */
import type { AgentStepRecord } from './agents';

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
  /**
   * Set when the trace could not be read (damaged, or refused as too large): the rest of the
   * replay (video, log, other traces) still opens; this trace is empty and says why.
   */
  error?: string | null;
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

/**
 * One run of the user tool by an agent (artifacts `user-tool-<n>-…`): what the test showed the
 * agent. Its verdict was hidden from the agent, so none is given here either.
 */
export interface UserToolReplay {
  /** 1-based: the attempt's n-th run of the user tool. */
  run: number;
  /** `startWallMs` from the recorder's log when it was kept, else null (line it up by the trace). */
  video: { sha256: string; bytes: number; startWallMs: number | null } | null;
  traces: TraceReplay[];
  /** The test's log of this run. */
  log: string | null;
  /** The `user_tool` step of the transcript that ran it (its `index`), when there is one. */
  stepIndex: number | null;
  /** When that step began (epoch ms) and how long it took; null without the step. */
  startedWallMs: number | null;
  durationMs: number | null;
}

export interface AttemptReplay {
  attemptId: string;
  questionId: string;
  state: string;
  /** The grading runs. */
  runs: RunReplay[];
  /** Agent attempts: the agent's runs of the user tool, in order; empty for other solvers. */
  userToolRuns: UserToolReplay[];
  /** Agent attempts: the transcript, in order; empty for other solvers. */
  steps: AgentStepRecord[];
}

/** Which frames a live view wants: a small grid thumbnail or the large view. */
export type LiveQuality = 'thumb' | 'full';
