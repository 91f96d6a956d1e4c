/**
 * The username taken from the TLS client certificate, as mosquitto does it
 * (handle_connect.c): use_identity_as_username (the Common Name) and
 * use_subject_as_username (the subject in OpenSSL's RFC 2253 form), and
 * either one without require_certificate, where no certificate is asked
 * for and every CONNECT gets "bad user name or password" (4 / 0x86).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import tls from 'node:tls';
import { closedListeners, closedListenerWarning } from '../../src/config/listener-access.js';
import { loadMosquittoConfig } from '../../src/config/mosquitto/load.js';
import { EC, openssl, generatePki, type KeyPair, type TestPki } from '../helpers/certs.js';
import { connect } from '../helpers/clients.js';
import { startLoggedBroker, type LoggedBroker } from '../helpers/log-capture.js';
import { withTimeout } from '../helpers/wait.js';

const CONNECT_311 = Buffer.from('101000044d5154540402003c000464657631', 'hex');
// v5 with Request Problem Information 0, so that no Reason String is added: 4 bytes of CONNACK exactly
const CONNECT_5 = Buffer.from('101300044d5154540502003c021700000464657631', 'hex');

/** Sends `bytes` over TLS (CA only, or with a client certificate) and returns every byte the broker sent until it closed. */
async function exchange(port: number, pki: TestPki, bytes: Buffer, pair?: KeyPair): Promise<Buffer> {
  const socket = tls.connect({ host: '127.0.0.1', port, ca: readFileSync(pki.caCert), ...(pair ? { cert: readFileSync(pair.cert), key: readFileSync(pair.key) } : {}) });
  const chunks: Buffer[] = [];
  socket.on('data', (d: Buffer) => chunks.push(d));
  socket.once('secureConnect', () => socket.write(bytes));
  await withTimeout(new Promise<void>((resolve) => socket.once('close', () => resolve())), 5000, 'the broker to close');
  return Buffer.concat(chunks);
}

/** A client certificate from the test CA with a whole subject (openssl ca would keep only the CN). */
function issueWithSubject(pki: TestPki, name: string, subject: string): KeyPair {
  const caDir = dirname(pki.caCert);
  const key = join(pki.dir, `${name}.key`);
  const csr = join(pki.dir, `${name}.csr`);
  const cert = join(pki.dir, `${name}.crt`);
  openssl(['req', '-new', ...EC, '-utf8', '-keyout', key, '-out', csr, '-subj', subject], pki.dir);
  openssl(['x509', '-req', '-in', csr, '-CA', pki.caCert, '-CAkey', join(caDir, 'ca.key'), '-set_serial', '4242', '-days', '30', '-out', cert], pki.dir);
  return { cert, key };
}

describe('username from the client certificate', () => {
  let pki: TestPki;
  let lb: LoggedBroker;
  let subject: KeyPair;
  const usernames: Array<string | undefined> = [];
  const L = { identityNoCert: 0, subject: 1, both: 2 };
  before(async () => {
    pki = generatePki();
    subject = issueWithSubject(pki, 'subject', '/C=DE/O=Acme, Inc./OU=Sensors\\+Gateways/CN=device-1/emailAddress=ops@example.org');
    const base = { port: 0, certfile: pki.server.cert, keyfile: pki.server.key, cafile: pki.caCert, allow_anonymous: false };
    lb = await startLoggedBroker(
      [
        { ...base, use_identity_as_username: true },
        { ...base, require_certificate: true, use_subject_as_username: true },
        { ...base, require_certificate: true, use_subject_as_username: true, use_identity_as_username: true },
      ],
      { hooks: { authenticate: (info) => (usernames.push(info.username), { ok: true }) } },
    );
  });
  after(async () => {
    await lb.stop();
    pki.cleanup();
  });

  test('use_identity_as_username without require_certificate: CONNACK 4 (3.1.1) and 0x86 (v5), then close, as mosquitto', async () => {
    assert.equal((await exchange(lb.port(L.identityNoCert), pki, CONNECT_311)).toString('hex'), '20020004');
    assert.equal((await exchange(lb.port(L.identityNoCert), pki, CONNECT_5)).toString('hex'), '2003008600');
    // no certificate is asked for, so one the client holds is never sent: still refused
    assert.equal((await exchange(lb.port(L.identityNoCert), pki, CONNECT_311, pki.client)).toString('hex'), '20020004');
    assert.deepEqual(usernames, [], 'refused before authentication');
  });

  test('use_subject_as_username: the username is the subject in RFC 2253 form, as `openssl x509 -nameopt RFC2253` (mosquitto) writes it', async () => {
    usernames.length = 0;
    const c = await connect(lb.port(L.subject), { protocol: 'mqtts', ca: readFileSync(pki.caCert), cert: readFileSync(subject.cert), key: readFileSync(subject.key), username: 'ignored' });
    await c.end();
    const expected = 'emailAddress=ops@example.org,CN=device-1,OU=Sensors\\+Gateways,O=Acme\\, Inc.,C=DE';
    const oracle = execFileSync('openssl', ['x509', '-in', subject.cert, '-noout', '-subject', '-nameopt', 'RFC2253']).toString().trim().replace(/^subject=/, '');
    assert.equal(oracle, expected);
    assert.deepEqual(usernames, [expected]);
  });

  test('both set: use_identity_as_username wins (the Common Name), as mosquitto', async () => {
    usernames.length = 0;
    const c = await connect(lb.port(L.both), { protocol: 'mqtts', ca: readFileSync(pki.caCert), cert: readFileSync(subject.cert), key: readFileSync(subject.key) });
    await c.end();
    assert.deepEqual(usernames, ['device-1']);
  });

  test('mosquitto.conf: use_subject_as_username and use_identity_as_username without require_certificate are taken', () => {
    const conf = join(pki.dir, 'identity.conf');
    writeFileSync(conf, [`listener 8883`, `certfile ${pki.server.cert}`, `keyfile ${pki.server.key}`, `cafile ${pki.caCert}`, 'use_identity_as_username true', '', 'listener 8884',
      `certfile ${pki.server.cert}`, `keyfile ${pki.server.key}`, `cafile ${pki.caCert}`, 'require_certificate true', 'use_subject_as_username true', ''].join('\n'));
    const { config } = loadMosquittoConfig(conf);
    assert.equal(config.listeners[0]!.use_identity_as_username, true);
    assert.equal(config.listeners[0]!.require_certificate, false);
    assert.equal(config.listeners[1]!.use_subject_as_username, true);
    // check-config and the start-up log warn about the listener no client can get into, and only that one
    assert.deepEqual(closedListeners(config).map((l) => l.port), [8883]);
    assert.match(closedListenerWarning(config.listeners[0]!), /use_identity_as_username without require_certificate .* every client is refused/);
  });
});
