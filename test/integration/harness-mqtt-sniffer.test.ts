/**
 * Self-test of test/helpers/mqtt-sniffer.ts: a known MQTT.js workload (300
 * QoS 1 messages, 25 in flight at most, in bursts of 50 every >= 600 ms)
 * through the sniffer into a real mosquitto; the sniffer's in-flight maximum
 * and sliding-window rate must match what the publisher itself measured.
 * Then MQTT 3.1.1 through the TLS-terminating sniffer, both directions.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import type { TestPki } from '../helpers/certs.js';
import { connectCloud, subscribeCloud, type CloudClient } from '../helpers/cloud-client.js';
import { tlsTermination } from '../helpers/fault-proxy.js';
import { HAVE_MOSQUITTO_BROKER, startMosquittoCloud, type MosquittoCloud } from '../helpers/mosquitto-cloud.js';
import { maxInWindow, startMqttSniffer } from '../helpers/mqtt-sniffer.js';
import { unique } from '../helpers/messages.js';
import { withTimeout } from '../helpers/wait.js';

const SKIP = HAVE_MOSQUITTO_BROKER ? false : 'mosquitto not installed (apt install mosquitto)';

test('maxInWindow counts the fullest half-open window', () => {
  assert.equal(maxInWindow([], 1000), 0);
  assert.equal(maxInWindow([5], 1000), 1);
  assert.equal(maxInWindow([0, 999, 1000], 1000), 2);
  assert.equal(maxInWindow([0, 10, 20, 1500, 1600, 1700, 1800, 2499], 1000), 5);
  assert.equal(maxInWindow([0, 0, 0, 1000, 1000], 1000), 3);
});

/** Independent O(n^2) reference: the most times t[j] with t[i] <= t[j] < t[i] + windowMs. */
function naiveMaxInWindow(times: number[], windowMs: number): number {
  return Math.max(0, ...times.map((t0) => times.filter((t) => t >= t0 && t < t0 + windowMs).length));
}

interface Workload {
  sentAt: number[];
  maxOutstanding: number;
}

/** Publish `batches` x `batchSize` QoS 1 messages, at most `window` unacknowledged, `gapMs` idle after each batch. */
async function windowedPublish(c: CloudClient, topic: string, batches: number, batchSize: number, window: number, gapMs: number): Promise<Workload> {
  const w: Workload = { sentAt: [], maxOutstanding: 0 };
  let outstanding = 0;
  let seq = 0;
  for (let b = 0; b < batches; b++) {
    const end = seq + batchSize;
    const worker = async (): Promise<void> => {
      while (seq < end) {
        const n = seq++;
        outstanding++;
        w.maxOutstanding = Math.max(w.maxOutstanding, outstanding);
        w.sentAt.push(performance.now());
        await c.client.publishAsync(topic, String(n), { qos: 1, properties: { userProperties: { seq: String(n) } } });
        outstanding--;
      }
    };
    await Promise.all(Array.from({ length: window }, worker));
    if (b < batches - 1) await new Promise((r) => setTimeout(r, gapMs)); // part of the workload's shape
  }
  return w;
}

