/* eslint-disable no-restricted-syntax -- this file is Electron's stand-in: it defines ipcMain and ipcRenderer for the app instead of using them */
/**
 * A stand-in for the part of Electron's main-process API the workbench uses, for tests on
 * machines where Electron's binary cannot be downloaded. Each BrowserWindow is a real Chromium
 * page driven by playwright-core; the app's built preload runs inside it (preload-host.js) and
 * its IPC reaches the handlers the app registered on `ipcMain`, with a sender (webContents) and a
 * senderFrame that are this page and the real frame that called.
 *
 * Where it differs from Electron (each difference is named where it is made):
 * - the preload runs in the page's own JavaScript world, not an isolated one (preload-host.js);
 * - `will-navigate` and `did-start-navigation` come from intercepting the navigation's request,
 *   so their URL has no #fragment (Chromium does not send it), and reloads emit them too;
 * - a denied window.open is closed right after Chromium opens it (Electron never creates it),
 *   so the opener gets a window that is already closed rather than null, and the popup may
 *   have started its request; 'allow' is unsupported;
 * - `protocol.handle` schemes are served by Playwright request interception: the scheme's
 *   privileges (standard, secure, stream) are not registered with Chromium;
 * - `net.fetch` on file: URLs is this file's own reader (with byte ranges), not Chromium's;
 * - safeStorage seals with a visible stand-in cipher, not the OS keychain.
 */
import { EventEmitter } from 'node:events';
import { readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Frame, Page, Request as PwRequest, Route } from 'playwright-core';

const PRELOAD_HOST_SOURCE = readFileSync(path.join(import.meta.dirname, 'preload-host.js'), 'utf8');

/** An Electron-style event: listeners may call preventDefault; extra fields ride along. */
export class StandInEvent {
  defaultPrevented = false;
  constructor(fields: Record<string, unknown> = {}) {
    Object.assign(this, fields);
  }
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

/** A frame as the main process sees it (Electron's WebFrameMain), wrapping the real frame. */
export class StandInFrame {
  constructor(
    readonly frame: Frame,
    private readonly frames: (f: Frame) => StandInFrame,
  ) {}
  get url(): string {
    return this.frame.url();
  }
  get name(): string {
    return this.frame.name();
  }
  get parent(): StandInFrame | null {
    const parent = this.frame.parentFrame();
    return parent ? this.frames(parent) : null;
  }
  get top(): StandInFrame {
    return this.frames(this.frame.page().mainFrame());
  }
  isDestroyed(): boolean {
    return this.frame.isDetached();
  }
}

type InvokeHandler = (event: StandInEvent, ...args: unknown[]) => unknown;

/** ipcMain: `on` listeners for send, one handler per channel for invoke. */
export class StandInIpcMain extends EventEmitter {
  private readonly handlers = new Map<string, InvokeHandler>();

