/**
 * The architecture's layer rules are enforced by lint (each forbidden import is reported), and the
 * renderer's bundle is checked to carry no zod.
 */
import { build } from 'esbuild';
import { ESLint } from 'eslint';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/workbench-server';

const eslint = new ESLint({ cwd: repoRoot });

async function messagesFor(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? ''}: ${m.message}`);
}

describe('layer rules', () => {
  it('core never imports electron', async () => {
    const messages = await messagesFor('src/main/core/x.ts', "import { app } from 'electron';\nexport const a = app;\n");
    expect(messages.join('\n')).toMatch(/no-restricted-imports/);
  });

  it('the renderer imports only shared and itself', async () => {
    const fromMain = await messagesFor('src/renderer/src/x.ts', "import { Workbench } from '../../main/core/workbench';\nexport const w = Workbench;\n");
    expect(fromMain.join('\n')).toMatch(/only src\/shared and itself/);
    const node = await messagesFor('src/renderer/src/y.ts', "import fs from 'node:fs';\nexport const f = fs;\n");
    expect(node.join('\n')).toMatch(/no Node modules/);
    const ok = await messagesFor('src/renderer/src/z.ts', "import { channels } from '../../shared/contract';\nexport const c = channels;\n");
    expect(ok).toEqual([]);
  });

  it('shared imports nothing of ours and no Node', async () => {
    const messages = await messagesFor('src/shared/x.ts', "import os from 'node:os';\nexport const o = os;\n");
    expect(messages.join('\n')).toMatch(/no-restricted-imports/);
  });

  it('raw ipcMain / ipcRenderer only in the preload and the ipc wiring', async () => {
    const code = "import { ipcMain } from 'electron';\nipcMain.handle('x', () => 1);\n";
    expect((await messagesFor('src/main/index.ts', code)).join('\n')).toMatch(/no-restricted-syntax/);
    expect(await messagesFor('src/main/ipc.ts', code)).toEqual([]);
  });

  it("the renderer's code carries no zod: it imports only the shared modules that build no schemas", async () => {
    // The main process checks every input; in the window zod would only cost load time (a
    // quarter of the first chunk), and its eval probe breaks the page's CSP.
    const bundled = await build({
      entryPoints: [path.join(repoRoot, 'src/renderer/src/main.tsx')],
      bundle: true,
      splitting: true,
      format: 'esm',
      outdir: path.join(repoRoot, 'out/lint-renderer'),
      write: false,
      metafile: true,
      logLevel: 'silent',
      loader: { '.svg': 'file', '.png': 'file', '.woff2': 'file' },
    });
    const inputs = bundled.metafile.inputs;
    const zodImporters = Object.entries(inputs)
      .filter(([file, info]) => !file.includes('node_modules/zod') && info.imports.some((i) => i.path.includes('node_modules/zod')))
      .map(([file]) => `${file} (imported by ${Object.entries(inputs).filter(([, info]) => info.imports.some((i) => i.path === file)).map(([f]) => f).join(', ')})`);
    expect(zodImporters).toEqual([]);
    // The check sees the renderer's modules at all.
    expect(Object.keys(inputs).some((f) => f.endsWith('features/shell/app.tsx'))).toBe(true);
  });
});
