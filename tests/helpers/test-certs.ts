/**
 * Certificates for Docker daemons that listen on TCP with mutual TLS (`--tlsverify`), made with
 * the openssl CLI in a temp folder: a CA, a server certificate per daemon, a client certificate
 * signed by the CA, and a client certificate signed by a different CA (which the daemons must
 * refuse). Client folders are laid out as Docker expects (`DOCKER_CERT_PATH`): ca.pem, cert.pem,
 * key.pem. EC P-256 keys: made in milliseconds, and Go's TLS takes them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A cert folder: `ca` is the CA to trust for the peer, `cert`/`key` this side's own identity. */
export interface CertFolder {
  dir: string;
  ca: string;
  cert: string;
  key: string;
}

export interface TestCerts {
  /** The temp folder holding everything. */
  dir: string;
  /** The CA's certificate (trusted by the daemons for clients, and by clients for the daemons). */
  ca: string;
  /** Server certificates by name (SAN: the daemon's IPs and 127.0.0.1). */
  servers: Record<string, CertFolder>;
  /** A client signed by the CA: accepted. */
  client: CertFolder;
  /**
   * A client signed by another CA: refused by the daemons. Its `ca` is the real CA, so the
   * client itself trusts the daemon and the refusal is the daemon's.
   */
  foreignClient: CertFolder;
  /** The three files of `folder`, read, as dockerode's `{ ca, cert, key }` options. */
  read(folder: CertFolder): { ca: Buffer; cert: Buffer; key: Buffer };
  /** Removes the folder. */
  cleanup(): void;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function newKey(file: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
}

function selfSignedCa(dir: string, cn: string): { cert: string; key: string } {
  const key = path.join(dir, 'ca-key.pem');
  const cert = path.join(dir, 'ca.pem');
  newKey(key);
  openssl(['req', '-x509', '-new', '-key', key, '-out', cert, '-days', '7', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return { cert, key };
}

/** A key and a certificate signed by `ca`, with `extensions` (openssl x509v3 config lines). */
function signed(dir: string, cn: string, ca: { cert: string; key: string }, extensions: string[]): { cert: string; key: string } {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  const csr = path.join(dir, 'req.csr');
  const ext = path.join(dir, 'ext.cnf');
  newKey(key);
  openssl(['req', '-new', '-key', key, '-out', csr, '-subj', `/CN=${cn}`]);
  writeFileSync(ext, `${extensions.join('\n')}\n`);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${Date.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`,
    '-out', cert, '-days', '7', '-extfile', ext]);
  rmSync(csr);
  rmSync(ext);
  return { cert, key };
}

/**
 * Makes a CA, one server certificate per entry of `servers` (name → its IPs), a client of the CA
 * and a client of another CA, in a new temp folder under `parent` (default: the OS temp dir).
 */
export function createTestCerts(servers: Record<string, string[]>, parent = os.tmpdir()): TestCerts {
  const dir = mkdtempSync(path.join(parent, 'lncr-certs-'));
  try {
    const caDir = path.join(dir, 'ca');
    mkdirSync(caDir);
    const ca = selfSignedCa(caDir, 'lancer-test-ca');
    const folder = (name: string): string => {
      const d = path.join(dir, name);
      mkdirSync(d);
      return d;
    };
    const serverFolders: Record<string, CertFolder> = {};
    for (const [name, ips] of Object.entries(servers)) {
      const d = folder(`server-${name}`);
      const sans = [...new Set([...ips, '127.0.0.1'])].map((ip) => `IP:${ip}`).join(',');
      const own = signed(d, name, ca, [`subjectAltName=${sans}`, 'extendedKeyUsage=serverAuth', 'keyUsage=critical,digitalSignature,keyEncipherment']);
      serverFolders[name] = { dir: d, ca: ca.cert, ...own };
    }
    const clientDir = folder('client');
    const client = signed(clientDir, 'lancer-test-client', ca, ['extendedKeyUsage=clientAuth', 'keyUsage=critical,digitalSignature']);
    writeFileSync(path.join(clientDir, 'ca.pem'), readFileSync(ca.cert));
    const otherCaDir = folder('other-ca');
    const otherCa = selfSignedCa(otherCaDir, 'lancer-test-other-ca');
    const foreignDir = folder('foreign-client');
    const foreign = signed(foreignDir, 'lancer-test-foreign-client', otherCa, ['extendedKeyUsage=clientAuth', 'keyUsage=critical,digitalSignature']);
    writeFileSync(path.join(foreignDir, 'ca.pem'), readFileSync(ca.cert));
    return {
      dir,
      ca: ca.cert,
      servers: serverFolders,
      client: { dir: clientDir, ca: path.join(clientDir, 'ca.pem'), ...client },
      foreignClient: { dir: foreignDir, ca: path.join(foreignDir, 'ca.pem'), ...foreign },
      read: (f) => ({ ca: readFileSync(f.ca), cert: readFileSync(f.cert), key: readFileSync(f.key) }),
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
