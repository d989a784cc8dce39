/**
 * How each CLI coding agent is started inside a task's container: its command line, its
 * environment, the config files it reads, and where it keeps its own session logs.
 *
 * Every path comes from the input (the cache mount, the agent's HOME, the repo), so the same
 * launch runs on the host in tests with host paths. The per-run API key goes only into the
 * environment: command lines and config files get logged or kept, the environment does not.
 * Each agent is pointed at the metering proxy and told to stay offline (no telemetry, no update
 * checks, no model-list downloads), since the container can reach nothing else.
 */
import path from 'node:path';
import type { CliAgentName } from '../../../../shared/cli-agents';
import { entryArgv, profileOf } from './profiles';

export interface CliLaunchInput {
  agent: CliAgentName;
  /** Where the agent's cache is mounted in the container, e.g. /opt/lancer-agents/codex/0.171.0. */
  cacheDir: string;
  proxy: { openaiBaseUrl: string; anthropicBaseUrl: string; apiKey: string };
  model: string;
  /** The whole task prompt. */
  prompt: string;
  /** The repo folder in the container; the agent works there. */
  cwd: string;
  /** A fresh HOME for the agent (the engine creates it); its config and logs live under it. */
  home: string;
  params?: { temperature?: number; reasoningEffort?: string; maxTokens?: number };
  maxTurns?: number;
}

export interface CliLaunch {
  /** The program (absolute) and its arguments. */
  argv: string[];
  /** KEY=VALUE pairs: the agent's whole environment. */
  env: string[];
  /** Config files to write before running. */
  files: { path: string; content: string; mode?: number }[];
  /** Absolute shell globs under `home` of the agent's own session logs. */
  logGlobs: string[];
  /** The prompt goes to the agent's stdin (else stdin is /dev/null and the prompt is in argv). */
  promptOnStdin: boolean;
}

/** The environment variable that carries the per-run key for agents that let us name it. */
export const LANCER_API_KEY_ENV = 'LANCER_API_KEY';
/** The provider id the agents' configs give the metering proxy. */
const PROVIDER_ID = 'lancer';
/** The task containers' own PATH, after an agent's folders. */
export const SYSTEM_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function cliLaunch(input: CliLaunchInput): CliLaunch {
  const profile = profileOf(input.agent);
  const join = input.cacheDir.startsWith('/') ? path.posix.join : path.join;
  const pathVar = [...profile.pathDirs.map((d) => join(input.cacheDir, d)), ...SYSTEM_PATH].join(':');
  const program = entryArgv(profile, input.cacheDir);
  const common = {
    HOME: input.home,
    PATH: pathVar,
    // Agents that check for a terminal or colour otherwise print escape codes into the logs.
    NO_COLOR: '1',
    TERM: 'dumb',
  };
  const built = launchers[input.agent](input, program);
  const env = { ...common, ...built.env };
  return {
    argv: built.argv,
    env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    files: built.files,
    logGlobs: built.logGlobs,
    promptOnStdin: built.promptOnStdin ?? false,
  };
}

interface Built {
  argv: string[];
  env: Record<string, string>;
  files: CliLaunch['files'];
  logGlobs: string[];
  promptOnStdin?: boolean;
}

const launchers: Record<CliAgentName, (input: CliLaunchInput, program: string[]) => Built> = {
  codex: launchCodex,
  opencode: launchOpencode,
  'claude-code': launchClaudeCode,
  'qwen-code': launchQwenCode,
};

/** A TOML basic string; JSON's escapes are a subset of TOML's. */
const tomlString = (s: string): string => JSON.stringify(s);

