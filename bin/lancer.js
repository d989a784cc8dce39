#!/usr/bin/env node
// The `lancer` command. Runs the TypeScript CLI through tsx so the checkout needs no build step
// before `npx lancer` works.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
