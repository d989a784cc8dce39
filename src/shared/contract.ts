/**
 * The contract between the UI and the main process: every channel with its input schema and
 * output type, and every event the main process pushes.
 *
 * One file is the single source of truth for all three front doors (Electron IPC, serve mode's
 * HTTP + WebSocket, and the CLI which calls the same handlers directly). Main implements the
 * handlers as a mapped type over `channels`, so a channel without a handler is a compile error,
 * and validates every input against the schema declared here before a handler sees it.
 */
import { z } from 'zod';
import type { AppInfo, DockerStatus, Settings } from './domain';
import { settingsPatchSchema } from './domain';
import {
  importInputSchema,
  taskQuerySchema,
  taskSetNameSchema,
  type DatasetSummary,
  type ImportProgress,
  type ImportReport,
  type TaskDetail,
  type TaskRow,
  type TaskSet,
} from './tasks';
import type { ImageBuildEvent, ImagePullEvent, ImagesOverview, PruneReport, PullPlan } from './images';
import type { AttemptReplay } from './replay';
import type { AgentStepRecord } from './agents';
import { runStartSchema, type AttemptDetail, type KeptContainer, type RunEvent, type RunManifest, type RunSummary, type RunView } from './runs';
import { reportRequestSchema, type Report } from './reports';
import { endpointNameSchema, endpointSaveSchema, type EndpointInfo, type EndpointTestResult } from './endpoints';
import { cliAgentNameSchema, type AgentFetchEvent, type CliAgentInfo } from './cli-agents';
import { clusterNameSchema, type ClusterStatus, type ClusterSummary } from './clusters';

/** What to pull: a dataset's tasks (or some of them), per-task images or the monolith, a registry. */
const pullRequestSchema = z
  .object({
    datasetId: z.string().min(1).max(200),
    taskIds: z.array(z.string().min(1).max(300)).max(100_000).optional(),
    monolith: z.boolean().optional(),
    registry: z.string().max(255).optional(),
  })
  .strict();

/** A channel declaration: the input's zod schema, and the output type carried as a phantom. */
export interface ChannelDef<I extends z.ZodType, O> {
  readonly input: I;
  /** Never set at run time; only carries the output type. */
  readonly output?: O;
}

/** Declares a channel with output type `O`; curried so the input schema's type is inferred. */
const channel =
  <O>() =>
  <I extends z.ZodType>(input: I): ChannelDef<I, O> => ({ input });

const noInput = z.object({}).strict();

