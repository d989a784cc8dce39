/**
 * Live screens and replays on a real grading run of a sample task: the live stream's frames
 * change while the test drives the browser; the run keeps a video and a trace whose actions the
 * replay lists; artifacts are served with Range; deleting the run frees what only it used.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunEvent } from '../../src/shared/runs';
import { importDataset } from '../../src/main/core/dataset/importer';
import { canRunSample, ensureSampleImages, sampleCsv, sampleIssues } from '../helpers/sample-images';
import { startTestServer, type TestServer } from '../helpers/workbench-server';
import { openTraceViewer, stopTraceViewers } from '../../src/main/core/live/trace-viewer';
import { ReplayService } from '../../src/main/core/live/replay-service';
import { indexFileOf } from '../../src/main/core/live/trace-index';
import { listZip, readZipEntry } from '../../src/main/core/live/zip-reader';

const MINUTE = 60_000;
const runnable = await canRunSample();

describe.skipIf(!runnable)('live screens and replays (real Docker)', () => {
  let t: TestServer;
  let runId = '';
  let attemptId = '';
  const frames: Buffer[] = [];

  beforeAll(async () => {
    await ensureSampleImages();
    t = await startTestServer();
    t.wb.settings.update({ testRuns: 1 });
    await importDataset(t.wb.datasets, { path: sampleCsv, issuesDir: sampleIssues, name: 'sample' });
  }, 25 * MINUTE);
  afterAll(async () => {
    await t?.stop();
  });

  it('streams changing frames of a running grading, only while watched', async () => {
    runId = await t.wb.engine.createRun({ datasetId: 'sample', taskIds: ['9008'], solver: { kind: 'null' } });
    // Watch as soon as the test runs in the browser (the grading phase).
    const watched = new Promise<void>((resolve, reject) => {
      const off = t.wb.events.subscribe((name, payload) => {
        const e = payload as RunEvent;
        if (name !== 'run.event' || e.type !== 'attempt' || e.attempt.state !== 'grading' || attemptId) return;
        attemptId = e.attempt.id;
        off();
        const ws = new WebSocket(`ws://127.0.0.1:${t.server.port}/api/live?attempt=${attemptId}&quality=full&token=${t.server.token}`, {
          headers: { Origin: `http://127.0.0.1:${t.server.port}` },
        });
        // Watch until the screen has visibly changed (ten frames, two of them different), not for a
        // fixed time: on a loaded machine the test's browser can take seconds to draw anything.
        const seen = new Set<string>();
        let finished = false;
        const finish = (): void => {
          if (finished) return;
          finished = true;
          clearTimeout(limit);
          expect(t.wb.live.activeCaptures).toBe(1);
          ws.close();
          resolve();
        };
        const limit = setTimeout(finish, 60_000);
        ws.on('message', (data: Buffer) => {
          frames.push(data);
          seen.add(createHash('sha1').update(data).digest('hex'));
          if (frames.length >= 10 && seen.size > 1) finish();
        });
        ws.on('error', reject);
      });
    });
    const done = t.wb.engine.start(runId);
    await watched;
    await done;
    expect(frames.length).toBeGreaterThanOrEqual(10);
    expect(frames.every((f) => f[0] === 0xff && f[1] === 0xd8)).toBe(true);
    const distinct = new Set(frames.map((f) => createHash('sha1').update(f).digest('hex')));
    expect(distinct.size).toBeGreaterThan(1);
    // Nobody watches any more: the capture stopped.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(t.wb.live.activeCaptures).toBe(0);
  }, 10 * MINUTE);

  it('keeps a video and a trace whose actions the replay lists, with the failure', async () => {
    const replay = t.wb.replays.replay(attemptId);
    expect(replay.state).toBe('failed');
    const [run] = replay.runs;
    expect(run?.exitCode).toBe(1);
    expect(run?.video?.bytes).toBeGreaterThan(10_000);
    expect(run?.video?.startWallMs).toBeGreaterThan(1_600_000_000_000);
    const trace = run?.traces[0];
    expect(trace?.actions.length).toBeGreaterThan(3);
    expect(trace?.actions.map((a) => a.title).join('\n')).toMatch(/goto/);
    expect(trace?.frames.length).toBeGreaterThan(0);
    expect(trace?.wallStartMs).toBeGreaterThan(1_600_000_000_000);
    expect(run?.failure).toBeTruthy();
  });

  it('serves the video with Range and trace frames from the zip, only with the token', async () => {
    const run = t.wb.replays.replay(attemptId).runs[0]!;
    const auth = { Authorization: `Bearer ${t.server.token}` };
    const part = await fetch(`${t.base}/api/artifacts/${run.video!.sha256}`, { headers: { ...auth, Range: 'bytes=0-99' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-99/${run.video!.bytes}`);
    expect(part.headers.get('content-type')).toBe('video/mp4');
    expect((await part.arrayBuffer()).byteLength).toBe(100);
    const frame = run.traces[0]!.frames[0]!;
    const img = await fetch(`${t.base}/api/artifacts/${run.traces[0]!.sha256}/zip/${frame.entry.split('/').map(encodeURIComponent).join('/')}`, { headers: auth });
    expect(img.status).toBe(200);
    const bytes = Buffer.from(await img.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
    expect((await fetch(`${t.base}/api/artifacts/${run.video!.sha256}`)).status).toBe(401);
  });

  it('indexes the trace once, keeps the index beside it for a restart, and serves the first frame it names', async () => {
    const trace = t.wb.replays.replay(attemptId).runs[0]!.traces[0]!;
    // Every replay above read this trace; its zip was indexed once.
    expect(t.wb.replays.traces.stats.built).toBe(1);
    expect(existsSync(indexFileOf(t.wb.artifacts.pathOf(trace.sha256)))).toBe(true);
    const restarted = new ReplayService(t.wb.runs, t.wb.artifacts);
    expect(restarted.replay(attemptId).runs[0]!.traces[0]).toEqual(trace);
    expect(restarted.traces.stats).toMatchObject({ built: 0, fromFile: 1 });

    // The first frame is the trace's earliest screencast frame, and the route serves its bytes.
    const zip = readFileSync(t.wb.artifacts.pathOf(trace.sha256));
    const entries = listZip(zip);
    const shots = [...entries.values()]
      .filter((e) => e.name.endsWith('.trace'))
      .flatMap((e) => readZipEntry(zip, e).toString('utf8').split('\n'))
      .filter((line) => line.includes('"screencast-frame"'))
      .map((line) => JSON.parse(line) as { timestamp: number; sha1?: string; file?: string })
      .sort((a, b) => a.timestamp - b.timestamp);
    const earliest = shots[0]!;
    const entry = earliest.file ?? `resources/${earliest.sha1}`;
    expect(trace.frames[0]!.entry).toBe(entry);
    const res = await fetch(`${t.base}/api/artifacts/${trace.sha256}/zip/${entry.split('/').map(encodeURIComponent).join('/')}`, {
      headers: { Authorization: `Bearer ${t.server.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(readZipEntry(zip, entries.get(entry)!));
  });

  it("opens the trace in Playwright's own trace viewer on loopback", async () => {
    const run = t.wb.replays.replay(attemptId).runs[0]!;
    const res = await fetch(`${t.base}/api/invoke/replay.openTraceViewer`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${t.server.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ input: { sha256: run.traces[0]!.sha256 } }),
    });
    const { value } = (await res.json()) as { value: { url: string } };
    // Served by serve mode itself, on its origin and behind its token.
    expect(value.url).toMatch(/^\/trace-viewer\/index\.html\?trace=/);
    const auth = { Authorization: `Bearer ${t.server.token}` };
    const viewer = await fetch(`${t.base}${value.url}`, { headers: auth });
    expect(viewer.status).toBe(200);
    expect(await viewer.text()).toMatch(/<html/i);
    expect((await fetch(`${t.base}${value.url}`)).status).toBe(401);
    const traceUrl = decodeURIComponent(new URL(value.url, t.base).searchParams.get('trace') ?? '');
    const part = await fetch(`${t.base}${traceUrl}`, { headers: { ...auth, Range: 'bytes=0-3' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    // Playwright's own server reads any file by path here; ours has no such route.
    const passwd = await fetch(`${t.base}/trace-viewer/trace/file?path=${encodeURIComponent('/etc/passwd')}`, { headers: auth });
    expect(await passwd.text()).not.toContain('root:');
  }, MINUTE);

  it('gives the desktop window a trace viewer on loopback that answers only under its token', async () => {
    const sha256 = t.wb.replays.replay(attemptId).runs[0]!.traces[0]!.sha256;
    const url = new URL(await openTraceViewer((sha) => t.wb.artifacts.pathOf(sha), sha256));
    expect(url.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const token = url.pathname.split('/')[1] ?? '';
    expect(token).toMatch(/^[0-9a-f]{48}$/);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    const trace = decodeURIComponent(url.searchParams.get('trace') ?? '');
    expect((await fetch(`${url.origin}${trace}`)).status).toBe(200);
    // Without the token, nothing: not the viewer, not the trace, not Playwright's file route.
    for (const probe of ['/viewer/index.html', trace.replace(`/${token}`, ''), `/trace/file?path=${encodeURIComponent('/etc/passwd')}`, `/${token}/viewer/file?path=${encodeURIComponent('/etc/passwd')}`]) {
      const res = await fetch(`${url.origin}${probe}`);
      expect(res.status, probe).toBe(404);
      expect(await res.text(), probe).not.toContain('root:');
    }
    stopTraceViewers();
  });

  it('deleting the run deletes its artifacts', async () => {
    const before = t.wb.artifacts.usage();
    expect(before.byRun.find((r) => r.runId === runId)?.bytes).toBeGreaterThan(0);
    const { freedBytes } = await t.wb.deleteRun(runId);
    expect(freedBytes).toBeGreaterThan(10_000);
    expect(t.wb.artifacts.usage().byRun.find((r) => r.runId === runId)).toBeUndefined();
  });
});
