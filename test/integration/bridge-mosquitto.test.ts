/**
 * The bridge against a real mosquitto "cloud" with mutual TLS (certificates
 * from openssl) and an ACL limiting the gateway to its topics: out and in
 * rules; 10,000 QoS 1 messages acknowledged while the cloud is down arrive
 * once or more, in order, after it restarts, and the queue empties; link
 * faults from a TCP proxy (connection drop mid-stream, black hole found by
 * keepalive, added latency); failover to the second address.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { subscribeCloud, connectCloud, type CloudClient } from '../helpers/cloud-client.js';
import { connect, type TestClient } from '../helpers/clients.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { tempDir } from '../helpers/midge-process.js';
import { freePort, HAVE_MOSQUITTO_BROKER, startMosquittoCloud, type MosquittoCloud } from '../helpers/mosquitto-cloud.js';
import { waitFor } from '../helpers/wait.js';

const SKIP = HAVE_MOSQUITTO_BROKER ? false : 'mosquitto not installed (apt install mosquitto)';
const ACL = { 'device-1': { write: ['site1/#'], read: ['cmd/#'] } };

/** Payloads as numbers, first occurrence only (at-least-once may resend). */
function firstSeen(messages: Array<{ payload: Buffer }>): number[] {
  return [...new Set(messages.map((m) => Number(m.payload.toString())))];
}

async function publishMany(c: TestClient, topic: string, n: number, from = 0): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => c.client.publishAsync(topic, String(from + i), { qos: 1 })));
}

