/**
 * crlfile with a root -> signing CA chain: the client's certificate is
 * checked against its issuer's CRL (as mosquitto, X509_V_FLAG_CRL_CHECK),
 * so a file with only the signing CA's CRL works; a full-chain file keeps
 * working and still refuses a client under a revoked signing CA.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import mqtt from 'mqtt';
import type { IClientOptions } from 'mqtt';
import { generateChainPki, type ChainPki } from '../helpers/certs-chain.js';
import type { KeyPair } from '../helpers/certs.js';
import { startLoggedBroker, type LoggedBroker } from '../helpers/log-capture.js';
import { withTimeout } from '../helpers/wait.js';

/** Connects with MQTT.js; resolves with the CONNACK code, or 'refused' when the connection is dropped first. */
async function attempt(port: number, pki: ChainPki, pair: KeyPair): Promise<number | 'refused'> {
  const options: IClientOptions = { protocol: 'mqtts', ca: readFileSync(pki.rootCert), cert: readFileSync(pair.cert), key: readFileSync(pair.key), reconnectPeriod: 0, connectTimeout: 4000 };
  const client = mqtt.connect(`mqtts://127.0.0.1:${port}`, options);
  try {
    return await withTimeout(
      new Promise<number | 'refused'>((resolve) => {
        client.once('connect', (connack) => resolve(connack.returnCode ?? connack.reasonCode ?? 0));
        client.once('error', () => resolve('refused'));
        client.once('close', () => resolve('refused'));
      }),
      6000,
      'connect or refusal',
    );
  } finally {
    client.end(true);
  }
}

describe('crlfile with a root -> signing CA chain', () => {
  let pki: ChainPki;
  let lb: LoggedBroker;
  const LISTENER = { signingOnly: 0, fullChain: 1, revokedCa: 2, rootOnly: 3 };
  before(async () => {
    pki = generateChainPki();
    const file = (name: string, ...crls: string[]): string => {
      const path = join(pki.dir, name);
      writeFileSync(path, Buffer.concat(crls.map((c) => readFileSync(c))));
      return path;
    };
    const base = { port: 0, certfile: pki.server.cert, keyfile: pki.server.key, cafile: pki.rootCert, require_certificate: true };
    lb = await startLoggedBroker([
      { ...base, crlfile: pki.signingCrl },
      { ...base, crlfile: file('full.pem', pki.rootCrl, pki.signingCrl) },
      { ...base, crlfile: file('revoked-ca.pem', pki.rootCrlRevokingSigning(), pki.signingCrl) },
      { ...base, crlfile: pki.rootCrl },
    ]);
  });
  after(async () => {
    await lb.stop();
    pki.cleanup();
  });

  test("only the signing CA's CRL: a valid client connects, a revoked one is refused (as mosquitto)", async () => {
    assert.equal(await attempt(lb.port(LISTENER.signingOnly), pki, pki.client), 0);
    assert.equal(await attempt(lb.port(LISTENER.signingOnly), pki, pki.revoked), 'refused');
    const line = await lb.waitLog(/client certificate refused: certificate is revoked/);
    assert.match(String(line.reason), /CERT_REVOKED/);
  });

  test('a revoked client that sends CONNECT right after its TLS 1.3 handshake gets no byte back, only the close', async () => {
    const socket = tls.connect({ host: '127.0.0.1', port: lb.port(LISTENER.signingOnly), ca: readFileSync(pki.rootCert), cert: readFileSync(pki.revoked.cert), key: readFileSync(pki.revoked.key), minVersion: 'TLSv1.3' });
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', () => undefined); // the reset is the expected end
    socket.once('secureConnect', () => socket.write(Buffer.from('101000044d5154540402003c000464657631', 'hex')));
    await withTimeout(new Promise<void>((resolve) => socket.once('close', () => resolve())), 5000, 'the broker to close');
    assert.equal(Buffer.concat(received).length, 0, 'no CONNACK or any other byte for a revoked certificate');
  });

  test('a full-chain CRL file (root + signing CA) keeps working', async () => {
    assert.equal(await attempt(lb.port(LISTENER.fullChain), pki, pki.client), 0);
    assert.equal(await attempt(lb.port(LISTENER.fullChain), pki, pki.revoked), 'refused');
  });

  test("a full-chain CRL file whose root CRL revokes the signing CA refuses that CA's clients", async () => {
    const mark = lb.logs.length;
    assert.equal(await attempt(lb.port(LISTENER.revokedCa), pki, pki.client), 'refused');
    await lb.waitLog(/client certificate refused: certificate is revoked/);
    assert.ok(lb.logs.slice(mark).some((l) => /CERT_REVOKED/.test(String(l.reason))));
  });

  test('SIGHUP-style reload: a new CRL revoking the signing CA takes effect for new connections', async () => {
    const crlfile = join(pki.dir, 'reloaded.pem');
    writeFileSync(crlfile, readFileSync(join(pki.dir, 'full.pem')));
    const own = await startLoggedBroker([{ port: 0, certfile: pki.server.cert, keyfile: pki.server.key, cafile: pki.rootCert, require_certificate: true, crlfile }]);
    try {
      assert.equal(await attempt(own.port(), pki, pki.client), 0);
      writeFileSync(crlfile, readFileSync(join(pki.dir, 'revoked-ca.pem')));
      assert.equal(own.server.reloadTls(), 0);
      assert.equal(await attempt(own.port(), pki, pki.client), 'refused');
      await own.waitLog(/client certificate refused: certificate is revoked/);
    } finally {
      await own.stop();
    }
  });

  test("no CRL from the client's issuer (only the root's) refuses the client: UNABLE_TO_GET_CRL, as mosquitto", async () => {
    assert.equal(await attempt(lb.port(LISTENER.rootOnly), pki, pki.client), 'refused');
    const line = await lb.waitLog(/client certificate refused: no CRL for the certificate issuer/);
    assert.match(String(line.reason), /UNABLE_TO_GET_CRL/);
  });
});
