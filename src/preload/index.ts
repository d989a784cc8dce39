/**
 * The preload: exposes the contract to the page through contextBridge, and nothing else. No
 * ipcRenderer, no Node objects cross; listeners return their unsubscribe function.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

const INVOKE_CHANNEL = 'lancer:invoke';
const EVENT_CHANNEL = 'lancer:event';

const bridge = {
  invoke: (channel: string, input: unknown): Promise<unknown> => ipcRenderer.invoke(INVOKE_CHANNEL, channel, input),
  on: (listener: (event: string, payload: unknown) => void): (() => void) => {
    const wrapped = (_e: IpcRendererEvent, event: string, payload: unknown): void => listener(event, payload);
    ipcRenderer.on(EVENT_CHANNEL, wrapped);
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, wrapped);
  },
};

contextBridge.exposeInMainWorld('lancer', bridge);
