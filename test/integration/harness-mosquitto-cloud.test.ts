/**
 * Self-test of test/helpers/mosquitto-cloud.ts and cloud-client.ts: a real
 * mosquitto as the "cloud" with mutual TLS (certificate CN = username) and
 * an ACL, reached by mosquitto_pub/mosquitto_sub and MQTT.js; restart on the
 * same port; plain TCP with a password file.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { TestPki } from '../helpers/certs.js';
import { connectCloud, subscribeCloud } from '../helpers/cloud-client.js';
import { HAVE_MOSQUITTO_BROKER, startMosquittoCloud, type MosquittoCloud } from '../helpers/mosquitto-cloud.js';
import { unique } from '../helpers/messages.js';

const HAVE_CLIENTS = ['mosquitto_pub', 'mosquitto_sub'].every((b) => spawnSync(b, ['--help']).error === undefined);
const SKIP = HAVE_MOSQUITTO_BROKER && HAVE_CLIENTS ? false : 'mosquitto / mosquitto-clients not installed (apt install mosquitto mosquitto-clients)';

/** Run a mosquitto client; rejects with its stderr on a non-zero exit or after 8 s. */
const run = async (bin: string, args: string[]): Promise<string> => (await promisify(execFile)(bin, args, { timeout: 8000 })).stdout;

describe('mosquitto cloud with mutual TLS and ACL', { skip: SKIP }, () => {
  let pki: TestPki;
  let cloud: MosquittoCloud;
  before(async () => {
    cloud = await startMosquittoCloud({ tls: true, acl: { 'device-1': { write: ['dt/#'], read: ['cmd/#'] } } });
    pki = cloud.pki!;
  });
  after(() => cloud?.close());

  test('listens with TLS on an ephemeral port and logs to a file', () => {
    assert.ok(cloud.port > 0 && cloud.port !== 8883);
    assert.equal(cloud.url, `mqtts://127.0.0.1:${cloud.port}`);
    assert.match(cloud.logText(), new RegExp(`Opening ipv4 listen socket on port ${cloud.port}`));
    assert.equal(readFileSync(cloud.logFile, 'utf8'), cloud.logText());
  });

  test('mosquitto_pub with the device certificate reaches mosquitto_sub as the observer', async () => {
    const topic = `dt/${unique('cli')}`;
    await run('mosquitto_pub', [...cloud.cliArgs({ cert: pki.client }), '-t', topic, '-q', '1', '-r', '-m', 'hello']);
    // retained, so the subscriber cannot miss it by subscribing late
    const out = await run('mosquitto_sub', [...cloud.cliArgs(), '-t', topic, '-C', '1', '-F', '%t %p']);
    assert.equal(out.trim(), `${topic} hello`);
    assert.match(cloud.logText(), /u'device-1'/);
  });

  test('MQTT.js: the device publishes within its ACL, a denied publish never arrives', async (t) => {
    const ok = `dt/${unique('ok')}`;
    const observer = await subscribeCloud(cloud, [ok, 'other/#']);
    t.after(() => observer.end(true));
    const device = await connectCloud(cloud, { identity: { cert: pki.client }, protocolVersion: 5 });
    t.after(() => device.end(true));
    // v5 PUBACK 0x87 (not authorized) makes MQTT.js reject
    await assert.rejects(device.client.publishAsync('other/x', 'no', { qos: 1 }), (err: { code?: number }) => err.code === 0x87);
    await device.client.publishAsync(ok, 'yes', { qos: 1 });
    // mosquitto handles one connection's packets in order: the denied one would have come first
    const got = await observer.waitCount(1);
    assert.deepEqual(got.map((m) => [m.topic, m.payload.toString()]), [[ok, 'yes']]);
    assert.ok(got[0]!.at > 0);
  });

  test('MQTT.js: the device only receives topics it may read (mosquitto grants, then filters delivery)', async (t) => {
    const id = unique('acl');
    const device = await connectCloud(cloud, { identity: { cert: pki.client } });
    t.after(() => device.end(true));
    const grants = await device.subscribe([`dt/${id}`, `cmd/${id}`, `other/${id}`], 1);
    assert.deepEqual(grants.map((g) => g.qos), [1, 1, 1]);
    const observer = await connectCloud(cloud);
    t.after(() => observer.end(true));
    await observer.client.publishAsync(`dt/${id}`, 'write-only', { qos: 1 });
    await observer.client.publishAsync(`other/${id}`, 'no rule', { qos: 1 });
    await observer.client.publishAsync(`cmd/${id}`, 'reboot', { qos: 1 });
    const got = await device.waitCount(1);
    assert.deepEqual(got.map((m) => [m.topic, m.payload.toString()]), [[`cmd/${id}`, 'reboot']]);
  });

  test('a client without a certificate or with a foreign one is refused', async () => {
    await assert.rejects(connectCloud(cloud, { identity: {}, connectTimeout: 3000 }));
    await assert.rejects(connectCloud(cloud, { identity: { cert: pki.foreign }, connectTimeout: 3000 }));
  });
});

