/**
 * Self-test of test/helpers/fault-proxy.ts with MQTT.js clients and a real
 * mosquitto behind it: pass-through, drop (RST), refuse, blackhole (the
 * client's keepalive detects the dead link, the far side is not told),
 * delay, and TLS termination with SNI/ALPN/client-certificate recording.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import type { TestPki } from '../helpers/certs.js';
import { connectCloud, subscribeCloud, type CloudClient } from '../helpers/cloud-client.js';
import { startFaultProxy, tlsTermination, type FaultProxy } from '../helpers/fault-proxy.js';
import { HAVE_MOSQUITTO_BROKER, startMosquittoCloud, type MosquittoCloud } from '../helpers/mosquitto-cloud.js';
import { unique } from '../helpers/messages.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

const SKIP = HAVE_MOSQUITTO_BROKER ? false : 'mosquitto not installed (apt install mosquitto)';

function closed(c: CloudClient): Promise<number> {
  return new Promise((resolve) => c.client.once('close', () => resolve(performance.now())));
}

describe('fault proxy in front of a plain mosquitto', { skip: SKIP }, () => {
  let cloud: MosquittoCloud;
  let proxy: FaultProxy;
  before(async () => {
    cloud = await startMosquittoCloud();
  });
  after(async () => {
    await cloud?.close();
  });
  const viaProxy = (opts = {}): Promise<CloudClient> => connectCloud(cloud, { port: proxy.port, ...opts });
  /** A fresh proxy and a direct subscriber to a fresh topic, both closed after the test. */
  async function setup(t: TestContext, name: string): Promise<{ topic: string; sub: CloudClient }> {
    proxy = await startFaultProxy({ targetPort: cloud.port });
    t.after(() => proxy.close());
    const topic = unique(name);
    const sub = await subscribeCloud(cloud, topic);
    t.after(() => sub.end(true));
    return { topic, sub };
  }

  test('pass: publish through the proxy reaches a direct subscriber; connections are counted', async (t) => {
    const { topic, sub } = await setup(t, 'pass');
    const c = await viaProxy();
    t.after(() => c.end(true));
    await c.client.publishAsync(topic, 'through', { qos: 1 });
    await sub.waitCount(1);
    assert.equal(proxy.accepted, 1);
    assert.equal(proxy.active, 1);
    assert.equal(proxy.mode, 'pass');
  });

  test('drop: the client sees a reset at once; new connections are accepted', async (t) => {
    proxy = await startFaultProxy({ targetPort: cloud.port });
    t.after(() => proxy.close());
    const c = await viaProxy();
    const gone = closed(c);
    const t0 = performance.now();
    assert.equal(proxy.drop(), 1);
    const at = await withTimeout(gone, 2000, 'client closed after drop');
    assert.ok(at - t0 < 500, `closed after ${at - t0} ms`);
    assert.equal(proxy.active, 0);
    assert.match(c.errors.map((e) => e.message).join(), /ECONNRESET/);
    const again = await viaProxy();
    t.after(() => again.end(true));
    assert.equal(proxy.accepted, 2);
  });

  test('refuse: new connections fail until resume', async (t) => {
    proxy = await startFaultProxy({ targetPort: cloud.port });
    t.after(() => proxy.close());
    proxy.refuse();
    await assert.rejects(viaProxy({ connectTimeout: 2000 }));
    assert.equal(proxy.refused, 1);
    proxy.resume();
    const c = await viaProxy();
    t.after(() => c.end(true));
    assert.deepEqual([proxy.accepted, proxy.refused, proxy.active], [2, 1, 1]);
  });

  test('blackhole: keepalive detects the dead link in ~1.5 x keepalive; held traffic flows on resume', async (t) => {
    const { topic, sub } = await setup(t, 'bh');
    const keepalive = 2;
    const c = await viaProxy({ keepalive });
    await c.client.publishAsync(topic, 'before', { qos: 1 }); // MQTT.js re-arms its keepalive here
    await sub.waitCount(1);
    const gone = closed(c);
    proxy.blackhole();
    const t0 = performance.now();
    c.client.publish(topic, 'held', { qos: 0 });
    const at = await withTimeout(gone, keepalive * 3000, 'keepalive timeout through the blackhole');
    const elapsed = at - t0;
    // MQTT.js pings after keepalive and gives up at 1.5 x keepalive of silence
    assert.ok(elapsed >= keepalive * 1000 && elapsed <= keepalive * 1500 + 1000, `detected after ${Math.round(elapsed)} ms`);
    // nothing was delivered or closed on the far side
    assert.equal(sub.messages.length, 1);
    assert.equal(proxy.active, 1, 'the proxy still holds both sockets');
    proxy.resume();
    // the held PUBLISH, then the held close, reach mosquitto
    await sub.waitCount(2);
    assert.equal(sub.messages[1]!.payload.toString(), 'held');
    await waitFor(() => proxy.active === 0, 3000, 'held close delivered');
  });

  test('delay: latency per direction, order kept, resume removes it', async (t) => {
    const { topic, sub } = await setup(t, 'delay');
    const c = await viaProxy();
    t.after(() => c.end(true));
    const rtt = async (): Promise<number> => {
      const t0 = performance.now();
      await c.client.publishAsync(topic, 'x', { qos: 1 });
      return performance.now() - t0;
    };
    const fast = await rtt();
    proxy.delay(150);
    const slow = await rtt();
    assert.ok(slow >= 295 && slow < 2000, `QoS 1 round trip with 150 ms each way took ${slow} ms`);
    const sends = Array.from({ length: 50 }, (_, i) => c.client.publishAsync(topic, String(i), { qos: 1 }));
    proxy.resume(); // chunks already delayed keep their order ahead of new ones
    const sent = c.client.publishAsync(topic, 'after', { qos: 1 });
    await Promise.all([...sends, sent]);
    await sub.waitCount(53);
    assert.deepEqual(sub.messages.slice(2).map((m) => m.payload.toString()), [...Array.from({ length: 50 }, (_, i) => String(i)), 'after']);
    const again = await rtt();
    assert.ok(again < 290, `round trip after resume ${again} ms (before delay: ${fast} ms)`);
  });
});

