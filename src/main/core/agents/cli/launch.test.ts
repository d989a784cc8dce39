import { describe, expect, it } from 'vitest';
import { cliAgentNames, type CliAgentName } from '../../../../shared/cli-agents';
import { cliLaunch, type CliLaunch, type CliLaunchInput } from './launch';
import { cliAgentProfiles, containerCacheDir } from './profiles';

const KEY = 'sk-run-secret-123';
const HOME = '/tmp/lancer-agent/home';
const CWD = '/app/expensify';
const PROMPT = '-v  Fix the "bug" in $HOME.\nIt costs 42 dollars.';

function input(agent: CliAgentName, extra: Partial<CliLaunchInput> = {}): CliLaunchInput {
  return {
    agent,
    cacheDir: containerCacheDir(cliAgentProfiles[agent]),
    proxy: { openaiBaseUrl: 'http://172.20.0.1:40000/a/att-1/v1', anthropicBaseUrl: 'http://172.20.0.1:40000/a/att-1', apiKey: KEY },
    model: 'qwen3-coder-30b',
    prompt: PROMPT,
    cwd: CWD,
    home: HOME,
    ...extra,
  };
}

function envOf(launch: CliLaunch): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of launch.env) {
    const eq = kv.indexOf('=');
    expect(eq).toBeGreaterThan(0);
    expect(env).not.toHaveProperty(kv.slice(0, eq));
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}

function fileAt(launch: CliLaunch, suffix: string): string {
  const file = launch.files.find((f) => f.path.endsWith(suffix));
  expect(file, `no file ending in ${suffix}`).toBeDefined();
  return file!.content;
}

describe('cliLaunch, for every agent', () => {
  it.each(cliAgentNames)('%s: runs the cached binary, keeps the key out of argv and files, and keeps its files and logs under HOME', (agent) => {
    const profile = cliAgentProfiles[agent];
    const cacheDir = containerCacheDir(profile);
    const launch = cliLaunch(input(agent));
    const env = envOf(launch);

    expect(launch.argv[0]).toBe(`${cacheDir}/${profile.entry[0]}`);
    expect(launch.argv.join('\n')).not.toContain(KEY);
    for (const f of launch.files) {
      expect(f.content).not.toContain(KEY);
      expect(f.path.startsWith(`${HOME}/`)).toBe(true);
    }
    for (const g of launch.logGlobs) expect(g.startsWith(`${HOME}/`)).toBe(true);
    expect(launch.logGlobs.length).toBeGreaterThan(0);
    expect(Object.values(env)).toContain(KEY);

    expect(env.HOME).toBe(HOME);
    const pathDirs = env.PATH!.split(':');
    expect(pathDirs.slice(0, profile.pathDirs.length)).toEqual(profile.pathDirs.map((d) => `${cacheDir}/${d}`));
    expect(pathDirs.slice(profile.pathDirs.length)).toEqual(['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']);
  });

  it.each(cliAgentNames)('%s: every path comes from the input, so the same launch runs on a host', (agent) => {
    const launch = cliLaunch({ ...input(agent), cacheDir: '/host/cache/x', home: '/host/tmp/h', cwd: '/host/tmp/repo' });
    const everything = JSON.stringify(launch);
    expect(everything).not.toContain('/opt/lancer-agents');
    expect(everything).not.toContain('/tmp/lancer-agent');
    expect(everything).not.toContain(CWD);
    expect(launch.argv[0]!.startsWith('/host/cache/x/')).toBe(true);
  });

  it.each(cliAgentNames)('%s: passes the prompt unchanged, as one argument or on stdin', (agent) => {
    const launch = cliLaunch(input(agent));
    const argv = launch.argv;
    const last = argv[argv.length - 1]!;
    // opencode quotes a message argument before sending it: it reads the prompt from stdin.
    // Qwen Code takes it as `--prompt=…` (a positional starting with "-" would be a flag); the others after `--`.
    expect(launch.promptOnStdin).toBe(agent === 'opencode');
    if (agent === 'opencode') expect(argv.join('\n')).not.toContain(PROMPT);
    else if (agent === 'qwen-code') expect(last).toBe(`--prompt=${PROMPT}`);
    else expect(argv.slice(-2)).toEqual(['--', PROMPT]);
  });

  it('rejects an unknown agent', () => {
    expect(() => cliLaunch({ ...input('codex'), agent: 'aider' as CliAgentName })).toThrow(/unknown CLI agent/);
  });
});

