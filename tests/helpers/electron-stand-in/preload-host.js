/* eslint-disable no-restricted-syntax, @typescript-eslint/no-unused-vars -- this is Electron's stand-in, so it defines ipcRenderer; runPreload's parameters are used by the preload text spliced into its body */
// The page side of the stand-in's preload host. It runs in every document of a stand-in window
// before the page's own scripts, as Electron runs a preload: it answers the preload's
// `require('electron')` with contextBridge and ipcRenderer, then runs the built preload
// (out/preload/index.cjs) unchanged. stand-in.ts reads this file as text and fills in the two
// placeholders; it is never bundled or type-checked, so it keeps to plain ES2022.
//
// Unlike Electron, this runs in the page's own JavaScript world (Playwright offers no isolated
// world for init scripts): the preload's locals stay in this closure, the binding to the main
// process is taken off `globalThis` before any page script runs, and only what the preload hands
// to contextBridge.exposeInMainWorld becomes a global.
(function electronPreloadHost(config) {
  const g = globalThis;
  const toMain = g[config.bindingName];
  delete g[config.bindingName];
  if (typeof toMain !== 'function') return;
  // Electron runs the preload in the main frame only, unless nodeIntegrationInSubFrames is set.
  if (g.top !== g && !config.preloadInSubFrames) return;

  const revive = (value) => {
    if (value && typeof value === 'object' && typeof value.__standInBytes === 'string') {
      const text = atob(value.__standInBytes);
      const bytes = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
      return bytes;
    }
    return value;
  };

  const listeners = new Map();
  const ipcRenderer = {
    async invoke(channel, ...args) {
      const answer = await toMain('invoke', channel, args);
      if (!answer.ok) throw new Error(`Error invoking remote method '${channel}': ${answer.message}`);
      return answer.value;
    },
    send(channel, ...args) {
      void toMain('send', channel, args);
    },
    on(channel, listener) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel).add(listener);
      return ipcRenderer;
    },
    once(channel, listener) {
      const wrapped = (...args) => {
        ipcRenderer.removeListener(channel, wrapped);
        listener(...args);
      };
      return ipcRenderer.on(channel, wrapped);
    },
    removeListener(channel, listener) {
      listeners.get(channel)?.delete(listener);
      return ipcRenderer;
    },
    off(channel, listener) {
      return ipcRenderer.removeListener(channel, listener);
    },
    removeAllListeners(channel) {
      if (channel === undefined) listeners.clear();
      else listeners.delete(channel);
      return ipcRenderer;
    },
  };

  // webContents.send arrives here, batched and in order, through page.evaluate.
  const deliver = (messages) => {
    for (const [channel, args] of messages) {
      const event = { sender: ipcRenderer, senderId: 0, ports: [] };
      for (const listener of [...(listeners.get(channel) ?? [])]) listener(event, ...args.map(revive));
    }
  };
  Object.defineProperty(g, config.deliverName, { value: deliver, enumerable: false, configurable: false, writable: false });

  // contextBridge copies what it exposes: the page gets frozen objects and functions that call
  // into the preload's, never the preload's own objects.
  const copyAcross = (value) => {
    if (typeof value === 'function') {
      return Object.freeze(function exposed(...args) {
        return copyAcross(value(...args));
      });
    }
    if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.freeze(Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, copyAcross(inner)])));
    }
    return value;
  };
  const contextBridge = {
    exposeInMainWorld(key, api) {
      Object.defineProperty(g, key, { value: copyAcross(api), enumerable: true, configurable: false, writable: false });
    },
  };

  const require = (name) => {
    if (name === 'electron') return { contextBridge, ipcRenderer };
    throw new Error(`Cannot find module '${name}' (a sandboxed preload can require only 'electron')`);
  };
  const module = { exports: {} };
  (function runPreload(require, module, exports) {
/*PRELOAD*/
  })(require, module, module.exports);
})(/*CONFIG*/);
