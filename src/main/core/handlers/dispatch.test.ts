import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/result';
import { makeTempDir } from '../../../../tests/helpers/temp-dir';
import { Workbench } from '../workbench';
import { dispatch } from './dispatch';
import { createHandlers, type Handlers } from './handlers';

describe('dispatch', () => {
  let wb: Workbench;
  let handlers: Handlers;
  let cleanup: () => void;

  beforeEach(() => {
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    wb = new Workbench({ dataDir: tmp.dir, version: '1.2.3', transport: 'cli' });
    handlers = createHandlers(wb);
  });
  afterEach(async () => {
    await wb.close();
    cleanup();
  });

  it('returns the value in an ok envelope', async () => {
    await expect(dispatch(handlers, 'app.info', {})).resolves.toEqual({
      ok: true,
      value: { version: '1.2.3', dataDir: wb.dataDir, transport: 'cli' },
    });
  });

  it('rejects an unknown channel', async () => {
    const result = await dispatch(handlers, 'settings.delete', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
  });

  it('rejects channel names inherited from Object.prototype', async () => {
    const result = await dispatch(handlers, 'toString', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
  });

  it('names the offending field of invalid input, and the handler never runs', async () => {
    const result = await dispatch(handlers, 'settings.update', { concurrency: 0, bogus: true });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('invalid_input');
    expect(result.error.message).toMatch(/input\.concurrency/);
    expect(result.error.message).toMatch(/bogus/);
    expect(wb.settings.get().concurrency).toBe(2);
  });

  it('rejects extra keys on channels without input', async () => {
    const result = await dispatch(handlers, 'app.info', { surprise: 1 });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('turns a thrown AppError into an envelope with its code', async () => {
    const failing = { ...handlers, 'settings.get': () => { throw new AppError('not_found', 'nothing here'); } };
    await expect(dispatch(failing, 'settings.get', {})).resolves.toEqual({
      ok: false,
      error: { code: 'not_found', message: 'nothing here' },
    });
  });

  it('turns any other thrown error into an internal error', async () => {
    const failing = { ...handlers, 'settings.get': () => Promise.reject(new Error('disk on fire')) };
    await expect(dispatch(failing, 'settings.get', {})).resolves.toEqual({
      ok: false,
      error: { code: 'internal', message: 'disk on fire' },
    });
  });
});
