// Node module hooks (registered with module.register by launch-app.ts): inside the app's built
// main process bundle, the specifier 'electron' resolves to the stand-in instead of the npm
// package (whose index.js only points at a binary that cannot be downloaded here). Imports from
// anywhere else are left alone.
let electronModuleUrl = '';
let importerPrefix = '';

export function initialize(data) {
  electronModuleUrl = data.electronModuleUrl;
  importerPrefix = data.importerPrefix;
}

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'electron' && context.parentURL?.startsWith(importerPrefix)) {
    return { url: electronModuleUrl, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
