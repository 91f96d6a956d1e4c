/**
 * The aws profile against a real mosquitto as "AWS IoT Core": mutual TLS
 * with the test PKI (thing name = certificate CN), through the
 * TLS-terminating MQTT sniffer so the test sees what the cloud receives.
 * Replay after an outage respects AWS's 100 in flight and 100 msg/s, QoS 2
 * goes up as QoS 1, messages AWS can never accept are dead-lettered without
 * blocking the queue, port 443 offers ALPN x-amzn-mqtt-ca, no state
 * notifications by default, and the optional shadow status report.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type TestClient } from '../helpers/clients.js';
import { subscribeCloud, type CloudClient } from '../helpers/cloud-client.js';
import { tlsTermination } from '../helpers/fault-proxy.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { HAVE_MOSQUITTO_BROKER, startMosquittoCloud, type MosquittoCloud } from '../helpers/mosquitto-cloud.js';
import { maxInWindow, startMqttSniffer, type MqttSniffer } from '../helpers/mqtt-sniffer.js';
import { waitFor } from '../helpers/wait.js';

const THING = 'device-1'; // the CN of cloud.pki.client
const ALPN = 'x-amzn-mqtt-ca';

function awsBridge(cloud: MosquittoCloud, port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const pki = cloud.pki!;
  return {
    name: 'aws',
    type: 'aws',
    aws_endpoint: 'localhost', // SNI and host name verification against the test server certificate
    thing_name: THING,
    addresses: [`127.0.0.1:${port}`],
    certfile: pki.client.cert,
    keyfile: pki.client.key,
    cafile: pki.caCert,
    topics: ['dt/# out 2'], // rule QoS 2: the cap to 1 must come from the profile
    restart_timeout: '0.2 1',
    keepalive: 30,
    ...extra,
  };
}

describe('bridge to AWS IoT Core (mosquitto as the cloud)', { skip: !HAVE_MOSQUITTO_BROKER && 'mosquitto not installed' }, () => {
  let cloud: MosquittoCloud;
  let sniffer: MqttSniffer;
  let gw: TestGateway;
  let observer: CloudClient;
  let local: TestClient;
  const status = () => gw.gw.bridges.status()[0]!;

  before(async () => {
    cloud = await startMosquittoCloud({
      tls: true,
      acl: { [THING]: { write: ['dt/#', `$aws/things/${THING}/shadow/#`] } },
    });
    // accepts ALPN x-amzn-mqtt-ca, so a client that offers it would negotiate it (the 443 test shows it does)
    sniffer = await startMqttSniffer({ targetPort: cloud.port, ...tlsTermination(cloud.pki!, cloud.pki!.client, [ALPN]) });
    observer = await subscribeCloud(cloud, 'dt/#', { qos: 1 });
    gw = await startTestGateway({ bridges: [awsBridge(cloud, sniffer.port)] });
    await waitFor(() => status().state === 'connected', 20_000, 'aws bridge connected');
    local = await connect(gw.port, { clientId: 'aws-local-pub' });
  });
  after(async () => {
    await local?.end(true);
    await gw?.stop();
    await observer?.end(true);
    await sniffer?.close();
    await cloud?.close();
  });

  test('CONNECT: client id = thing name, client certificate, SNI = endpoint, no ALPN on 8883', async () => {
    const [c] = await sniffer.waitConnects(1);
    assert.equal(c!.clientId, THING);
    assert.equal(c!.username, undefined);
    const conn = sniffer.proxy.connections().find((x) => !x.closed)!;
    assert.equal(conn.peerCn, THING);
    assert.equal(conn.servername, 'localhost');
    assert.equal(conn.alpnProtocol, undefined, 'ALPN is for port 443 only');
  });

  test('state notifications are off by default for aws', async () => {
    // retained state would be there since the bridge connected; the broker's retained index is the truth
    assert.deepEqual(gw.gw.broker.retained.matching('$SYS/broker/connection/#').map((m) => m.topic), []);
    assert.equal(gw.gw.broker.retained.matching('$SYS/#').some((m) => m.topic.includes('/connection/')), false);
  });

  test('QoS 2 local publishes go upstream as QoS 1; the retain flag is kept', async () => {
    const from = sniffer.publishes.length;
    await local.client.publishAsync('dt/q2', 'two', { qos: 2, retain: true });
    await waitFor(() => sniffer.publishes.slice(from).some((p) => p.topic === 'dt/q2'), 10_000, 'dt/q2 upstream');
    const p = sniffer.publishes.slice(from).find((x) => x.topic === 'dt/q2')!;
    assert.equal(p.qos, 1);
    assert.equal(p.retain, true);
    assert.equal(p.payload.toString(), 'two');
    assert.equal(sniffer.counts.up.pubrel ?? 0, 0, 'no QoS 2 flow upstream');
  });

  test('oversize payloads and topics with more than 7 "/" are dead-lettered and do not block later messages', async () => {
    const deadBefore = status().deadLetters;
    const from = sniffer.publishes.length;
    const big = Buffer.alloc(128 * 1024 + 1, 0x61);
    await local.client.publishAsync('dt/big', big, { qos: 1 });
    await local.client.publishAsync('dt/1/2/3/4/5/6/7', 'deep', { qos: 1 }); // 7 '/': fine
    await local.client.publishAsync('dt/1/2/3/4/5/6/7/8', 'too deep', { qos: 1 }); // 8 '/'
    await local.client.publishAsync('dt/after', 'still flowing', { qos: 1 });
    await waitFor(() => observer.messages.some((m) => m.topic === 'dt/after'), 10_000, 'dt/after at the cloud');
    const sent = sniffer.publishes.slice(from).map((p) => p.topic);
    assert.deepEqual(sent, ['dt/1/2/3/4/5/6/7', 'dt/after'], 'the impossible ones never go on the wire');
    await waitFor(() => status().deadLetters === deadBefore + 2, 5000, 'two dead letters');
    const dead = gw.gw.broker.store.bridgeQueue.loadDeadLetters('aws', 100);
    const big1 = dead.find((d) => d.message.topic === 'dt/big');
    const deep = dead.find((d) => d.message.topic === 'dt/1/2/3/4/5/6/7/8');
    assert.ok(big1 && deep, JSON.stringify(dead.map((d) => d.message.topic)));
    assert.match(big1.reason, /131073 bytes exceeds the limit of 131072/);
    assert.equal(big1.message.payload.length, big.length, 'the dead letter keeps the payload');
    assert.match(deep.reason, /8 '\/'/);
    const line = await gw.waitLog(/dead-letter/);
    assert.match(line.msg, /dt\/big/);
    await waitFor(() => status().queueDepth === 0, 5000, 'queue empty');
  });

  test('replay after an outage: every message in order, at most 100 in flight and 100 PUBLISH per second', async (t) => {
    const N = 600;
    sniffer.proxy.refuse();
    sniffer.proxy.drop();
    await waitFor(() => status().state !== 'connected', 10_000, 'bridge notices the outage');
    for (let i = 0; i < N; i++) await local.client.publishAsync('dt/replay', String(i), { qos: 1 });
    assert.equal(status().queueDepth, N, 'all acknowledged locally and queued');
    const connectsBefore = sniffer.connects.length;
    const from = sniffer.publishes.length;
    const seen = observer.messages.length;
    sniffer.proxy.resume();
    await waitFor(() => sniffer.connects.length > connectsBefore, 15_000, 'bridge reconnects');
    const received = (): number[] => observer.messages.slice(seen).filter((m) => m.topic === 'dt/replay').map((m) => Number(m.payload.toString()));
    await waitFor(() => new Set(received()).size >= 250, 30_000, '250 replayed messages');
    const rate = maxInWindow(sniffer.publishes.slice(from).map((p) => p.at), 1000);
    // now a link that holds everything: the bridge must stop at 100 unacknowledged; on resume() the proxy
    // delivers all it held at once, so the cloud sees the bridge's whole window in flight
    sniffer.proxy.blackhole();
    await waitFor(() => status().inFlight >= 100, 10_000, 'the bridge fills its window');
    // a bridge that ignored the window would send ~90 more in this second (the token bucket allows it)
    await new Promise((r) => setTimeout(r, 1000));
    const connId = sniffer.connects[sniffer.connects.length - 1]!.connId;
    sniffer.proxy.resume();
    await waitFor(() => new Set(received()).size >= N, 60_000, `${N} replayed messages at the cloud`);
    const unique = received().filter((v, i, all) => all.indexOf(v) === i);
    assert.deepEqual(unique, Array.from({ length: N }, (_, i) => i), 'in order once resends are removed');
    await waitFor(() => status().queueDepth === 0, 10_000, 'queue empty');

    const inflight = sniffer.maxInFlight(connId);
    t.diagnostic(`max in flight ${inflight}, max PUBLISH in a 1 s window ${rate} (before the black hole)`);
    assert.ok(inflight <= 100, `at most 100 in flight, saw ${inflight}`);
    assert.ok(inflight >= 95, `the window was filled (saw ${inflight} in flight): the limit was exercised`);
    assert.ok(rate <= 100, `at most 100 PUBLISH in any 1 s window, saw ${rate}`);
    assert.ok(rate >= 60, `the replay used the allowed rate, saw only ${rate}/s`);
  });
});

describe('aws on port 443: ALPN x-amzn-mqtt-ca; shadow status report', { skip: !HAVE_MOSQUITTO_BROKER && 'mosquitto not installed' }, () => {
  let cloud: MosquittoCloud;
  let sniffer: MqttSniffer;
  let gw: TestGateway;

  before(async () => {
    cloud = await startMosquittoCloud({ tls: true, acl: { [THING]: { write: ['dt/#', `$aws/things/${THING}/shadow/#`] } } });
    sniffer = await startMqttSniffer({ targetPort: cloud.port, ...tlsTermination(cloud.pki!, cloud.pki!.client, [ALPN]) });
    gw = await startTestGateway({ bridges: [awsBridge(cloud, sniffer.port, { aws_port: 443, shadow_interval: 1 })] });
    await waitFor(() => gw.gw.bridges.status()[0]!.state === 'connected', 20_000, 'aws 443 bridge connected');
  });
  after(async () => {
    await gw?.stop();
    await sniffer?.close();
    await cloud?.close();
  });

  test('the client offers x-amzn-mqtt-ca and it is negotiated; the address override keeps its port', () => {
    const conn = sniffer.proxy.connections().find((x) => !x.closed);
    assert.ok(conn, 'a live connection through the sniffer');
    assert.equal(conn.alpnProtocol, ALPN);
    assert.equal(conn.servername, 'localhost');
    assert.equal(gw.gw.bridges.status()[0]!.address, `127.0.0.1:${sniffer.port}`);
  });

  test('shadow_interval: gateway status goes to $aws/things/<thing>/shadow/update', async () => {
    const topic = `$aws/things/${THING}/shadow/update`;
    await waitFor(() => sniffer.publishes.filter((p) => p.topic === topic).length >= 2, 10_000, 'two shadow updates');
    const [first] = sniffer.publishes.filter((p) => p.topic === topic);
    const doc = JSON.parse(first!.payload.toString()) as { state: { reported: { midge: Record<string, unknown> } } };
    const midge = doc.state.reported.midge;
    assert.equal(typeof midge.version, 'string');
    assert.equal(midge.queue_depth, 0);
    assert.equal(typeof midge.uptime_s, 'number');
    assert.equal(first!.qos, 0);
  });
});