describe('MQTT sniffer on plain TCP', { skip: SKIP }, () => {
  let cloud: MosquittoCloud;
  before(async () => {
    cloud = await startMosquittoCloud({ passwords: { bridge: 'pw' }, maxInflightMessages: 100 });
  });
  after(async () => {
    await cloud?.close();
  });

  test('MQTT 5: CONNECT, 300 PUBLISH/PUBACK, in-flight 25 and 100 per second as the publisher measured', async (t) => {
    const sniffer = await startMqttSniffer({ targetPort: cloud.port });
    t.after(() => sniffer.close());
    const topic = unique('rate');
    const sub = await subscribeCloud(cloud, topic);
    t.after(() => sub.end(true));
    const clientId = unique('gw');
    const c = await connectCloud(cloud, { port: sniffer.port, identity: { username: 'bridge', password: 'pw' }, clientId,
      protocolVersion: 5, keepalive: 42, clean: true, properties: { sessionExpiryInterval: 60 } });
    t.after(() => c.end(true));
    const w = await windowedPublish(c, topic, 6, 50, 25, 600);
    await sub.waitCount(300, 10000);

    assert.equal(sniffer.connects.length, 1);
    const [conn] = sniffer.connects;
    assert.deepEqual([conn!.clientId, conn!.username, conn!.password, conn!.keepalive, conn!.protocolVersion, conn!.clean],
      [clientId, 'bridge', 'pw', 42, 5, true]);
    assert.equal(conn!.properties?.sessionExpiryInterval, 60);
    assert.equal(sniffer.connacks[0]?.code, 0);
    assert.equal(sniffer.connacks[0]?.properties?.receiveMaximum, 100, 'mosquitto advertises max_inflight_messages');
    assert.equal(sniffer.publishes.length, 300);
    assert.equal(sniffer.pubacks.length, 300);
    sniffer.publishes.forEach((p, i) => {
      assert.deepEqual([p.topic, p.qos, p.payload.toString(), p.userProperties?.seq], [topic, 1, String(i), String(i)]);
    });
    assert.deepEqual(sniffer.errors, []);

    // what the publisher itself measured, computed without the sniffer
    assert.equal(w.maxOutstanding, 25);
    assert.equal(naiveMaxInWindow(w.sentAt, 1000), 100, 'workload shape: two bursts of 50 per second at most');
    // the sniffer sees publishes after the client sent them and PUBACKs before the client reads them,
    // so it can only see fewer in flight; the first 25 leave in one tick, before any PUBACK exists
    assert.equal(sniffer.maxInFlight(), 25);
    assert.equal(sniffer.maxInFlight(conn!.connId), 25);
    assert.equal(sniffer.maxRatePerSecond(), 100);
    assert.equal(sniffer.maxRatePerSecond(1000, conn!.connId), 100);
    assert.equal(sniffer.maxRatePerSecond(60000), 300);
    assert.equal(sniffer.counts.up.publish, 300);
    assert.equal(sniffer.counts.down.puback, 300);
  });
});

describe('MQTT sniffer terminating TLS', { skip: SKIP }, () => {
  let pki: TestPki;
  let cloud: MosquittoCloud;
  before(async () => {
    cloud = await startMosquittoCloud({ tls: true, acl: { 'device-1': { write: ['dt/#'], read: ['cmd/#'] } } });
    pki = cloud.pki!;
  });
  after(() => cloud?.close());

  test('MQTT 3.1.1 both directions; faults of the proxy underneath apply', async (t) => {
    const sniffer = await startMqttSniffer({ targetPort: cloud.port, ...tlsTermination(pki) });
    t.after(() => sniffer.close());
    const id = unique('s');
    const observer = await subscribeCloud(cloud, `dt/${id}`);
    t.after(() => observer.end(true));
    const opts = { port: sniffer.port, identity: { cert: pki.client }, clientId: `gw-${id}`, keepalive: 17, clean: false };
    const c = await connectCloud(cloud, opts);
    await c.subscribe(`cmd/${id}`, 1);
    await c.client.publishAsync(`dt/${id}`, 'q0', { qos: 0 });
    await c.client.publishAsync(`dt/${id}`, 'q1', { qos: 1 });
    await observer.client.publishAsync(`cmd/${id}`, 'reboot', { qos: 1 });
    await c.waitCount(1);
    await observer.waitCount(2);

    const [conn] = sniffer.connects;
    assert.deepEqual([conn!.clientId, conn!.keepalive, conn!.protocolVersion, conn!.clean, conn!.username], [`gw-${id}`, 17, 4, false, undefined]);
    assert.deepEqual(sniffer.publishes.map((p) => [p.payload.toString(), p.qos, p.messageId === undefined]), [['q0', 0, true], ['q1', 1, false]]);
    assert.deepEqual(sniffer.inbound.map((p) => [p.topic, p.payload.toString()]), [[`cmd/${id}`, 'reboot']]);
    assert.equal(sniffer.pubacks.length, 1);
    assert.equal(sniffer.pubacks[0]!.messageId, sniffer.publishes[1]!.messageId);
    assert.equal(sniffer.counts.up.subscribe, 1);
    assert.equal(sniffer.counts.down.suback, 1);
    assert.equal(sniffer.counts.up.puback, 1, 'the client acknowledged the inbound QoS 1 message');
    assert.equal(sniffer.maxInFlight(), 1);

    const gone = new Promise<void>((resolve) => c.client.once('close', () => resolve()));
    sniffer.proxy.drop();
    await withTimeout(gone, 2000, 'client closed after drop');
    const again = await connectCloud(cloud, opts);
    t.after(() => again.end(true));
    assert.equal(again.connack.sessionPresent, true);
    await sniffer.waitConnects(2);
    assert.equal(sniffer.connacks[1]?.sessionPresent, true);
    assert.notEqual(sniffer.connects[1]!.connId, conn!.connId);
  });
});
