/**
 * rfc2253.ts against OpenSSL itself: for subjects with every escape rule
 * (specials, leading #, leading and trailing space, multi-valued RDNs,
 * non-ASCII, many attribute types) the string must equal what
 * `openssl x509 -nameopt RFC2253` prints, which is the
 * X509_NAME_print_ex(XN_FLAG_RFC2253) call mosquitto makes for use_subject_as_username.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { certFields } from '../../src/tls/cert-fields.js';
import { formatRfc2253 } from '../../src/tls/rfc2253.js';
import { EC, openssl } from '../helpers/certs.js';
import { tempDir } from '../helpers/midge-process.js';

const SUBJECTS: Array<[string, string[]]> = [
  ['/C=DE/ST=Bayern/O=Acme, Inc./OU=R\\+D;x/CN=dev\\#1 "q" <a>\\\\b/emailAddress=a@b.c', []],
  ['/DC=org/DC=example/CN=alice+UID=a1', ['-multivalue-rdn']],
  ['/O=Müller GmbH/CN= #lead,trail /serialNumber=123/GN=Zoë/SN=x/title=t/L=l/street=s/postalCode=1/description=d/pseudonym=p/dnQualifier=q/initials=i/generationQualifier=g', ['-utf8']],
  ['/CN=#/OU= /O=a=b', []],
  ['/CN=日本', ['-utf8']],
];

let dir: ReturnType<typeof tempDir>;
before(() => {
  dir = tempDir('midge-rfc2253-');
});
after(() => dir.cleanup());

test('formatRfc2253 prints subjects exactly as OpenSSL XN_FLAG_RFC2253 does', () => {
  SUBJECTS.forEach(([subject, flags], i) => {
    const cert = join(dir.path, `s${i}.pem`);
    openssl(['req', '-x509', ...EC, ...flags, '-keyout', join(dir.path, `s${i}.key`), '-out', cert, '-days', '2', '-subj', subject], dir.path);
    const expected = execFileSync('openssl', ['x509', '-in', cert, '-noout', '-subject', '-nameopt', 'RFC2253']).toString().trim().replace(/^subject=/, '');
    const mine = formatRfc2253(certFields(new X509Certificate(readFileSync(cert)).raw).subject);
    assert.equal(mine, expected, subject);
  });
});

test('formatRfc2253: an attribute OpenSSL has no name for is its OID with # and the DER in hex', () => {
  const cnf = join(dir.path, 'oid.cnf');
  execFileSync('sh', ['-c', `printf '[req]\\ndistinguished_name = dn\\nprompt = no\\n[dn]\\nCN = x\\n0.1.3.6.1.4.1.99999.1 = hello\\n' > ${cnf}`]);
  const cert = join(dir.path, 'oid.pem');
  openssl(['req', '-x509', ...EC, '-keyout', join(dir.path, 'oid.key'), '-out', cert, '-days', '2', '-config', cnf], dir.path);
  const expected = execFileSync('openssl', ['x509', '-in', cert, '-noout', '-subject', '-nameopt', 'RFC2253']).toString().trim().replace(/^subject=/, '');
  assert.match(expected, /^1\.3\.6\.1\.4\.1\.99999\.1=#/);
  assert.equal(formatRfc2253(certFields(new X509Certificate(readFileSync(cert)).raw).subject), expected);
});
