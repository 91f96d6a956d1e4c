/** TLS listeners: MQTTS, mutual TLS (mTLS), client certificate refusal, identity as username, mosquitto_pub over TLS. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import mqtt from 'mqtt';
import type { IClientOptions } from 'mqtt';
import { ConfigError } from '../../src/errors.js';
import { validateConfig } from '../../src/config/validate.js';
import { generatePki, serialOf, type KeyPair, type TestPki } from '../helpers/certs.js';
import { connect } from '../helpers/clients.js';
import { run, uid } from '../helpers/lifecycle.js';
import { startLoggedBroker, type LoggedBroker } from '../helpers/log-capture.js';
import { startMidge, tempDir } from '../helpers/midge-process.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

const HAVE_MOSQUITTO = spawnSync('mosquitto_pub', ['--help']).error === undefined;

function tlsOptions(pki: TestPki, pair?: KeyPair): IClientOptions {
  return {
    protocol: 'mqtts',
    ca: readFileSync(pki.caCert),
    ...(pair ? { cert: readFileSync(pair.cert), key: readFileSync(pair.key) } : {}),
  };
}

/** Connect must fail before CONNACK (handshake refused or socket closed right after). */
async function assertRefused(port: number, options: IClientOptions): Promise<void> {
  const client = mqtt.connect(`mqtts://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 4000, ...options });
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        client.once('connect', () => reject(new Error('connected, but the client should have been refused')));
        client.once('error', () => resolve());
        client.once('close', () => resolve());
      }),
      6000,
      'refusal',
    );
  } finally {
    client.end(true);
  }
}

describe('TLS listeners (MQTTS)', () => {
  let pki: TestPki;
  before(() => {
    pki = generatePki();
  });
  after(() => pki.cleanup());

  test('MQTTS: MQTT.js with the CA connects, publishes and receives (3.1.1 and 5)', async () => {
    const lb = await startLoggedBroker([{ port: 0, certfile: pki.server.cert, keyfile: pki.server.key }]);
    try {
      for (const protocolVersion of [4, 5] as const) {
        const topic = uid('tls');
        const c = await connect(lb.port(), { ...tlsOptions(pki), protocolVersion });
        await c.client.subscribeAsync(topic, { qos: 1 });
        await c.client.publishAsync(topic, 'over tls', { qos: 1 });
        const [m] = await c.waitMessages(1);
        assert.equal(m!.payload.toString(), 'over tls');
        await c.end();
      }
      assert.ok(lb.logs.some((l) => /listening on 127\.0\.0\.1:\d+ \(mqtt over TLS\)/.test(l.msg)));
    } finally {
      await lb.stop();
    }
  });

  test('MQTTS: the server presents the configured certificate (serial, SAN 127.0.0.1); a client without the CA refuses it', async () => {
    const lb = await startLoggedBroker([{ port: 0, certfile: pki.server.cert, keyfile: pki.server.key }]);
    try {
      const serial = await new Promise<string>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: lb.port(), ca: readFileSync(pki.caCert) }, () => {
          resolve(s.getPeerCertificate().serialNumber.toUpperCase());
          s.destroy();
        });
        s.once('error', reject);
      });
      assert.equal(serial, serialOf(pki.server.cert));
      await assertRefused(lb.port(), { protocol: 'mqtts' }); // default CAs do not trust our test CA
    } finally {
      await lb.stop();
    }
  });

  test('tls_version tlsv1.3: a TLS 1.2-only client is refused at the handshake and it is logged', async () => {
    const lb = await startLoggedBroker([{ port: 0, certfile: pki.server.cert, keyfile: pki.server.key, tls_version: 'tlsv1.3' }]);
    try {
      await assertRefused(lb.port(), { ...tlsOptions(pki), maxVersion: 'TLSv1.2' } as IClientOptions);
      await lb.waitLog(/TLS handshake failed/);
      const ok = await connect(lb.port(), tlsOptions(pki));
      await ok.end();
    } finally {
      await lb.stop();
    }
  });

  describe('mutual TLS (require_certificate)', () => {
    let lb: LoggedBroker;
    const usernames: Array<string | undefined> = [];
    before(async () => {
      lb = await startLoggedBroker(
        [
          { port: 0, certfile: pki.server.cert, keyfile: pki.server.key, cafile: pki.caCert, crlfile: pki.crl, require_certificate: true },
          {
            port: 0, certfile: pki.server.cert, keyfile: pki.server.key, cafile: pki.caCert, require_certificate: true,
            use_identity_as_username: true, allow_anonymous: false,
          },
        ],
        { hooks: { authenticate: (info) => (usernames.push(info.username), { ok: true }) } },
      );
    });
    after(() => lb.stop());

    test('mTLS: a client certificate signed by the CA is accepted', async () => {
      const c = await connect(lb.port(0), { ...tlsOptions(pki, pki.client), protocolVersion: 5 });
      assert.equal(c.connack.reasonCode ?? 0, 0);
      await c.end();
    });

    test('mTLS: a client without a certificate is refused and logged', async () => {
      await assertRefused(lb.port(0), tlsOptions(pki));
      const line = await lb.waitLog(/client certificate refused: no client certificate/);
      assert.equal(line.reason, 'no client certificate');
    });

    test('mTLS: an expired client certificate is refused at the handshake; the reason is logged', async () => {
      await assertRefused(lb.port(0), tlsOptions(pki, pki.expired));
      const line = await lb.waitLog(/client certificate refused: certificate has expired/);
      assert.match(String(line.reason), /CERT_HAS_EXPIRED/);
      assert.ok(!JSON.stringify(lb.logs).includes('PRIVATE KEY'), 'no key material in logs');
    });

    test('mTLS crlfile: a revoked client certificate is refused; the reason is logged', async () => {
      await assertRefused(lb.port(0), tlsOptions(pki, pki.revoked));
      const line = await lb.waitLog(/client certificate refused: certificate is revoked/);
      assert.match(String(line.reason), /CERT_REVOKED/);
    });

    test('mTLS: a certificate from another CA is refused; the reason is logged', async () => {
      await assertRefused(lb.port(0), tlsOptions(pki, pki.foreign));
      await lb.waitLog(/client certificate refused: certificate not signed by the configured CA/);
    });

    test('use_identity_as_username: the certificate CN becomes the username (CONNECT username ignored)', async () => {
      usernames.length = 0;
      const c = await connect(lb.port(1), { ...tlsOptions(pki, pki.client), username: 'someone-else', password: 'x' });
      await c.end();
      const anon = await connect(lb.port(1), tlsOptions(pki, pki.client));
      await anon.end();
      assert.deepEqual(usernames, ['device-1', 'device-1']);
    });

    test('mTLS with mosquitto_pub --cafile --cert --key; an expired certificate makes it fail', { skip: HAVE_MOSQUITTO ? false : 'mosquitto_pub not installed' }, async () => {
      const topic = uid('mosq-tls');
      const sub = await connect(lb.port(0), tlsOptions(pki, pki.client));
      await sub.client.subscribeAsync(topic, { qos: 1 });
      const base = ['-h', '127.0.0.1', '-p', String(lb.port(0)), '--cafile', pki.caCert, '-t', topic, '-q', '1'];
      const ok = await run('mosquitto_pub', [...base, '--cert', pki.client.cert, '--key', pki.client.key, '-m', 'from mosquitto_pub']);
      assert.equal(ok.code, 0, ok.stderr);
      const [m] = await sub.waitMessages(1);
      assert.equal(m!.payload.toString(), 'from mosquitto_pub');
      const bad = await run('mosquitto_pub', [...base, '--cert', pki.expired.cert, '--key', pki.expired.key, '-m', 'never']);
      assert.notEqual(bad.code, 0);
      await sub.end();
      assert.equal(sub.messages.length, 1);
    });
  });

  test('config: use_identity_as_username without TLS is a ConfigError naming the key; require_certificate needs cafile', () => {
    assert.throws(
      () => validateConfig({ listeners: [{ use_identity_as_username: true }] }),
      (err: unknown) => err instanceof ConfigError && err.key === 'listeners[0].use_identity_as_username',
    );
    assert.throws(
      () => validateConfig({ listeners: [{ certfile: pki.server.cert, keyfile: pki.server.key, require_certificate: true }] }),
      (err: unknown) => err instanceof ConfigError && err.key === 'listeners[0].require_certificate' && /cafile/.test(err.message),
    );
    assert.throws(() => validateConfig({ listeners: [{ cafile: pki.caCert }] }), (err: unknown) => err instanceof ConfigError && err.key === 'listeners[0].cafile');
    assert.throws(() => validateConfig({ listeners: [{ certfile: pki.server.cert }] }), (err: unknown) => err instanceof ConfigError && /keyfile/.test(err.message));
  });

  test('startup: an unreadable certfile or a key that does not match is a ConfigError naming the listener', async () => {
    await assert.rejects(
      startLoggedBroker([{ port: 0, certfile: `${pki.dir}/missing.crt`, keyfile: pki.server.key }]),
      (err: unknown) => err instanceof ConfigError && err.key === 'listeners[0].certfile' && /no such file/.test(err.message),
    );
    await assert.rejects(
      startLoggedBroker([{ port: 0, certfile: pki.server.cert, keyfile: pki.client.key }]),
      (err: unknown) => err instanceof ConfigError && err.key === 'listeners[0].keyfile' && /is not the private key of/.test(err.message),
    );
  });
});

describe('TLS certificate reload on SIGHUP (real CLI)', () => {
  test('SIGHUP: new TLS clients get the new certificate, a connected client keeps working; bad new files keep the old ones', async () => {
    const pki = generatePki();
    const dir = tempDir();
    const certfile = join(dir.path, 'server.crt');
    const keyfile = join(dir.path, 'server.key');
    copyFileSync(pki.server.cert, certfile);
    copyFileSync(pki.server.key, keyfile);
    const yaml = ['log:', '  format: json', 'persistence:', '  enabled: false', 'listeners:', '  - port: 0', `    certfile: ${JSON.stringify(certfile)}`, `    keyfile: ${JSON.stringify(keyfile)}`].join('\n');
    const midge = await startMidge(dir.path, yaml);
    const peerSerial = () =>
      new Promise<string>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: midge.port, ca: readFileSync(pki.caCert) }, () => {
          resolve(s.getPeerCertificate().serialNumber.toUpperCase());
          s.destroy();
        });
        s.once('error', reject);
      });
    const waitOutput = (re: RegExp, from: number) => waitFor(() => re.test(midge.output().slice(from)), 5000, `${re} in the output`);
    try {
      const oldSerial = serialOf(pki.server.cert);
      assert.equal(await peerSerial(), oldSerial);
      const topic = uid('reload');
      const old = await connect(midge.port, { ...tlsOptions(pki), protocolVersion: 5 });
      await old.client.subscribeAsync(topic, { qos: 1 });

      const next = pki.issueServer('server-2');
      const newSerial = serialOf(next.cert);
      assert.notEqual(newSerial, oldSerial);
      copyFileSync(next.cert, certfile);
      copyFileSync(next.key, keyfile);
      let mark = midge.output().length;
      midge.proc.kill('SIGHUP');
      await waitOutput(/TLS certificates reloaded/, mark);
      assert.equal(await peerSerial(), newSerial);
      // the connection made before the reload still works both ways
      await old.client.publishAsync(topic, 'still here', { qos: 1 });
      assert.equal((await old.waitMessages(1))[0]!.payload.toString(), 'still here');

      // a broken certificate file: logged, the previous certificate stays in use
      writeFileSync(certfile, 'not a certificate');
      mark = midge.output().length;
      midge.proc.kill('SIGHUP');
      await waitOutput(/TLS reload failed/, mark);
      assert.equal(await peerSerial(), newSerial);
      assert.ok(old.client.connected);
      await old.end();
      assert.equal(await midge.stop(), 0);
    } finally {
      if (midge.proc.exitCode === null) await midge.stop('SIGKILL').catch(() => undefined);
      dir.cleanup();
      pki.cleanup();
    }
  });
});