describe('mosquitto cloud stop, kill and restart on the same port', { skip: SKIP }, () => {
  let pki: TestPki;
  let cloud: MosquittoCloud;
  before(async () => {
    cloud = await startMosquittoCloud({ tls: true });
    pki = cloud.pki!;
  });
  after(() => cloud?.close());

  async function roundTrip(): Promise<void> {
    const topic = unique('rt');
    const sub = await subscribeCloud(cloud, topic);
    const pub = await connectCloud(cloud, { identity: { cert: pki.client } });
    await pub.client.publishAsync(topic, 'x', { qos: 1 });
    await sub.waitCount(1);
    await Promise.all([sub.end(), pub.end()]);
  }

  test('stop closes clients and refuses new ones; restart serves the same port again', async () => {
    const port = cloud.port;
    await roundTrip();
    const client = await connectCloud(cloud);
    const closed = new Promise<void>((resolve) => client.client.once('close', () => resolve()));
    await cloud.stop();
    assert.equal(cloud.running, false);
    await closed;
    await assert.rejects(connectCloud(cloud, { connectTimeout: 2000 }));
    await cloud.restart();
    assert.equal(cloud.running, true);
    assert.equal(cloud.port, port);
    await roundTrip();
  });

  test('kill (SIGKILL) then restart', async () => {
    const port = cloud.port;
    await cloud.kill();
    await assert.rejects(connectCloud(cloud, { connectTimeout: 2000 }));
    await cloud.restart();
    assert.equal(cloud.port, port);
    await roundTrip();
    assert.equal(cloud.logText().match(/starting mosquitto on port/g)?.length, 3);
  });
});

describe('mosquitto cloud over plain TCP with a password file', { skip: SKIP }, () => {
  let cloud: MosquittoCloud;
  before(async () => {
    cloud = await startMosquittoCloud({ passwords: { bridge: 's3cret' }, allowAnonymous: false, acl: { bridge: { readwrite: ['up/#'] } },
      maxQueuedMessages: 3 });
  });
  after(async () => {
    await cloud?.close();
  });

  test('the right password connects, a wrong one and anonymous are refused', async (t) => {
    assert.equal(cloud.url, `mqtt://127.0.0.1:${cloud.port}`);
    const observer = await subscribeCloud(cloud, 'up/#');
    t.after(() => observer.end(true));
    const bridge = await connectCloud(cloud, { identity: { username: 'bridge', password: 's3cret' } });
    t.after(() => bridge.end(true));
    await bridge.client.publishAsync('up/1', 'a', { qos: 1 });
    await observer.waitCount(1);
    await assert.rejects(connectCloud(cloud, { identity: { username: 'bridge', password: 'wrong' } }), /Not authorized|Bad username/);
    await assert.rejects(connectCloud(cloud, { identity: {} }), /Not authorized/);
    await run('mosquitto_pub', [...cloud.cliArgs({ username: 'bridge', password: 's3cret' }), '-t', 'up/2', '-q', '1', '-m', 'b']);
    await observer.waitCount(2);
    assert.deepEqual(observer.messages.map((m) => m.topic), ['up/1', 'up/2']);
  });

  test('max_queued_messages bounds what an offline session gets', async () => {
    const clientId = unique('offline');
    const first = await subscribeCloud(cloud, 'up/q', { clientId, clean: false });
    await first.end();
    const bridge = await connectCloud(cloud, { identity: { username: 'bridge', password: 's3cret' } });
    for (let i = 0; i < 10; i++) await bridge.client.publishAsync('up/q', String(i), { qos: 1 });
    await bridge.end();
    const back = await connectCloud(cloud, { clientId, clean: false });
    assert.equal(back.connack.sessionPresent, true);
    // mosquitto keeps the first 3 and drops newer ones; a 4th would follow the 3rd at once
    await back.client.publishAsync('up/q', 'marker', { qos: 1 });
    const got = await back.waitCount(4);
    assert.deepEqual(got.map((m) => m.payload.toString()), ['0', '1', '2', 'marker']);
    await back.end();
  });
});