function launchCodex(input: CliLaunchInput, program: string[]): Built {
  const codexHome = path.posix.join(input.home, '.codex');
  const lines = [
    `model = ${tomlString(input.model)}`,
    `model_provider = ${tomlString(PROVIDER_ID)}`,
    'approval_policy = "never"',
    'sandbox_mode = "danger-full-access"',
    'check_for_update_on_startup = false',
    // Web search needs the internet, and its non-function tool type breaks servers such as llama.cpp.
    'web_search = "disabled"',
  ];
  if (input.params?.reasoningEffort) lines.push(`model_reasoning_effort = ${tomlString(input.params.reasoningEffort)}`);
  lines.push(
    '',
    `[model_providers.${PROVIDER_ID}]`,
    'name = "Lancer metering proxy"',
    `base_url = ${tomlString(input.proxy.openaiBaseUrl)}`,
    `env_key = ${tomlString(LANCER_API_KEY_ENV)}`,
    // Chat Completions support is gone from Codex; the proxy serves the Responses API.
    'wire_api = "responses"',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[feedback]',
    'enabled = false',
    '',
    '[agents]',
    // Sub-agents come as a `namespace` tool, which OpenAI-compatible servers other than OpenAI's reject.
    'enabled = false',
    '',
    '[features]',
    // The plugin marketplace looks up api.github.com and chatgpt.com at start.
    'plugins = false',
    '',
  );
  return {
    argv: [
      ...program,
      'exec',
      '--json',
      '--skip-git-repo-check',
      '--dangerously-bypass-approvals-and-sandbox',
      '-C',
      input.cwd,
      '-m',
      input.model,
      // `--` keeps a prompt that starts with "-" from being read as a flag.
      '--',
      input.prompt,
    ],
    env: { CODEX_HOME: codexHome, [LANCER_API_KEY_ENV]: input.proxy.apiKey },
    files: [{ path: path.posix.join(codexHome, 'config.toml'), content: lines.join('\n') }],
    logGlobs: [path.posix.join(codexHome, 'sessions', '*', '*', '*', 'rollout-*.jsonl')],
  };
}

function launchOpencode(input: CliLaunchInput, program: string[]): Built {
  const configPath = path.posix.join(input.home, '.config', 'lancer', 'opencode.json');
  const globalConfigDir = path.posix.join(input.home, '.config', 'opencode');
  const params = input.params ?? {};
  const model: Record<string, unknown> = { name: input.model, tool_call: true };
  // opencode sends a temperature only for models that declare they take one.
  if (params.temperature !== undefined) model.temperature = true;
  if (params.reasoningEffort) model.options = { reasoningEffort: params.reasoningEffort };
  const buildAgent: Record<string, unknown> = {};
  if (params.temperature !== undefined) buildAgent.temperature = params.temperature;
  if (input.maxTurns !== undefined) buildAgent.steps = input.maxTurns;
  const config: Record<string, unknown> = {
    $schema: 'https://opencode.ai/config.json',
    model: `${PROVIDER_ID}/${input.model}`,
    autoupdate: false,
    share: 'disabled',
    provider: {
      [PROVIDER_ID]: {
        npm: '@ai-sdk/openai-compatible',
        name: 'Lancer metering proxy',
        // opencode substitutes {env:…} when it reads the file, so the key stays out of it.
        options: { baseURL: input.proxy.openaiBaseUrl, apiKey: `{env:${LANCER_API_KEY_ENV}}` },
        models: { [input.model]: model },
      },
    },
    permission: { edit: 'allow', bash: 'allow', webfetch: 'allow', external_directory: 'allow' },
  };
  // `run` uses the build agent.
  if (Object.keys(buildAgent).length > 0) config.agent = { build: buildAgent };
  const env: Record<string, string> = {
    OPENCODE_CONFIG: configPath,
    [LANCER_API_KEY_ENV]: input.proxy.apiKey,
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    OPENCODE_DISABLE_SHARE: '1',
    OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
    OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
  };
  if (params.maxTokens !== undefined) env.OPENCODE_EXPERIMENTAL_OUTPUT_TOKEN_MAX = String(params.maxTokens);
  return {
    argv: [
      ...program,
      'run',
      '--format',
      'json',
      // Without it the JSON events leave out the model's reasoning.
      '--thinking',
      // Without a title opencode asks the model for one: an extra request.
      '--title',
      'lancer',
      '-m',
      `${PROVIDER_ID}/${input.model}`,
      // No message argument: opencode wraps one that contains a space in double quotes (and
      // escapes the quotes in it) before sending it, so the model would see the prompt quoted;
      // split into words, yargs turns number-like words into numbers and opencode crashes. With
      // no message argument the whole of stdin is the message, unchanged.
    ],
    promptOnStdin: true,
    env,
    files: [
      { path: configPath, content: `${JSON.stringify(config, null, 2)}\n` },
      // At start opencode npm-installs @opencode-ai/plugin into its global config folder unless
      // node_modules exists and the lockfile already lists the package: offline that is only a
      // failed download, so these make the install look done.
      { path: path.posix.join(globalConfigDir, 'node_modules', '.lancer-offline'), content: '' },
      {
        path: path.posix.join(globalConfigDir, 'package-lock.json'),
        content: `${JSON.stringify({ lockfileVersion: 3, requires: true, packages: { '': { dependencies: { '@opencode-ai/plugin': '*' } } } }, null, 2)}\n`,
      },
    ],
    logGlobs: [path.posix.join(input.home, '.local', 'share', 'opencode', 'log', '*.log')],
  };
}

