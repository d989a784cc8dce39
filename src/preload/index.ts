/**
 * The preload: exposes the contract to the page through contextBridge, and nothing else. No
 * ipcRenderer, no Node objects cross; listeners return their unsubscribe function.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

const INVOKE_CHANNEL = 'lancer:invoke';
const EVENT_CHANNEL = 'lancer:event';
const LIVE_WATCH = 'lancer:live-watch';
const LIVE_UNWATCH = 'lancer:live-unwatch';
const LIVE_FRAME = 'lancer:live-frame';
let nextWatch = 0;

const bridge = {
  invoke: (channel: string, input: unknown): Promise<unknown> => ipcRenderer.invoke(INVOKE_CHANNEL, channel, input),
  on: (listener: (event: string, payload: unknown) => void): (() => void) => {
    const wrapped = (_e: IpcRendererEvent, event: string, payload: unknown): void => listener(event, payload);
    ipcRenderer.on(EVENT_CHANNEL, wrapped);
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, wrapped);
  },
  watchLive: (attemptId: string, quality: 'thumb' | 'full', onFrame: (jpeg: Uint8Array) => void): (() => void) => {
    const watchId = `w${++nextWatch}`;
    const wrapped = (_e: IpcRendererEvent, id: string, jpeg: Uint8Array): void => {
      if (id === watchId) onFrame(jpeg);
    };
    ipcRenderer.on(LIVE_FRAME, wrapped);
    ipcRenderer.send(LIVE_WATCH, watchId, attemptId, quality);
    return () => {
      ipcRenderer.removeListener(LIVE_FRAME, wrapped);
      ipcRenderer.send(LIVE_UNWATCH, watchId);
    };
  },
};

contextBridge.exposeInMainWorld('lancer', bridge);