describe('bridge to mosquitto over mutual TLS', { skip: SKIP }, () => {
  let cloud: MosquittoCloud;
  let proxy: FaultProxy;
  let gw: TestGateway;
  let local: TestClient;
  const dir = tempDir();
  const state = () => gw.gw.bridges.status()[0]!;

  before(async () => {
    cloud = await startMosquittoCloud({ tls: true, acl: ACL });
    proxy = await startFaultProxy({ targetPort: cloud.port }); // TCP only: TLS passes through untouched
    const pki = cloud.pki!;
    gw = await startTestGateway({
      persistence: { enabled: true, path: join(dir.path, 'data') },
      bridges: [{
        name: 'cloud',
        addresses: [`127.0.0.1:${proxy.port}`],
        cafile: pki.caCert, certfile: pki.client.cert, keyfile: pki.client.key,
        sni: 'localhost',
        keepalive: 2,
        restart_timeout: '0.2 1',
        topics: ['data/# out 1 "" site1/', 'cmd/# in 1 local/ ""', 'forbidden/# out 1'],
      }],
    });
    local = await connect(gw.port, { clientId: 'field-device' });
    await waitFor(() => state().state === 'connected', 15_000, 'bridge connected');
  });
  after(async () => {
    await local?.end(true);
    await gw?.stop();
    await proxy?.close();
    await cloud?.close();
    dir.cleanup();
  });

  test('out rule with remote prefix; the ACL-denied topic does not block the queue', async () => {
    const obs = await subscribeCloud(cloud, ['site1/#', 'forbidden/#']);
    try {
      await local.client.publishAsync('forbidden/x', 'no', { qos: 1 });
      await local.client.publishAsync('data/temp', '21.5', { qos: 1 });
      const [m] = await obs.waitCount(1, 10_000);
      assert.equal(m!.topic, 'site1/data/temp');
      assert.equal(m!.payload.toString(), '21.5');
      await waitFor(() => state().queueDepth === 0, 10_000, 'queue empty (the denied message was acked by mosquitto 3.1.1)');
      assert.ok(!obs.messages.some((x) => x.topic.startsWith('forbidden')));
    } finally {
      await obs.end(true);
    }
  });

  test('in rule: a cloud command reaches a local subscriber, acked upstream', async () => {
    const sub = await connect(gw.port, { clientId: 'actuator' });
    const commander = await connectCloud(cloud);
    try {
      await sub.client.subscribeAsync('local/cmd/#', { qos: 1 });
      await commander.client.publishAsync('cmd/valve', 'open', { qos: 1 });
      const [m] = await sub.waitMessages(1, 10_000);
      assert.equal(m!.topic, 'local/cmd/valve');
      assert.equal(m!.payload.toString(), 'open');
    } finally {
      await sub.end(true);
      await commander.end(true);
    }
  });

  test('10,000 QoS 1 messages acked while the cloud is down all arrive in order after it restarts', async () => {
    await cloud.stop();
    await waitFor(() => state().state !== 'connected', 10_000, 'bridge notices the cloud is gone');
    const before = state().sentTotal;
    await publishMany(local, 'data/outage', 10_000); // every PUBACK from Midge came after the durable write
    assert.equal(state().queueDepth, 10_000);
    proxy.refuse(); // keep the bridge out until the observer listens on the restarted cloud
    await cloud.restart();
    const obs = await subscribeCloud(cloud, 'site1/data/outage');
    try {
      proxy.resume();
      await waitFor(() => firstSeen(obs.messages).length === 10_000, 90_000, '10,000 messages at the cloud');
      assert.deepEqual(firstSeen(obs.messages), Array.from({ length: 10_000 }, (_, i) => i));
      await waitFor(() => state().queueDepth === 0, 10_000, 'queue empty');
      assert.ok(state().sentTotal - before >= 10_000);
    } finally {
      await obs.end(true);
    }
  });

  test('connection dropped mid-stream: reconnect, nothing lost', async () => {
    const obs = await subscribeCloud(cloud, 'site1/data/drop');
    try {
      const connects = state().connectsTotal;
      const sending = publishMany(local, 'data/drop', 2000);
      await waitFor(() => obs.messages.length > 100, 20_000, 'replay under way');
      proxy.drop();
      await sending;
      await waitFor(() => firstSeen(obs.messages).length === 2000, 60_000, 'all 2000 after the drop');
      assert.deepEqual(firstSeen(obs.messages), Array.from({ length: 2000 }, (_, i) => i));
      assert.ok(state().connectsTotal > connects, 'a new connection was made');
    } finally {
      await obs.end(true);
    }
  });

  test('black hole (no RST): keepalive declares the link dead, messages queue and flow after recovery', async () => {
    const obs = await subscribeCloud(cloud, 'site1/data/hole');
    try {
      proxy.blackhole();
      const t0 = Date.now();
      await publishMany(local, 'data/hole', 100);
      await waitFor(() => state().state !== 'connected', 15_000, 'dead link detected');
      const detectedMs = Date.now() - t0;
      assert.ok(detectedMs < 8000, `keepalive 2 s should find the dead link well within 8 s, took ${detectedMs} ms`);
      proxy.drop(); // the held connections are gone for good
      proxy.resume();
      await waitFor(() => firstSeen(obs.messages).length === 100, 30_000, 'messages after recovery');
      assert.deepEqual(firstSeen(obs.messages), Array.from({ length: 100 }, (_, i) => i));
    } finally {
      proxy.resume();
      await obs.end(true);
    }
  });

  test('added latency (150 ms each way): order kept, everything delivered', async () => {
    const obs = await subscribeCloud(cloud, 'site1/data/slow');
    try {
      proxy.delay(150);
      await publishMany(local, 'data/slow', 300);
      await waitFor(() => firstSeen(obs.messages).length === 300, 60_000, '300 over a slow link');
      assert.deepEqual(firstSeen(obs.messages), Array.from({ length: 300 }, (_, i) => i));
    } finally {
      proxy.delay(0);
      await obs.end(true);
    }
  });
});

describe('bridge failover', { skip: SKIP }, () => {
  test('the first address is dead: the bridge uses the second, and reports it', async () => {
    const cloud = await startMosquittoCloud();
    const dead = await freePort();
    const gw = await startTestGateway({
      bridges: [{ name: 'fo', addresses: [`127.0.0.1:${dead}`, `127.0.0.1:${cloud.port}`], topics: ['f/# out 1'], restart_timeout: '0.2 0.5' }],
    });
    try {
      await waitFor(() => gw.gw.bridges.status()[0]!.state === 'connected', 15_000, 'connected via the second address');
      assert.equal(gw.gw.bridges.status()[0]!.address, `127.0.0.1:${cloud.port}`);
      const failed = gw.logs.find((l) => /connection failed/.test(l.msg));
      assert.ok(failed, 'the failed attempt on the first address is logged');
      assert.match(String(failed.err), /ECONNREFUSED/);
    } finally {
      await gw.stop();
      await cloud.close();
    }
  });
});