describe('cliLaunch for Codex', () => {
  it('runs `codex exec` headless in the repo, the proxy as a Responses provider whose key is read from the environment', () => {
    const launch = cliLaunch(input('codex'));
    const env = envOf(launch);
    expect(launch.argv.slice(1, -2)).toEqual([
      'exec',
      '--json',
      '--skip-git-repo-check',
      '--dangerously-bypass-approvals-and-sandbox',
      '-C',
      CWD,
      '-m',
      'qwen3-coder-30b',
    ]);
    expect(env.CODEX_HOME).toBe(`${HOME}/.codex`);
    const toml = fileAt(launch, '/.codex/config.toml');
    expect(launch.files[0]!.path).toBe(`${HOME}/.codex/config.toml`);
    expect(toml).toMatch(/^model_provider = "lancer"$/m);
    expect(toml).toMatch(/^\[model_providers\.lancer\]$/m);
    expect(toml).toContain('base_url = "http://172.20.0.1:40000/a/att-1/v1"');
    expect(toml).toMatch(/^wire_api = "responses"$/m);
    const envKey = /^env_key = "([A-Z_]+)"$/m.exec(toml)?.[1];
    expect(envKey && env[envKey]).toBe(KEY);
    // Offline: no update check, no analytics or feedback upload, no web search tool.
    expect(toml).toMatch(/^check_for_update_on_startup = false$/m);
    expect(toml).toMatch(/^web_search = "disabled"$/m);
    expect(toml).toMatch(/^\[analytics\]\nenabled = false$/m);
    expect(toml).toMatch(/^\[feedback\]\nenabled = false$/m);
    // Sub-agents come as a `namespace` tool that other servers reject.
    expect(toml).toMatch(/^\[agents\]\nenabled = false$/m);
    // The plugin marketplace looks up api.github.com and chatgpt.com at start.
    expect(toml).toMatch(/^\[features\]\nplugins = false$/m);
    // Root keys must come before the first table, or TOML files them under it.
    const rootPart = toml.slice(0, toml.indexOf('\n['));
    for (const rootKey of ['model', 'model_provider', 'approval_policy', 'sandbox_mode', 'check_for_update_on_startup', 'web_search']) {
      expect(rootPart).toMatch(new RegExp(`^${rootKey} = `, 'm'));
    }
    expect(toml).not.toContain('model_reasoning_effort');
    expect(launch.logGlobs).toEqual([`${HOME}/.codex/sessions/*/*/*/rollout-*.jsonl`]);
  });

  it('writes TOML strings escaped, and the reasoning effort when one is given', () => {
    const toml = fileAt(cliLaunch(input('codex', { model: 'we"ird\\model', params: { reasoningEffort: 'low' } })), 'config.toml');
    expect(toml).toContain('model = "we\\"ird\\\\model"');
    expect(toml).toMatch(/^model_reasoning_effort = "low"$/m);
  });
});

describe('cliLaunch for opencode', () => {
  it('runs `opencode run` with JSON events, reasoning and a fixed title, the proxy as an openai-compatible provider', () => {
    const launch = cliLaunch(input('opencode'));
    const env = envOf(launch);
    expect(launch.argv.slice(1)).toEqual(['run', '--format', 'json', '--thinking', '--title', 'lancer', '-m', 'lancer/qwen3-coder-30b']);
    expect(env.OPENCODE_CONFIG).toBe(`${HOME}/.config/lancer/opencode.json`);
    const config = JSON.parse(fileAt(launch, '/.config/lancer/opencode.json')) as {
      model: string;
      autoupdate: boolean;
      provider: Record<string, { npm: string; options: { baseURL: string; apiKey: string }; models: Record<string, unknown> }>;
      agent?: unknown;
    };
    expect(config.model).toBe('lancer/qwen3-coder-30b');
    expect(config.autoupdate).toBe(false);
    const provider = config.provider.lancer!;
    expect(provider.npm).toBe('@ai-sdk/openai-compatible');
    expect(provider.options.baseURL).toBe('http://172.20.0.1:40000/a/att-1/v1');
    const keyVar = /^\{env:([A-Z_]+)\}$/.exec(provider.options.apiKey)?.[1];
    expect(keyVar && env[keyVar]).toBe(KEY);
    expect(Object.keys(provider.models)).toEqual(['qwen3-coder-30b']);
    expect(config.agent).toBeUndefined();
    expect(env).toMatchObject({ OPENCODE_DISABLE_MODELS_FETCH: '1', OPENCODE_DISABLE_AUTOUPDATE: '1', OPENCODE_DISABLE_LSP_DOWNLOAD: '1' });
    expect(env).not.toHaveProperty('OPENCODE_EXPERIMENTAL_OUTPUT_TOKEN_MAX');
  });

  it('makes its global config folder look installed, so it tries no npm install', () => {
    const launch = cliLaunch(input('opencode'));
    expect(launch.files.map((f) => f.path)).toContain(`${HOME}/.config/opencode/node_modules/.lancer-offline`);
    const lock = JSON.parse(fileAt(launch, '/.config/opencode/package-lock.json')) as { packages: Record<string, { dependencies: Record<string, string> }> };
    expect(Object.keys(lock.packages['']!.dependencies)).toContain('@opencode-ai/plugin');
  });

  it('passes temperature, reasoning effort, the output cap and the step limit where opencode reads them', () => {
    const launch = cliLaunch(input('opencode', { params: { temperature: 0.2, reasoningEffort: 'high', maxTokens: 4096 }, maxTurns: 30 }));
    const config = JSON.parse(fileAt(launch, 'opencode.json')) as {
      provider: { lancer: { models: Record<string, { temperature?: boolean; options?: { reasoningEffort?: string } }> } };
      agent: { build: { temperature: number; steps: number } };
    };
    // Without `temperature: true` on the model opencode sends no temperature at all.
    expect(config.provider.lancer.models['qwen3-coder-30b']).toMatchObject({ temperature: true, options: { reasoningEffort: 'high' } });
    expect(config.agent.build).toEqual({ temperature: 0.2, steps: 30 });
    expect(envOf(launch).OPENCODE_EXPERIMENTAL_OUTPUT_TOKEN_MAX).toBe('4096');
  });
});

