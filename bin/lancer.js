#!/usr/bin/env node
// The `lancer` command. Runs the CLI from its bundle (see cli-bundle.js), rebuilt first when a
// source file changed, so the checkout needs no build step before `npx lancer` works. When the
// bundle cannot be built (a read-only install, esbuild missing), or LANCER_CLI_FROM_SOURCE=1 is
// set (stack traces that point into the TypeScript), it runs the sources through tsx instead.
import { bundleFor, ensureBundle, runBundle } from './cli-bundle.js';

let bundle;
if (process.env.LANCER_CLI_FROM_SOURCE !== '1') {
  try {
    bundle = await ensureBundle({
      ...bundleFor(process.argv[2]),
      // Said only to a person at a terminal: scripts read stderr for errors.
      onBuild: () => process.stderr.isTTY && process.stderr.write('lancer: building the command from src/ (once after a change)…\n'),
    });
  } catch (error) {
    process.stderr.write(`lancer: could not build the command's bundle (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); running from the sources instead\n`);
  }
}
if (bundle) {
  runBundle(bundle, process.argv[2]);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
