/**
 * Builds the three Electron targets. Main and preload default to src/main/index.ts and
 * src/preload/index.ts; the renderer to src/renderer/index.html.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { cpSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';

/** SQL migrations are read from disk beside the bundle (see store/database.ts). */
function copyMigrations(): Plugin {
  return {
    name: 'lancer-copy-migrations',
    writeBundle(options) {
      const outDir = options.dir ?? resolve('out/main');
      cpSync(resolve('src/main/core/store/migrations'), resolve(outDir, 'migrations'), { recursive: true });
    },
  };
}

export default defineConfig({
  main: {
    plugins: [copyMigrations()],
    build: { outDir: 'out/main' },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload cannot be an ES module: emit CommonJS.
      rollupOptions: { output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: 'src/renderer',
    plugins: [react()],
    // electron-vite leaves the renderer unminified by default; serve mode ships it over the network.
    build: { outDir: 'out/renderer', minify: 'esbuild', rollupOptions: { input: resolve('src/renderer/index.html') } },
  },
});