  handle(channel: string, handler: InvokeHandler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }
  handleOnce(channel: string, handler: InvokeHandler): void {
    this.handle(channel, (event, ...args) => {
      this.removeHandler(channel);
      return handler(event, ...args);
    });
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  /** A page's ipcRenderer.invoke: the handler's value, or its error as the renderer sees it. */
  async deliverInvoke(event: StandInEvent, channel: string, args: unknown[]): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
    const handler = this.handlers.get(channel);
    if (!handler) return { ok: false, message: `Error: No handler registered for '${channel}'` };
    try {
      return { ok: true, value: await handler(event, ...args) };
    } catch (error) {
      return { ok: false, message: String(error) };
    }
  }
}

/** The payload types a page can receive: Buffers cross as bytes, as Electron's IPC clones them. */
function encodeForPage(value: unknown): unknown {
  return value instanceof Uint8Array ? { __standInBytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') } : value;
}

export interface SentMessage {
  channel: string;
  at: number;
  /** The first argument when it is a string (an event name, a live watch id). */
  tag?: string;
}

export interface WindowOpenDetails {
  url: string;
  frameName: string;
  features: string;
  disposition: string;
}

let nextContentsId = 1;

/** webContents: the page of one window, its navigation hooks and its outgoing IPC. */
export class StandInWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  page: Page | undefined;
  /** Everything sent to the page (webContents.send), oldest first; tests read it. */
  readonly sent: SentMessage[] = [];
  windowOpenHandler: ((details: WindowOpenDetails) => { action: 'allow' | 'deny' }) | undefined;
  private destroyed = false;
  private readonly appLoads = new Set<string>();
  private outbox: [string, unknown[]][] = [];
  private flushing: Promise<void> = Promise.resolve();
  private flushScheduled = false;
  private readonly deliverName: string;

  constructor(
    readonly pageReady: Promise<Page>,
    private readonly host: ElectronStandIn,
    deliverName: string,
  ) {
    super();
    this.deliverName = deliverName;
    void pageReady.then((page) => {
      this.page = page;
      page.on('close', () => this.markDestroyed());
      page.on('framenavigated', (frame) => {
        // Same-document navigations (#routes, history.pushState) make no request, so they are
        // reported here, after the fact, rather than before they start as Electron does.
        if (frame === page.mainFrame() && !this.documentRequested) this.emit('did-start-navigation', new StandInEvent({ url: frame.url(), isMainFrame: true, isSameDocument: true, frame: host.frameOf(frame) }));
        this.documentRequested = false;
      });
    });
  }

  private documentRequested = false;

  get mainFrame(): StandInFrame {
    if (!this.page) throw new Error('the window has no page yet');
    return this.host.frameOf(this.page.mainFrame());
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  getURL(): string {
    return this.page?.url() ?? '';
  }

  setWindowOpenHandler(handler: (details: WindowOpenDetails) => { action: 'allow' | 'deny' }): void {
    this.windowOpenHandler = handler;
  }

  /** Queues a message for the page; batches go out in order, one page.evaluate per batch. */
  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push({ channel, at: Date.now(), ...(typeof args[0] === 'string' ? { tag: args[0] } : {}) });
    if (this.sent.length > 20_000) this.sent.splice(0, 10_000);
    this.outbox.push([channel, args.map(encodeForPage)]);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const batch = this.outbox;
      this.outbox = [];
      this.flushing = this.flushing.then(async () => {
        const page = await this.pageReady;
        // A page that is navigating away loses what was in flight, as it would in Electron.
        await page.evaluate(([name, messages]) => (globalThis as unknown as Record<string, (m: unknown) => void>)[name]?.(messages), [this.deliverName, batch] as const).catch(() => undefined);
      });
    });
  }

  async loadURL(url: string): Promise<void> {
    const page = await this.pageReady;
    // Loads the app starts are not page-initiated navigations: no will-navigate for them.
    this.appLoads.add(withoutHash(url));
    await page.goto(url, { waitUntil: 'load' });
    this.emit('did-finish-load');
  }

  loadFile(file: string, options: { hash?: string; search?: string } = {}): Promise<void> {
    const url = pathToFileURL(path.resolve(file));
    if (options.search) url.search = options.search;
    if (options.hash) url.hash = options.hash;
    return this.loadURL(url.href);
  }

  async reload(): Promise<void> {
    const page = await this.pageReady;
    this.appLoads.add(withoutHash(page.url()));
    await page.reload();
  }

  /**
   * A main-frame navigation request is about to go out: emits will-navigate (unless the app
   * started it) and did-start-navigation; false when a listener prevented it.
   */
  startNavigation(url: string, frame: Frame): boolean {
    if (this.appLoads.delete(url)) {
      // started by loadURL / loadFile / reload
    } else {
      const event = new StandInEvent({ url, isMainFrame: true, isSameDocument: false, frame: this.host.frameOf(frame) });
      this.emit('will-navigate', event, url);
      if (event.defaultPrevented) return false;
    }
    this.documentRequested = true;
    this.emit('did-start-navigation', new StandInEvent({ url, isMainFrame: true, isSameDocument: false, frame: this.host.frameOf(frame) }));
    return true;
  }

  markDestroyed(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('destroyed');
  }
}

function withoutHash(url: string): string {
  const u = new URL(url);
  u.hash = '';
  return u.href;
}