describe('cliLaunch for Claude Code', () => {
  it('runs `claude -p` with stream-json against the Anthropic proxy URL, every model alias on the run model', () => {
    const launch = cliLaunch(input('claude-code', { maxTurns: 25 }));
    const env = envOf(launch);
    expect(launch.argv.slice(1, -2)).toEqual([
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--model',
      'qwen3-coder-30b',
      '--dangerously-skip-permissions',
      '--max-turns',
      '25',
    ]);
    expect(env).toMatchObject({
      ANTHROPIC_BASE_URL: 'http://172.20.0.1:40000/a/att-1',
      ANTHROPIC_API_KEY: KEY,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      IS_SANDBOX: '1',
      ANTHROPIC_SMALL_FAST_MODEL: 'qwen3-coder-30b',
      ANTHROPIC_DEFAULT_HAIKU_MODEL: 'qwen3-coder-30b',
    });
    expect(launch.files).toEqual([]);
    expect(launch.logGlobs).toEqual([`${HOME}/.claude/projects/*/*.jsonl`]);
  });

  it('passes an effort Claude Code knows and the output cap, and leaves out an effort it would reject', () => {
    const launch = cliLaunch(input('claude-code', { params: { reasoningEffort: 'medium', maxTokens: 8000 } }));
    expect(launch.argv.slice(-4, -2)).toEqual(['--effort', 'medium']);
    expect(envOf(launch).CLAUDE_CODE_MAX_OUTPUT_TOKENS).toBe('8000');
    expect(cliLaunch(input('claude-code', { params: { reasoningEffort: 'minimal' } })).argv).not.toContain('--effort');
  });
});

describe('cliLaunch for Qwen Code', () => {
  it('runs the JS entry with the cached Node 22, OpenAI auth from the environment, yolo and stream-json', () => {
    const profile = cliAgentProfiles['qwen-code'];
    const cacheDir = containerCacheDir(profile);
    const launch = cliLaunch(input('qwen-code', { maxTurns: 40 }));
    const env = envOf(launch);
    expect(launch.argv.slice(0, 2)).toEqual(profile.entry.map((e) => `${cacheDir}/${e}`));
    expect(launch.argv.slice(2, -1)).toEqual(['--auth-type', 'openai', '-m', 'qwen3-coder-30b', '--yolo', '-o', 'stream-json', '--max-session-turns', '40']);
    expect(env).toMatchObject({ OPENAI_BASE_URL: 'http://172.20.0.1:40000/a/att-1/v1', OPENAI_API_KEY: KEY, OPENAI_MODEL: 'qwen3-coder-30b' });
    const settings = JSON.parse(fileAt(launch, '/.qwen/settings.json')) as Record<string, Record<string, unknown>>;
    expect(settings.telemetry).toEqual({ enabled: false });
    expect(settings.privacy).toEqual({ usageStatisticsEnabled: false });
    expect(settings.general).toEqual({ enableAutoUpdate: false });
    expect(settings.memory).toEqual({ enableManagedAutoMemory: false, enableManagedAutoDream: false, enableAutoSkill: false });
    expect(settings.model).toBeUndefined();
    expect(launch.logGlobs).toEqual([`${HOME}/.qwen/projects/*/chats/*.jsonl`]);
  });

  it('puts sampling parameters and the reasoning effort in its settings', () => {
    const launch = cliLaunch(input('qwen-code', { params: { temperature: 0, maxTokens: 2048, reasoningEffort: 'low' } }));
    const settings = JSON.parse(fileAt(launch, 'settings.json')) as { model: unknown };
    expect(settings.model).toEqual({
      generationConfig: { samplingParams: { temperature: 0, max_tokens: 2048 }, extra_body: { reasoning_effort: 'low' } },
    });
    expect(launch.argv).not.toContain('--max-session-turns');
  });
});
