/**
 * What the app imports at run time must be a dependency, not a devDependency: `npm ci
 * --omit=dev` (a packaged app, a production install of the CLI) leaves devDependencies out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/workbench-server';

/** Source files that run in the main process or the CLI (not tests, not the bundled renderer). */
function runtimeSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.[jt]sx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

/** The package a specifier names: `a/b` → `a`, `@s/a/b` → `@s/a`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** Packages a source file loads at run time: value imports, dynamic imports, require(.resolve). */
function packagesLoadedBy(code: string): string[] {
  const found: string[] = [];
  const patterns = [/^\s*import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm, /\bimport\(\s*'([^']+)'\s*\)/g, /\brequire(?:\.resolve)?\(\s*'([^']+)'\s*\)/g, /\)\.resolve\(\s*'([^']+)'\s*\)/g, /\)\(\s*'([^']+)'\s*\)/g];
  for (const pattern of patterns) for (const m of code.matchAll(pattern)) found.push(m[1]!);
  return found.filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s)).map(packageOf);
}

describe('run-time dependencies', () => {
  it('every package the main process and the CLI load is in dependencies (electron aside)', () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const missing = new Set<string>();
    for (const file of [...runtimeSources(path.join(repoRoot, 'src/main')), ...runtimeSources(path.join(repoRoot, 'src/cli')), ...runtimeSources(path.join(repoRoot, 'bin'))]) {
      for (const name of packagesLoadedBy(readFileSync(file, 'utf8'))) {
        // Electron is the runtime itself: where the window runs, it is there; elsewhere the app falls back to serve mode.
        if (name !== 'electron' && !(name in pkg.dependencies)) missing.add(`${name} (${path.relative(repoRoot, file)})`);
      }
    }
    expect([...missing]).toEqual([]);
  });

  it('finds the loads it checks (the scan is not blind)', () => {
    expect(packagesLoadedBy("import Docker from 'dockerode';\nimport type { X } from 'zod';\nconst p = require.resolve('playwright-core/package.json');\nconst q = createRequire(u).resolve('ws');\nconst D = createRequire(u)('zod');\nconst { build } = await import('esbuild');").sort()).toEqual(['dockerode', 'esbuild', 'playwright-core', 'ws', 'zod']);
  });
});