describe('fault proxy terminating TLS in front of a TLS mosquitto', { skip: SKIP }, () => {
  let pki: TestPki;
  let cloud: MosquittoCloud;
  before(async () => {
    cloud = await startMosquittoCloud({ tls: true, acl: { 'device-1': { readwrite: ['dt/#'] } } });
    pki = cloud.pki!;
  });
  after(() => cloud?.close());

  test('records SNI, ALPN and client CN; mosquitto sees the upstream certificate; drop works on TLS', async (t) => {
    const proxy = await startFaultProxy({ targetPort: cloud.port, ...tlsTermination(pki, pki.client, ['x-amzn-mqtt-ca']) });
    t.after(() => proxy.close());
    const topic = `dt/${unique('tls')}`;
    const sub = await subscribeCloud(cloud, topic);
    t.after(() => sub.end(true));
    const c = await connectCloud(cloud, { port: proxy.port, identity: { cert: pki.client }, servername: 'localhost', ALPNProtocols: ['x-amzn-mqtt-ca'] });
    await c.client.publishAsync(topic, 'via tls proxy', { qos: 1 });
    await sub.waitCount(1);
    const [info] = proxy.connections();
    assert.deepEqual([info?.servername, info?.alpnProtocol, info?.peerCn], ['localhost', 'x-amzn-mqtt-ca', 'device-1']);
    assert.match(cloud.logText(), /u'device-1'/);
    const gone = closed(c);
    proxy.drop();
    await withTimeout(gone, 2000, 'TLS client closed after drop');
    // a client without a certificate completes no MQTT session through the proxy
    await assert.rejects(connectCloud(cloud, { port: proxy.port, identity: {}, connectTimeout: 3000 }));
  });
});
