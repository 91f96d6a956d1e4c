/**
 * A two-level test PKI made with the `openssl` CLI: a root CA, a signing
 * CA under it, and client certificates from the signing CA. CRLs of each CA
 * are separate files, so tests can give a listener the signing CA's CRL
 * only (as mosquitto users do) or the whole chain's.
 */
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { issue, makeCa, openssl, type KeyPair } from './certs.js';
import { tempDir } from './midge-process.js';

export interface ChainPki {
  dir: string;
  /** The root's certificate: the listener's cafile. */
  rootCert: string;
  /** The signing CA's certificate (clients send it after their own). */
  signingCert: string;
  server: KeyPair;
  /** CN `device-1`; `cert` holds the certificate followed by the signing CA's. */
  client: KeyPair;
  /** CN `stolen-device`, listed in the signing CA's CRL. */
  revoked: KeyPair;
  /** The signing CA's CRL (lists `revoked`). */
  signingCrl: string;
  /** The root's CRL (lists nothing). */
  rootCrl: string;
  /** Root CRL that lists the signing CA, for "a revoked CA in a full-chain file" cases. */
  rootCrlRevokingSigning(): string;
  cleanup(): void;
}

export function generateChainPki(): ChainPki {
  const tmp = tempDir('midge-chain-pki-');
  const rootDir = join(tmp.path, 'root');
  const signDir = join(tmp.path, 'signing');
  makeCa(rootDir, 'Midge Test Root');
  makeCa(signDir, 'Midge Test Signing CA');
  // replace the signing CA's self-signed certificate with one from the root (same key)
  openssl(['req', '-new', '-key', 'ca.key', '-out', 'ca.csr', '-subj', '/CN=Midge Test Signing CA'], signDir);
  openssl(['ca', '-batch', '-notext', '-config', join(rootDir, 'ca.cnf'), '-extensions', 'ca_ext', '-in', join(signDir, 'ca.csr'), '-out', join(signDir, 'ca.crt'), '-days', '3650'], rootDir);
  const out = tmp.path;
  const withChain = (pair: KeyPair): KeyPair => {
    const cert = pair.cert.replace(/\.crt$/, '-chain.crt');
    writeFileSync(cert, Buffer.concat([readFileSync(pair.cert), readFileSync(join(signDir, 'ca.crt'))]));
    return { cert, key: pair.key };
  };
  const server = withChain(issue(signDir, out, 'server', 'localhost', 'server_ext'));
  const client = withChain(issue(signDir, out, 'client', 'device-1', 'client_ext'));
  const revoked = withChain(issue(signDir, out, 'revoked', 'stolen-device', 'client_ext'));
  openssl(['ca', '-config', join(signDir, 'ca.cnf'), '-revoke', revoked.cert.replace(/-chain\.crt$/, '.crt')], signDir);
  const signingCrl = join(out, 'signing-crl.pem');
  openssl(['ca', '-config', join(signDir, 'ca.cnf'), '-gencrl', '-out', signingCrl], signDir);
  const rootCrl = join(out, 'root-crl.pem');
  openssl(['ca', '-config', join(rootDir, 'ca.cnf'), '-gencrl', '-out', rootCrl], rootDir);
  return {
    dir: out,
    rootCert: join(rootDir, 'ca.crt'),
    signingCert: join(signDir, 'ca.crt'),
    server,
    client,
    revoked,
    signingCrl,
    rootCrl,
    rootCrlRevokingSigning: () => {
      openssl(['ca', '-config', join(rootDir, 'ca.cnf'), '-revoke', join(signDir, 'ca.crt')], rootDir);
      const crl = join(out, 'root-crl-revoking.pem');
      openssl(['ca', '-config', join(rootDir, 'ca.cnf'), '-gencrl', '-out', crl], rootDir);
      return crl;
    },
    cleanup: tmp.cleanup,
  };
}