export interface BrowserWindowOptions {
  width?: number;
  height?: number;
  show?: boolean;
  title?: string;
  webPreferences?: {
    preload?: string;
    contextIsolation?: boolean;
    sandbox?: boolean;
    nodeIntegration?: boolean;
    nodeIntegrationInSubFrames?: boolean;
    webSecurity?: boolean;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** What a test decides the system file dialog answers. */
export interface OpenDialogAnswer {
  canceled: boolean;
  filePaths: string[];
}

export interface StandInOptions {
  browser: Browser;
  /** app.getPath('userData'). */
  userDataDir: string;
  /** app.getAppPath(): the folder with the app's package.json. */
  appPath: string;
  /**
   * Runs the preload in subframes too, as Electron's nodeIntegrationInSubFrames does: lets a
   * test make a call from a frame that is not the main frame, to see the main process refuse it.
   */
  preloadInSubFrames?: boolean;
}

const SEAL_MARKER = Buffer.from('stand-in-sealed:');

/** The whole stand-in: one per (test) process, installed where 'electron' resolves. */
export class ElectronStandIn {
  readonly ipcMain = new StandInIpcMain();
  readonly windows: StandInBrowserWindowLike[] = [];
  /** shell.openExternal calls, in order. */
  readonly openedExternally: string[] = [];
  /** showOpenDialog calls: the options the app passed. */
  readonly dialogCalls: unknown[] = [];
  /** window.open attempts and what the app's handler answered. */
  readonly windowOpens: { url: string; action: string }[] = [];
  /** Requests served through protocol.handle, with their Range header and status. */
  readonly protocolRequests: { url: string; range: string | null; status: number }[] = [];
  /** Every URL any page of the app asked for, from its first load on (routed requests). */
  readonly requestedUrls: string[] = [];
  /** Strings sealed and opened with safeStorage. */
  readonly safeStorageUse = { sealed: 0, opened: 0 };
  readonly privilegedSchemes: unknown[] = [];
  readonly app: StandInApp;
  readonly BrowserWindow: ReturnType<typeof browserWindowClass>;
  readonly protocol;
  readonly net;
  readonly safeStorage;
  readonly dialog;
  readonly shell;
  readonly webContents;
  context: BrowserContext | undefined;
  private readonly dialogAnswers: OpenDialogAnswer[] = [];
  private readonly protocolHandlers = new Map<string, (request: Request) => Response | Promise<Response>>();
  private readonly frameWrappers = new WeakMap<Frame, StandInFrame>();
  private readonly popupDecisions = new WeakMap<Page, Promise<'allow' | 'deny' | 'not-ours'>>();
  private readonly windowOpenRequests = new WeakMap<Page, WindowOpenDetails[]>();

  constructor(readonly options: StandInOptions) {
    this.app = new StandInApp(this);
    this.BrowserWindow = browserWindowClass(this);
    this.protocol = {
      registerSchemesAsPrivileged: (schemes: unknown[]): void => {
        if (this.app.isReady()) throw new Error('protocol.registerSchemesAsPrivileged must be called before the app is ready');
        this.privilegedSchemes.push(...schemes);
      },
      handle: (scheme: string, handler: (request: Request) => Response | Promise<Response>): void => {
        if (this.protocolHandlers.has(scheme)) throw new Error(`The scheme ${scheme} is already handled`);
        this.protocolHandlers.set(scheme, handler);
      },
      unhandle: (scheme: string): void => void this.protocolHandlers.delete(scheme),
      isProtocolHandled: (scheme: string): boolean => this.protocolHandlers.has(scheme),
    };
    this.net = { fetch: (url: string, init?: RequestInit): Promise<Response> => standInNetFetch(url, init) };
    this.safeStorage = {
      isEncryptionAvailable: (): boolean => true,
      encryptString: (plain: string): Buffer => {
        this.safeStorageUse.sealed += 1;
        return Buffer.concat([SEAL_MARKER, Buffer.from(plain, 'utf8').map((b) => b ^ 0x5a)]);
      },
      decryptString: (sealed: Buffer): string => {
        if (!sealed.subarray(0, SEAL_MARKER.length).equals(SEAL_MARKER)) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
        this.safeStorageUse.opened += 1;
        return Buffer.from(sealed.subarray(SEAL_MARKER.length).map((b) => b ^ 0x5a)).toString('utf8');
      },
    };
    this.dialog = {
      showOpenDialog: async (...args: unknown[]): Promise<OpenDialogAnswer> => {
        this.dialogCalls.push(args.length > 1 ? args[1] : args[0]);
        return this.dialogAnswers.shift() ?? { canceled: true, filePaths: [] };
      },
      showErrorBox: (title: string, content: string): void => void this.dialogCalls.push({ errorBox: title, content }),
    };
    this.shell = {
      openExternal: async (url: string): Promise<void> => void this.openedExternally.push(url),
    };
    this.webContents = {
      getAllWebContents: () => this.windows.map((w) => w.webContents),
      fromId: (id: number) => this.windows.find((w) => w.webContents.id === id)?.webContents,
    };
  }

  /** The next showOpenDialog answers this (then the default: cancelled). */
  answerNextOpenDialog(answer: OpenDialogAnswer): void {
    this.dialogAnswers.push(answer);
  }

  frameOf(frame: Frame): StandInFrame {
    let wrapper = this.frameWrappers.get(frame);
    if (!wrapper) {
      wrapper = new StandInFrame(frame, (f) => this.frameOf(f));
      this.frameWrappers.set(frame, wrapper);
    }
    return wrapper;
  }

  /** Opens the default session and fires `ready`; the app's whenReady() then resolves. */
  async start(): Promise<void> {
    // One context for all windows, as Electron's default session. CSP is enforced (no bypass).
    this.context = await this.options.browser.newContext({ bypassCSP: false, acceptDownloads: true });
    await this.context.route(() => true, (route, request) => this.onRequest(route, request));
    this.context.on('page', (page) => void this.onNewPage(page));
    this.app.markReady();
  }

  contentsOf(page: Page): StandInWebContents | undefined {
    return this.windows.find((w) => w.webContents.page === page)?.webContents;
  }

  /** The init script of a window's pages: the preload host around the built preload. */
  preloadScript(preloadPath: string, bindingName: string, deliverName: string): string {
    const preload = readFileSync(preloadPath, 'utf8');
    const config = { bindingName, deliverName, preloadInSubFrames: this.options.preloadInSubFrames === true };
    return PRELOAD_HOST_SOURCE.replace('/*PRELOAD*/', () => preload).replace('/*CONFIG*/', () => JSON.stringify(config));
  }

  /** A page's IPC arrives here: kind 'send' or 'invoke', from the real calling frame. */
  async fromPage(source: { page: Page; frame: Frame }, kind: unknown, channel: unknown, args: unknown): Promise<unknown> {
    const sender = this.contentsOf(source.page);
    if (!sender || typeof channel !== 'string' || !Array.isArray(args)) return { ok: false, message: 'Error: not a window of this app' };
    const event = new StandInEvent({ sender, senderFrame: this.frameOf(source.frame), frameId: 0, processId: 1 });
    if (kind === 'invoke') return this.ipcMain.deliverInvoke(event, channel, args);
    this.ipcMain.emit(channel, event, ...args);
    return undefined;
  }

  private async onRequest(route: Route, request: PwRequest): Promise<void> {
    const url = request.url();
    this.requestedUrls.push(url);
    if (request.isNavigationRequest()) {
      const frame = safeFrame(request);
      const page = frame?.page();
      if (frame && page) {
        const contents = this.contentsOf(page);
        if (!contents) {
          if ((await this.popupDecision(page)) === 'deny') return route.abort('blockedbyclient');
        } else if (frame === page.mainFrame() && !contents.startNavigation(url, frame)) {
          return route.abort('aborted');
        }
      }
    }
    const handler = this.protocolHandlers.get(new URL(url).protocol.slice(0, -1));
    if (!handler) return route.continue();
    const headers = Object.fromEntries(Object.entries(await request.allHeaders()).filter(([name]) => !name.startsWith(':')));
    const response = await handler(new Request(url, { method: request.method(), headers }));
    this.protocolRequests.push({ url, range: headers.range ?? null, status: response.status });
    await route.fulfill({ status: response.status, headers: Object.fromEntries(response.headers), body: Buffer.from(await response.arrayBuffer()) });
  }

  /**
   * A page Chromium opened on its own: a window.open from one of our windows, decided by that
   * window's handler with the URL the page asked for (the popup's own navigation is not
   * interceptable, so a denied popup is closed as soon as Chromium has opened it).
   */
  private popupDecision(page: Page): Promise<'allow' | 'deny' | 'not-ours'> {
    let decision = this.popupDecisions.get(page);
    if (!decision) {
      decision = (async () => {
        const opener = await page.opener();
        const contents = opener ? this.contentsOf(opener) : undefined;
        if (!opener || !contents) return 'not-ours' as const;
        let asked: WindowOpenDetails | undefined;
        for (const deadline = Date.now() + 2000; !asked && Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
          asked = this.windowOpenRequests.get(opener)?.shift();
        }
        const details = asked ?? { url: page.url(), frameName: '', features: '', disposition: 'new-window' };
        const answer = contents.windowOpenHandler?.(details) ?? { action: 'allow' as const };
        this.windowOpens.push({ url: details.url, action: answer.action });
        if (answer.action === 'allow') throw new Error('the stand-in does not model windows the app allows to open');
        await page.close();
        return 'deny' as const;
      })();
      this.popupDecisions.set(page, decision);
    }
    return decision;
  }

  /** What a window's page asked window.open for (Chromium reports it before the popup exists). */
  noteWindowOpen(opener: Page, details: WindowOpenDetails): void {
    const queue = this.windowOpenRequests.get(opener) ?? [];
    queue.push(details);
    this.windowOpenRequests.set(opener, queue);
  }

  private async onNewPage(page: Page): Promise<void> {
    if (await page.opener()) await this.popupDecision(page).catch(() => undefined);
  }

  async stop(): Promise<void> {
    await this.context?.close().catch(() => undefined);
  }
}

function safeFrame(request: PwRequest): Frame | undefined {
  try {
    return request.frame();
  } catch {
    return undefined; // a service worker's request has no frame
  }
}

/** Electron's `app`: ready state, paths, version and the lifecycle events. */
export class StandInApp extends EventEmitter {
  private ready = false;
  private quitting = false;
  private readonly readyPromise: Promise<void>;
  private resolveReady!: () => void;
  readonly isPackaged = false;

  constructor(private readonly host: ElectronStandIn) {
    super();
    this.readyPromise = new Promise((resolve) => (this.resolveReady = resolve));
  }

  markReady(): void {
    this.ready = true;
    this.emit('ready');
    this.resolveReady();
  }
  isReady(): boolean {
    return this.ready;
  }
  whenReady(): Promise<void> {
    return this.readyPromise;
  }
  getPath(name: string): string {
    if (name === 'userData') return this.host.options.userDataDir;
    if (name === 'temp') return path.join(this.host.options.userDataDir, 'tmp');
    return path.join(this.host.options.userDataDir, name);
  }
  getAppPath(): string {
    return this.host.options.appPath;
  }
  getName(): string {
    return (JSON.parse(readFileSync(path.join(this.host.options.appPath, 'package.json'), 'utf8')) as { name: string }).name;
  }
  getVersion(): string {
    return (JSON.parse(readFileSync(path.join(this.host.options.appPath, 'package.json'), 'utf8')) as { version: string }).version;
  }
  requestSingleInstanceLock(): boolean {
    return true;
  }
  /** Electron's order: before-quit, the windows close (no window-all-closed), will-quit, quit. */
  async quit(): Promise<void> {
    if (this.quitting) return;
    this.quitting = true;
    const event = new StandInEvent();
    this.emit('before-quit', event);
    for (const win of [...this.host.windows]) await win.close();
    this.emit('will-quit', new StandInEvent());
    this.emit('quit', new StandInEvent(), 0);
  }
  isQuitting(): boolean {
    return this.quitting;
  }
  windowClosed(): void {
    if (!this.quitting && this.host.windows.length === 0) this.emit('window-all-closed');
  }
}

export interface StandInBrowserWindowLike {
  readonly id: number;
  readonly webContents: StandInWebContents;
  readonly options: BrowserWindowOptions;
  close(): Promise<void>;
}

let nextWindowId = 1;

function browserWindowClass(host: ElectronStandIn) {
  return class BrowserWindow extends EventEmitter implements StandInBrowserWindowLike {
    static getAllWindows(): BrowserWindow[] {
      return host.windows as BrowserWindow[];
    }
    /** Headless Chromium has no focus: the newest open window stands for the focused one. */
    static getFocusedWindow(): BrowserWindow | null {
      return (host.windows.at(-1) as BrowserWindow | undefined) ?? null;
    }
    static fromWebContents(contents: StandInWebContents): BrowserWindow | null {
      return (host.windows.find((w) => w.webContents === contents) as BrowserWindow | undefined) ?? null;
    }

    readonly id = nextWindowId++;
    readonly webContents: StandInWebContents;
    private visible = false;
    private destroyed = false;
    private firstLoad = true;

    constructor(readonly options: BrowserWindowOptions = {}) {
      super();
      const prefs = options.webPreferences ?? {};
      // What the stand-in can model faithfully: an isolated, sandboxed page without Node.
      if (prefs.contextIsolation === false || prefs.nodeIntegration === true || prefs.sandbox === false) {
        throw new Error('the Electron stand-in models only contextIsolation: true, sandbox: true, nodeIntegration: false');
      }
      if (!host.context) throw new Error('Cannot create BrowserWindow before app is ready');
      const context = host.context;
      const token = randomBytes(8).toString('hex');
      const bindingName = `__electronIpc_${token}`;
      const deliverName = `__electronDeliver_${token}`;
      const pageReady = (async () => {
        const page = await context.newPage();
        await page.setViewportSize({ width: options.width ?? 800, height: options.height ?? 600 });
        const cdp = await context.newCDPSession(page);
        await cdp.send('Page.enable');
        cdp.on('Page.windowOpen', (e) => host.noteWindowOpen(page, { url: e.url, frameName: e.windowName, features: e.windowFeatures.join(','), disposition: 'new-window' }));
        await page.exposeBinding(bindingName, (source, kind: unknown, channel: unknown, args: unknown) => host.fromPage(source, kind, channel, args));
        if (prefs.preload) await page.addInitScript({ content: host.preloadScript(prefs.preload, bindingName, deliverName) });
        return page;
      })();
      this.webContents = new StandInWebContents(pageReady, host, deliverName);
      this.visible = options.show !== false;
      host.windows.push(this);
      this.webContents.once('destroyed', () => this.markClosed());
    }

    async loadURL(url: string): Promise<void> {
      await this.webContents.loadURL(url);
      this.afterLoad();
    }
    async loadFile(file: string, options?: { hash?: string; search?: string }): Promise<void> {
      await this.webContents.loadFile(file, options);
      this.afterLoad();
    }
    private afterLoad(): void {
      if (!this.firstLoad) return;
      this.firstLoad = false;
      this.emit('ready-to-show');
    }
    show(): void {
      this.visible = true;
      this.emit('show');
    }
    hide(): void {
      this.visible = false;
    }
    isVisible(): boolean {
      return this.visible;
    }
    focus(): void {}
    isDestroyed(): boolean {
      return this.destroyed;
    }
    async close(): Promise<void> {
      if (this.destroyed) return;
      const page = await this.webContents.pageReady;
      await page.close().catch(() => undefined);
      this.markClosed();
    }
    destroy(): void {
      void this.close();
    }
    private markClosed(): void {
      if (this.destroyed) return;
      this.destroyed = true;
      this.webContents.markDestroyed();
      host.windows.splice(host.windows.indexOf(this), 1);
      this.emit('closed');
      host.app.windowClosed();
    }
  };
}

const MIME_TYPES: Record<string, string> = { '.webm': 'video/webm', '.mp4': 'video/mp4', '.zip': 'application/zip', '.json': 'application/json', '.png': 'image/png', '.jpg': 'image/jpeg', '.txt': 'text/plain' };

/**
 * net.fetch: file: URLs are read here, with a single `bytes=` range when the request asks for one
 * (as Chromium's file handler answers Range, so videos seek); other URLs go to Node's fetch.
 */
async function standInNetFetch(url: string, init?: RequestInit): Promise<Response> {
  if (!url.startsWith('file:')) return fetch(url, init);
  const file = fileURLToPath(url);
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return new Response('not found', { status: 404 });
  }
  const range = new Headers(init?.headers).get('range');
  const match = range ? /^bytes=(\d*)-(\d*)$/.exec(range.trim()) : null;
  let start = 0;
  let end = size - 1;
  if (match) {
    if (match[1] === '' && match[2] !== '') start = Math.max(0, size - Number(match[2]));
    else {
      start = Number(match[1]);
      if (match[2] !== '') end = Math.min(end, Number(match[2]));
    }
    if (start > end || start >= size) return new Response(null, { status: 416, headers: { 'Content-Range': `bytes */${size}` } });
  }
  const handle = await open(file, 'r');
  try {
    const body = Buffer.alloc(end - start + 1);
    await handle.read(body, 0, body.length, start);
    const headers: Record<string, string> = { 'Content-Type': MIME_TYPES[path.extname(file)] ?? 'application/octet-stream', 'Content-Length': String(body.length), 'Accept-Ranges': 'bytes' };
    if (match) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    return new Response(body, { status: match ? 206 : 200, headers });
  } finally {
    await handle.close();
  }
}
