import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../tests/helpers/temp-dir';
import { createDockerClientFor } from './docker-client';

describe('createDockerClientFor', () => {
  it('reaches a unix socket by its path', () => {
    expect((createDockerClientFor('unix:///var/run/other.sock', null).modem as unknown as { socketPath: string }).socketPath).toBe('/var/run/other.sock');
  });

  it('refuses TCP without client certificates: a daemon on TCP is root on its host', () => {
    expect(() => createDockerClientFor('tcp://10.0.0.1:2376', null)).toThrow(/needs mutual TLS.*--tls-dir/);
  });

  it('names the certificate file it cannot read', () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const certs = path.join(dir, 'certs');
      mkdirSync(certs);
      writeFileSync(path.join(certs, 'ca.pem'), 'x');
      expect(() => createDockerClientFor('tcp://10.0.0.1:2376', certs)).toThrow(`cannot read ${path.join(certs, 'cert.pem')}`);
      writeFileSync(path.join(certs, 'cert.pem'), 'y');
      writeFileSync(path.join(certs, 'key.pem'), 'z');
      const client = createDockerClientFor('tcp://10.0.0.1', certs);
      expect(client.modem).toMatchObject({ host: '10.0.0.1', port: 2376, protocol: 'https' });
    } finally {
      cleanup();
    }
  });
});
