// Throwaway PKI for TLS tests, made with the openssl CLI.
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { run, which } from './util';

export interface TestPki {
  /** CA certificate (PEM): the `ca_file` for servers and `tls.ca` for clients. */
  ca: string;
  /** Leaf certificate (PEM) signed by the CA, valid for serverAuth and clientAuth. */
  cert: string;
  /** The leaf's private key (PEM, PKCS#8, unencrypted). */
  key: string;
}

/**
 * Generates a CA and one leaf certificate whose subjectAltNames are `dnsNames`
 * (entries that are IP addresses become IP SANs). EC P-256 keys keep it fast; valid for 2 days.
 */
export function makeTestPki(dnsNames: readonly string[]): TestPki {
  if (!which('openssl')) throw new Error("makeTestPki needs 'openssl' installed (not found in PATH)");
  if (dnsNames.length === 0) throw new Error('makeTestPki needs at least one name');
  const sans = dnsNames.map((name) => {
    if (net.isIP(name)) return `IP:${name}`;
    if (!/^(\*\.)?[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/.test(name)) throw new Error(`Invalid DNS name '${name}'`);
    return `DNS:${name}`;
  });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nats-pki-'));
  const f = (name: string) => path.join(dir, name);
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    run('openssl', ['req', '-x509', ...ecKey, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2',
      '-subj', '/CN=nats-harness-test-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    run('openssl', ['req', ...ecKey, '-keyout', f('tls.key'), '-out', f('tls.csr'), '-subj', '/CN=nats-harness-test']);
    fs.writeFileSync(f('leaf.ext'), [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth,clientAuth',
      `subjectAltName=${sans.join(',')}`,
    ].join('\n'));
    run('openssl', ['x509', '-req', '-in', f('tls.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial',
      '-out', f('tls.crt'), '-days', '2', '-extfile', f('leaf.ext')]);
    return {
      ca: fs.readFileSync(f('ca.crt'), 'utf8'),
      cert: fs.readFileSync(f('tls.crt'), 'utf8'),
      key: fs.readFileSync(f('tls.key'), 'utf8'),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