export const channels = {
  /** Version, data dir and transport, for the status bar and the about box. */
  'app.info': channel<AppInfo>()(noInput),
  /** Pings the Docker daemon now; also pushes a `docker.status` event to every window. */
  'docker.status': channel<DockerStatus>()(noInput),
  /** All settings with their defaults applied. */
  'settings.get': channel<Settings>()(noInput),
  /** Changes some settings; returns all of them. */
  'settings.update': channel<Settings>()(settingsPatchSchema),
  /**
   * Opens the system file picker (window only; serve mode answers `unavailable`, and the UI
   * offers a server path or an upload instead). Resolves to the chosen path or null.
   */
  'dialog.openFile': channel<string | null>()(
    z
      .object({
        title: z.string().max(200),
        extensions: z.array(z.string().regex(/^\w+$/)).max(10),
        /** Pick a folder (an issues/ folder) instead of a file. */
        directory: z.boolean().optional(),
      })
      .strict(),
  ),
  /** Imports a task CSV (and optionally its issues/ folder) as a new dataset version. */
  'datasets.import': channel<ImportReport>()(importInputSchema),
  /** The latest version of every dataset, with counts and dollars by variant. */
  'datasets.list': channel<DatasetSummary[]>()(noInput),
  /** Task rows of the latest dataset versions, filtered server-side (the CLI uses this). */
  'tasks.list': channel<TaskRow[]>()(taskQuerySchema),
  /** One task in full: description, proposals, answer key, issue folder files. */
  'tasks.get': channel<TaskDetail>()(z.object({ id: z.string().min(3).max(300) }).strict()),
  /** Saved selections ("task sets") that runs start from. */
  'tasksets.list': channel<TaskSet[]>()(noInput),
  'tasksets.save': channel<TaskSet>()(
    z.object({ name: taskSetNameSchema, taskIds: z.array(z.string().min(3).max(300)).min(1).max(100_000) }).strict(),
  ),
  'tasksets.delete': channel<{ deleted: boolean }>()(z.object({ name: taskSetNameSchema }).strict()),
  /** Creates a run from a selection or a task set and starts it; resolves with its id at once. */
  'runs.start': channel<{ runId: string }>()(runStartSchema),
  'runs.list': channel<RunSummary[]>()(noInput),
  /** A run with its manifest and attempts, and the last event number (apply only newer events). */
  /** A run with every attempt and its manifest's head; the manifest's per-task lists come from runs.manifest. */
  'runs.get': channel<RunView & { seq: number }>()(z.object({ runId: z.string().min(1) }).strict()),
  /** A run's whole manifest, per-task lists (tasks, images, profiles) included. */
  'runs.manifest': channel<RunManifest>()(z.object({ runId: z.string().min(1) }).strict()),
  'runs.pause': channel<RunSummary>()(z.object({ runId: z.string().min(1) }).strict()),
  'runs.resume': channel<RunSummary>()(z.object({ runId: z.string().min(1) }).strict()),
  'runs.cancel': channel<RunSummary>()(z.object({ runId: z.string().min(1) }).strict()),
  /**
   * Imports an official results.csv (one row per task attempt) against a dataset as a finished
   * run whose solver is `imported`; resolves with the new run's id.
   */
  'runs.importResults': channel<{ runId: string; rows: number; attemptsPerTask: number }>()(
    z
      .object({
        datasetId: z.string().min(1).max(200),
        /** A path on the main process's machine (the window, the CLI) … */
        path: z.string().min(1).max(4096).optional(),
        /** … or the file's text (serve mode's upload). */
        content: z.string().max(200_000_000).optional(),
        label: z.string().min(1).max(200).optional(),
      })
      .strict()
      .refine((v) => (v.path === undefined) !== (v.content === undefined), { message: 'give either path or content' }),
  ),
  /** Earnings analytics of one or more runs, and with two or more, their comparison. */
  'reports.get': channel<Report>()(reportRequestSchema),
  /** Images labelled by the workbench, with sizes and the disk they take together. */
  'images.list': channel<ImagesOverview>()(noInput),
  'images.remove': channel<{ removed: boolean }>()(
    z.object({ name: z.string().min(1).max(300), force: z.boolean().optional() }).strict(),
  ),
  /** Builds the sample benchmark's images in the background; progress as images.progress. */
  'images.buildSample': channel<{ buildId: string }>()(
    z.object({ only: z.array(z.string().regex(/^[\w.-]+$/)).max(1000).optional() }).strict(),
  ),
  /** What pulling a dataset's official images would download, the free disk and the budget. */
  'images.pullPlan': channel<PullPlan>()(pullRequestSchema),
  /**
   * Pulls the official images of a dataset's tasks in the background (one pull at a time);
   * progress, per layer, as images.pullProgress events, the last of type `finished`.
   */
  'images.pull': channel<{ pullId: string }>()(pullRequestSchema),
  /** Cancels a pull; finished layers stay in the download cache and the next pull resumes. */
  'images.pullCancel': channel<{ cancelled: boolean }>()(z.object({ pullId: z.string().min(1).max(100) }).strict()),
  /**
   * Removes least recently used official images no unfinished run needs until the rest fit the
   * budget (the setting, or `budgetGb`); `dryRun` only says what would go.
   */
  'images.prune': channel<PruneReport>()(
    z.object({ budgetGb: z.number().positive().max(1_000_000).optional(), dryRun: z.boolean().optional() }).strict(),
  ),
  /** Containers kept after failed attempts (setting keepFailedContainers), stopped, for inspection. */
  'containers.kept': channel<KeptContainer[]>()(noInput),
  /** Removes one kept container (by id or name); only this data dir's kept containers. */
  'containers.removeKept': channel<{ removed: boolean }>()(z.object({ id: z.string().regex(/^[\w.-]{1,128}$/) }).strict()),
  /** Deletes a run and its ledger; artifacts only it used are deleted too. */
  'runs.delete': channel<{ freedBytes: number }>()(z.object({ runId: z.string().min(1) }).strict()),
  /** Artifact disk use, in all and per run. */
  'artifacts.usage': channel<{ totalBytes: number; count: number; byRun: { runId: string; bytes: number; sharedBytes: number }[] }>()(noInput),
  /** Everything to replay an attempt's grading runs (video, traces' timelines, logs). */
  'replay.get': channel<AttemptReplay>()(z.object({ attemptId: z.string().min(1) }).strict()),
  /**
   * Opens a trace in Playwright's own trace viewer (served on 127.0.0.1 by playwright-core);
   * returns its URL. The window opens it in the system browser.
   */
  'replay.openTraceViewer': channel<{ url: string }>()(z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict()),
  'attempts.get': channel<AttemptDetail>()(z.object({ attemptId: z.string().min(1) }).strict()),
  /** An agent attempt's transcript, in order; only steps after `afterIndex` when given (a view that streams). */
  'attempts.steps': channel<AgentStepRecord[]>()(
    z.object({ attemptId: z.string().min(1), afterIndex: z.number().int().min(-1).optional() }).strict(),
  ),
  /** An attempt's log lines after `afterId` (for a log view that streams). */
  /** Docker Swarms added with `lancer cluster add` (runs.start takes one's name as `cluster`). */
  'clusters.list': channel<ClusterSummary[]>()(noInput),
  /** A cluster's nodes as its manager and their own daemons report them now. */
  'clusters.status': channel<ClusterStatus>()(z.object({ name: clusterNameSchema }).strict()),
  /** Model endpoints with where their keys come from (masked); never a key. */
  'endpoints.list': channel<EndpointInfo[]>()(noInput),
  /** Creates an endpoint or replaces the one of that name; without `apiKey` the current key stays. */
  'endpoints.save': channel<EndpointInfo>()(endpointSaveSchema),
  /** Removes an endpoint and its stored key. */
  'endpoints.remove': channel<{ removed: boolean }>()(z.object({ name: endpointNameSchema }).strict()),
  /** Sends an endpoint one small request (models, a chat call with a tool); what answered, in 30 s at most. */
  'endpoints.test': channel<EndpointTestResult>()(z.object({ name: endpointNameSchema }).strict()),
  'attempts.logs': channel<{ id: number; phase: string; at: string; text: string }[]>()(
    z.object({ attemptId: z.string().min(1), afterId: z.number().int().min(0).optional() }).strict(),
  ),
  /** The CLI agents (Codex CLI, opencode, Claude Code, Qwen Code): pinned version, cache state, sizes. */
  'agents.list': channel<CliAgentInfo[]>()(noInput),
  /**
   * Fills an agent's binary cache from the npm registry in the background (joins a fetch of it
   * already running); progress as `agents.fetchProgress` events, the first `plan` (the download
   * size), the last `finished`.
   */
  'agents.fetch': channel<{ fetchId: string }>()(z.object({ name: cliAgentNameSchema }).strict()),
} as const;

export type Channels = typeof channels;
export type ChannelName = keyof Channels;
export type ChannelInput<K extends ChannelName> = z.input<Channels[K]['input']>;
export type ChannelParsedInput<K extends ChannelName> = z.output<Channels[K]['input']>;
export type ChannelOutput<K extends ChannelName> =
  Channels[K] extends ChannelDef<z.ZodType, infer O> ? O : never;

/** Events pushed from main to every connected UI, by name. */
export interface EventMap {
  'docker.status': DockerStatus;
  'import.progress': ImportProgress;
  'run.event': RunEvent;
  'images.progress': ImageBuildEvent;
  'images.pullProgress': ImagePullEvent;
  'agents.fetchProgress': AgentFetchEvent;
}

export type EventName = keyof EventMap;

/** The list of event names, for transports that subscribe by allowlist. */
export const eventNames: readonly EventName[] = ['docker.status', 'import.progress', 'run.event', 'images.progress', 'images.pullProgress', 'agents.fetchProgress'];

export function isChannelName(name: string): name is ChannelName {
  return Object.prototype.hasOwnProperty.call(channels, name);
}

export function isEventName(name: string): name is EventName {
  return (eventNames as readonly string[]).includes(name);
}