/** The levels `claude --effort` accepts. */
const CLAUDE_EFFORTS = new Set(['low', 'medium', 'high', 'xhigh', 'max']);

function launchClaudeCode(input: CliLaunchInput, program: string[]): Built {
  const params = input.params ?? {};
  const argv = [...program, '-p', '--output-format', 'stream-json', '--verbose', '--model', input.model, '--dangerously-skip-permissions'];
  if (input.maxTurns !== undefined) argv.push('--max-turns', String(input.maxTurns));
  if (params.reasoningEffort && CLAUDE_EFFORTS.has(params.reasoningEffort)) argv.push('--effort', params.reasoningEffort);
  argv.push('--', input.prompt);
  const env: Record<string, string> = {
    ANTHROPIC_BASE_URL: input.proxy.anthropicBaseUrl,
    ANTHROPIC_API_KEY: input.proxy.apiKey,
    // Side tasks (titles, summaries, sub-agents) otherwise ask for Haiku or Sonnet by name,
    // which the proxy's endpoint may not serve.
    ANTHROPIC_DEFAULT_HAIKU_MODEL: input.model,
    ANTHROPIC_DEFAULT_SONNET_MODEL: input.model,
    ANTHROPIC_DEFAULT_OPUS_MODEL: input.model,
    ANTHROPIC_SMALL_FAST_MODEL: input.model,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    // As root it refuses --dangerously-skip-permissions unless told it runs in a sandbox.
    IS_SANDBOX: '1',
  };
  if (params.maxTokens !== undefined) env.CLAUDE_CODE_MAX_OUTPUT_TOKENS = String(params.maxTokens);
  return {
    argv,
    env,
    files: [],
    logGlobs: [path.posix.join(input.home, '.claude', 'projects', '*', '*.jsonl')],
  };
}

function launchQwenCode(input: CliLaunchInput, program: string[]): Built {
  const argv = [...program, '--auth-type', 'openai', '-m', input.model, '--yolo', '-o', 'stream-json'];
  if (input.maxTurns !== undefined) argv.push('--max-session-turns', String(input.maxTurns));
  // Qwen Code ignores words after `--`, and a positional prompt that starts with "-" would be
  // read as a flag; the `=` form takes any text.
  argv.push(`--prompt=${input.prompt}`);
  const params = input.params ?? {};
  const samplingParams: Record<string, number> = {};
  if (params.temperature !== undefined) samplingParams.temperature = params.temperature;
  if (params.maxTokens !== undefined) samplingParams.max_tokens = params.maxTokens;
  const generationConfig: Record<string, unknown> = {};
  if (Object.keys(samplingParams).length > 0) generationConfig.samplingParams = samplingParams;
  // Its own effort settings apply only to models it knows to reason; an extra body field reaches any model.
  if (params.reasoningEffort) generationConfig.extra_body = { reasoning_effort: params.reasoningEffort };
  const model: Record<string, unknown> = {};
  if (Object.keys(generationConfig).length > 0) model.generationConfig = generationConfig;
  const settings: Record<string, unknown> = {
    general: { enableAutoUpdate: false },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    // Background memory and skill agents would make model calls of their own.
    memory: { enableManagedAutoMemory: false, enableManagedAutoDream: false, enableAutoSkill: false },
  };
  if (Object.keys(model).length > 0) settings.model = model;
  const settingsPath = path.posix.join(input.home, '.qwen', 'settings.json');
  return {
    argv,
    env: {
      OPENAI_BASE_URL: input.proxy.openaiBaseUrl,
      OPENAI_API_KEY: input.proxy.apiKey,
      OPENAI_MODEL: input.model,
      QWEN_CODE_SUPPRESS_YOLO_WARNING: '1',
    },
    files: [{ path: settingsPath, content: `${JSON.stringify(settings, null, 2)}\n` }],
    logGlobs: [path.posix.join(input.home, '.qwen', 'projects', '*', 'chats', '*.jsonl')],
  };
}
