/**
 * Test PKI generated with the `openssl` CLI in a temp directory: a CA, a
 * server certificate for 127.0.0.1/localhost, client certificates (valid,
 * expired, revoked + CRL) and a client certificate from a foreign CA.
 * EC P-256 keys keep generation fast.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { tempDir } from './midge-process.js';

export interface KeyPair {
  cert: string;
  key: string;
}

export interface TestPki {
  dir: string;
  caCert: string;
  crl: string;
  server: KeyPair;
  /** CN `device-1`. */
  client: KeyPair;
  /** CN `old-device`, valid 2020-01-01 .. 2020-01-02. */
  expired: KeyPair;
  /** CN `stolen-device`, listed in `crl`. */
  revoked: KeyPair;
  /** CN `device-1` but signed by another CA. */
  foreign: KeyPair;
  /** Issue another server certificate (e.g. for reload tests) into new files. */
  issueServer(name: string): KeyPair;
  /** Issue another client certificate with common name `cn` (e.g. a second device or a test observer). */
  issueClient(name: string, cn: string): KeyPair;
  cleanup(): void;
}

export function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function caConfig(dir: string): string {
  return `[ ca ]
default_ca = CA_default
[ CA_default ]
dir = ${dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
crlnumber = $dir/crlnumber
certificate = $dir/ca.crt
private_key = $dir/ca.key
default_md = sha256
default_days = 365
default_crl_days = 30
policy = policy_any
unique_subject = no
[ policy_any ]
commonName = supplied
[ server_ext ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
[ client_ext ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
`;
}

export function makeCa(dir: string, cn: string): void {
  mkdirSync(join(dir, 'newcerts'), { recursive: true });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'index.txt.attr'), 'unique_subject = no\n');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(join(dir, 'crlnumber'), '1000\n');
  writeFileSync(join(dir, 'ca.cnf'), caConfig(dir));
  openssl(['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
}

export function issue(caDir: string, outDir: string, name: string, cn: string, ext: 'server_ext' | 'client_ext', dates?: [string, string]): KeyPair {
  const key = join(outDir, `${name}.key`);
  const csr = join(outDir, `${name}.csr`);
  const cert = join(outDir, `${name}.crt`);
  openssl(['req', '-new', ...EC, '-keyout', key, '-out', csr, '-subj', `/CN=${cn}`], caDir);
  const validity = dates ? ['-startdate', dates[0], '-enddate', dates[1]] : ['-days', '365'];
  openssl(['ca', '-batch', '-notext', '-config', join(caDir, 'ca.cnf'), '-extensions', ext, '-in', csr, '-out', cert, ...validity], caDir);
  return { cert, key };
}

export function generatePki(): TestPki {
  const tmp = tempDir('midge-pki-');
  const caDir = join(tmp.path, 'ca');
  const otherDir = join(tmp.path, 'other-ca');
  makeCa(caDir, 'Midge Test CA');
  makeCa(otherDir, 'Some Other CA');
  const out = tmp.path;
  const server = issue(caDir, out, 'server', 'localhost', 'server_ext');
  const client = issue(caDir, out, 'client', 'device-1', 'client_ext');
  const expired = issue(caDir, out, 'expired', 'old-device', 'client_ext', ['20200101000000Z', '20200102000000Z']);
  const revoked = issue(caDir, out, 'revoked', 'stolen-device', 'client_ext');
  const foreign = issue(otherDir, out, 'foreign', 'device-1', 'client_ext');
  openssl(['ca', '-config', join(caDir, 'ca.cnf'), '-revoke', revoked.cert], caDir);
  const crl = join(out, 'crl.pem');
  openssl(['ca', '-config', join(caDir, 'ca.cnf'), '-gencrl', '-out', crl], caDir);
  return {
    dir: out,
    caCert: join(caDir, 'ca.crt'),
    crl,
    server,
    client,
    expired,
    revoked,
    foreign,
    issueServer: (name) => issue(caDir, out, name, 'localhost', 'server_ext'),
    issueClient: (name, cn) => issue(caDir, out, name, cn, 'client_ext'),
    cleanup: tmp.cleanup,
  };
}

/** Serial number (upper-case hex) of a PEM certificate file or buffer. */
export function serialOf(pem: string | Buffer): string {
  return new X509Certificate(typeof pem === 'string' ? readFileSync(pem) : pem).serialNumber.toUpperCase();
}
