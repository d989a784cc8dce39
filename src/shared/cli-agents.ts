/**
 * The CLI coding agents (Codex CLI, opencode, Claude Code, Qwen Code) as the UI and the CLI see
 * them: which exist, their pinned versions, and the state of their binaries' cache on the host.
 */
import { z } from 'zod';

/** The CLI agents the workbench knows, by the name runs and `lancer agents` use. */
export const cliAgentNames = ['codex', 'opencode', 'claude-code', 'qwen-code'] as const;
export type CliAgentName = (typeof cliAgentNames)[number];
export const cliAgentNameSchema = z.enum(cliAgentNames);

/**
 * A cache's state: `missing` (never fetched, or a fetch never finished), `ready` (every file
 * matches its recorded hash), `damaged` (a file is gone or changed; fetching refills it).
 */
export type AgentCacheState = 'missing' | 'ready' | 'damaged';

/** One npm package an agent's cache holds. */
export interface AgentPackageInfo {
  /** The registry name (`@openai/codex`). */
  name: string;
  /** The exact version fetched (`0.171.0-linux-x64`). */
  version: string;
  /** The folder under `node_modules/` it is unpacked into (an alias such as `@openai/codex-linux-x64`). */
  installAs: string;
  role: 'launcher' | 'platform' | 'runtime';
}

/** A CLI agent with its cache, as `agents.list` returns it. */
export interface CliAgentInfo {
  name: CliAgentName;
  displayName: string;
  version: string;
  packages: AgentPackageInfo[];
  state: AgentCacheState;
  /** Bytes of the unpacked cache on disk; null when missing. */
  sizeOnDisk: number | null;
  /** Bytes of the tarballs to download for a full fetch; null when not known. */
  downloadBytes: number | null;
  /** The cache folder on the host (it need not exist yet). */
  cacheDir: string;
  /** A fetch of this agent is under way in this process. */
  fetching: boolean;
  /** Why the cache is damaged, when it is. */
  problem?: string;
}

/** One tarball of a fetch plan. */
export interface AgentPlanPackage extends AgentPackageInfo {
  tarball: string;
  /** The Subresource Integrity string (`sha512-…`) the tarball must match. */
  integrity: string;
  /** The tarball's size in bytes. */
  bytes: number;
  /** Bytes of it already downloaded (a fetch that was interrupted resumes there). */
  cachedBytes: number;
}

/** What fetching an agent would download, said before anything is downloaded. */
export interface AgentFetchPlan {
  name: CliAgentName;
  version: string;
  state: AgentCacheState;
  packages: AgentPlanPackage[];
  /** All tarballs together. */
  totalBytes: number;
  /** What a fetch would still download (0 when the cache is ready). */
  downloadBytes: number;
}

/** Progress of `agents.fetch`, pushed as `agents.fetchProgress`; the last event is `finished`. */
export type AgentFetchEvent =
  | { fetchId: string; name: CliAgentName; type: 'plan'; plan: AgentFetchPlan }
  | {
      fetchId: string;
      name: CliAgentName;
      type: 'progress';
      /** The package downloading now. */
      package: string;
      bytesDone: number;
      bytesTotal: number;
      /** Over all packages of the fetch. */
      totalDone: number;
      totalBytes: number;
    }
  | { fetchId: string; name: CliAgentName; type: 'unpacking'; package: string }
  | { fetchId: string; name: CliAgentName; type: 'finished'; ok: true; agent: CliAgentInfo }
  | { fetchId: string; name: CliAgentName; type: 'finished'; ok: false; error: string };
