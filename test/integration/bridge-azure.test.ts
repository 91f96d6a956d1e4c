/**
 * The azure profile against a real mosquitto as "IoT Hub": the bridge
 * speaks TLS to the TLS-terminating sniffer (server certificate from the
 * test PKI, SNI localhost), which goes on to mosquitto with the device's
 * client certificate (CN device-1, restricted by the ACL to the IoT Hub
 * topics of device-1). Checks the CONNECT (client id, username, SAS token),
 * D2C topics with the property bag, C2D, direct methods and twin mapped to
 * local topics, and SAS renewal by reconnecting, on a fake clock, with no
 * message lost.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Bridge } from '../../src/bridge/bridge.js';
import { bridgeDeps } from '../../src/bridge/manager.js';
import { createSasToken } from '../../src/clouds/azure-sas.js';
import { planBridge } from '../../src/config/bridge-plan.js';
import { validateConfig } from '../../src/config/validate.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { connect, type TestClient } from '../helpers/clients.js';
import { subscribeCloud, type CloudClient } from '../helpers/cloud-client.js';
import { tlsTermination } from '../helpers/fault-proxy.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { HAVE_MOSQUITTO_BROKER, startMosquittoCloud, type MosquittoCloud } from '../helpers/mosquitto-cloud.js';
import { startMqttSniffer, type MqttSniffer } from '../helpers/mqtt-sniffer.js';
import { waitFor } from '../helpers/wait.js';

const DEVICE = 'device-1'; // the CN of cloud.pki.client, which the sniffer presents to mosquitto
const KEY = Buffer.from('midge test device key, 32 bytes!').toString('base64');
const HOST = 'myhub.azure-devices.net';
const EVENTS = `devices/${DEVICE}/messages/events/`;
/** Certificate CN of the test's stand-in for IoT Hub's service side. */
const HUB = 'hub-side';
const SAS = /^SharedAccessSignature sr=([^&]+)&sig=([^&]+)&se=(\d+)$/;
const skip = !HAVE_MOSQUITTO_BROKER && 'mosquitto not installed';

async function startAzureCloud(): Promise<{ cloud: MosquittoCloud; sniffer: MqttSniffer; observer: CloudClient }> {
  const cloud = await startMosquittoCloud({
    tls: true,
    // '#' does not match topics starting with '$': $iothub/# is spelled out
    acl: {
      [DEVICE]: { write: [`${EVENTS}#`, '$iothub/#'], read: [`devices/${DEVICE}/messages/devicebound/#`, '$iothub/#'] },
      [HUB]: { readwrite: ['devices/#', '$iothub/#'] },
    },
  });
  const tt = tlsTermination(cloud.pki!);
  // SAS authentication: the bridge shows no client certificate; the sniffer shows the device's to mosquitto
  const sniffer = await startMqttSniffer({ targetPort: cloud.port, listenTls: { ...tt.listenTls!, requestCert: false }, upstreamTls: tt.upstreamTls! });
  // the hub's side: the built-in observer's ACL entry is only '#', which does not match $iothub/...
  const observer = await subscribeCloud(cloud, ['devices/#', '$iothub/#'], { qos: 1, identity: { cert: cloud.pki!.issueClient('hub-side', HUB) } });
  return { cloud, sniffer, observer };
}

function azureBridge(cloud: MosquittoCloud, port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'az',
    type: 'azure',
    azure_hub: 'myhub',
    device_id: DEVICE,
    sas_key: KEY,
    sni: 'localhost', // the test server certificate's name, not myhub.azure-devices.net
    addresses: [`127.0.0.1:${port}`],
    cafile: cloud.pki!.caCert,
    topics: ['tele/# out 2'], // rule QoS 2: the cap to 1 must come from the profile
    restart_timeout: '0.2 1',
    keepalive: 30,
    ...extra,
  };
}

function parseSas(password: string | undefined): { sr: string; sig: string; se: number } {
  const m = SAS.exec(password ?? '');
  assert.ok(m, `SAS token format: ${password}`);
  return { sr: m[1]!, sig: m[2]!, se: Number(m[3]) };
}

describe('bridge to Azure IoT Hub (mosquitto as the cloud)', { skip }, () => {
  let cloud: MosquittoCloud;
  let sniffer: MqttSniffer;
  let observer: CloudClient;
  let gw: TestGateway;
  let local: TestClient;

  before(async () => {
    ({ cloud, sniffer, observer } = await startAzureCloud());
    gw = await startTestGateway({ bridges: [azureBridge(cloud, sniffer.port)] });
    await waitFor(() => gw.gw.bridges.status()[0]!.state === 'connected', 20_000, 'azure bridge connected');
    local = await connect(gw.port, { clientId: 'az-local', protocolVersion: 5 });
    await local.client.subscribeAsync('azure/az/#', { qos: 1 });
  });
  after(async () => {
    await local?.end(true);
    await gw?.stop();
    await observer?.end(true);
    await sniffer?.close();
    await cloud?.close();
  });

  test('CONNECT: client id = device id, IoT Hub username, a SAS token that verifies, MQTT 3.1.1', async () => {
    const [c] = await sniffer.waitConnects(1);
    assert.equal(c!.clientId, DEVICE);
    assert.equal(c!.username, `${HOST}/${DEVICE}/?api-version=2021-04-12`);
    assert.equal(c!.protocolVersion, 4);
    const { sr, se } = parseSas(c!.password);
    assert.equal(decodeURIComponent(sr), `${HOST}/devices/${DEVICE}`);
    assert.equal(c!.password, createSasToken({ resourceUri: `${HOST}/devices/${DEVICE}`, key: KEY, expiry: se }), 'sig verifies');
    const ttl = se - c!.at / 1000 - performance.timeOrigin / 1000;
    assert.ok(ttl > 3500 && ttl <= 3601, `expires in about sas_ttl (3600 s), got ${ttl}`);
    assert.equal(sniffer.proxy.connections().find((x) => !x.closed)?.servername, 'localhost');
    assert.equal(sniffer.connacks[0]?.code, 0, cloud.logText().slice(-1500));
  });

  test('D2C: a local publish goes to devices/<id>/messages/events/<bag> with topic and $.mid; QoS 1, no retain', async () => {
    const from = sniffer.publishes.length;
    await local.client.publishAsync('tele/room 1/temp', '{"t":21.5}', { qos: 2, retain: true });
    await waitFor(() => observer.messages.some((m) => m.payload.toString() === '{"t":21.5}'), 10_000, 'telemetry at the cloud');
    const p = sniffer.publishes.slice(from).find((x) => x.topic.startsWith(EVENTS))!;
    assert.ok(p, JSON.stringify(sniffer.publishes.slice(from).map((x) => x.topic)));
    const bag = p.topic.slice(EVENTS.length);
    const pairs = new Map(bag.split('&').map((kv) => kv.split('=') as [string, string]));
    assert.equal(pairs.get('topic'), 'tele%2Froom%201%2Ftemp', `URL-encoded local topic in '${bag}'`);
    assert.match(pairs.get('$.mid') ?? '', /^[\w.-]+-\d+$/, `$.mid in '${bag}'`);
    assert.equal(p.qos, 1);
    assert.equal(p.retain, false);
  });

  test('C2D: devicebound messages reach a local subscriber on azure/<bridge>/c2d with the property bag', async () => {
    const n = local.messages.length;
    await observer.client.publishAsync(`devices/${DEVICE}/messages/devicebound/%24.mid=1&k=v`, 'open valve', { qos: 1 });
    await waitFor(() => local.messages.slice(n).some((m) => m.topic === 'azure/az/c2d'), 10_000, 'C2D locally');
    const m = local.messages.slice(n).find((x) => x.topic === 'azure/az/c2d')!;
    assert.equal(m.payload.toString(), 'open valve');
    const props = m.packet.properties?.userProperties as Record<string, string> | undefined;
    assert.equal(props?.k, 'v');
    assert.equal(props?.['$.mid'], '1');
  });

  test('direct method: request to azure/<bridge>/methods/<name>/<rid>, the local reply goes to $iothub/methods/res', async () => {
    const n = local.messages.length;
    await observer.client.publishAsync('$iothub/methods/POST/reboot/?$rid=7', '{"delay":0}', { qos: 0 });
    await waitFor(() => local.messages.slice(n).some((m) => m.topic === 'azure/az/methods/reboot/7'), 10_000, 'method request locally');
    assert.equal(local.messages.slice(n).find((m) => m.topic === 'azure/az/methods/reboot/7')!.payload.toString(), '{"delay":0}');
    await local.client.publishAsync('azure/az/methods/res/200/7', '{"rebooting":true}', { qos: 1 });
    await waitFor(() => observer.messages.some((m) => m.topic === '$iothub/methods/res/200/?$rid=7'), 10_000, 'method response at the cloud');
    assert.equal(observer.messages.find((m) => m.topic === '$iothub/methods/res/200/?$rid=7')!.payload.toString(), '{"rebooting":true}');
  });

  test('twin: desired PATCH is retained locally; a local reported update goes to $iothub/twin/PATCH/properties/reported', async () => {
    await observer.client.publishAsync('$iothub/twin/PATCH/properties/desired/?$version=2', '{"interval":5,"$version":2}', { qos: 0 });
    await waitFor(() => gw.gw.broker.retained.matching('azure/az/twin/desired').length === 1, 10_000, 'desired retained locally');
    const late = await connect(gw.port, { clientId: 'az-late' });
    try {
      await late.client.subscribeAsync('azure/az/twin/desired', { qos: 1 });
      const [d] = await late.waitMessages(1, 5000);
      assert.equal(d!.payload.toString(), '{"interval":5,"$version":2}');
      assert.equal(d!.packet.retain, true);
    } finally {
      await late.end(true);
    }
    await local.client.publishAsync('azure/az/twin/reported', '{"fw":"1.2"}', { qos: 1 });
    const re = /^\$iothub\/twin\/PATCH\/properties\/reported\/\?\$rid=(\d+)$/;
    await waitFor(() => observer.messages.some((m) => re.test(m.topic)), 10_000, 'reported patch at the cloud');
    assert.equal(observer.messages.find((m) => re.test(m.topic))!.payload.toString(), '{"fw":"1.2"}');
  });
});

describe('Azure SAS renewal (fake clock)', { skip }, () => {
  let cloud: MosquittoCloud;
  let sniffer: MqttSniffer;
  let observer: CloudClient;
  let broker: TestBroker;
  let bridge: Bridge;
  let fakeNow = Date.now();

  before(async () => {
    ({ cloud, sniffer, observer } = await startAzureCloud());
    broker = await startBroker();
    const cfg = validateConfig({ bridges: [azureBridge(cloud, sniffer.port, { sas_ttl: 3600 })] }).bridges[0]!;
    const b = broker.broker;
    bridge = new Bridge(planBridge(cfg, 'host', () => fakeNow), bridgeDeps(b, pino({ level: process.env.MIDGE_TEST_LOG ?? 'silent' })));
    bridge.start();
    await waitFor(() => bridge.status().state === 'connected', 20_000, 'bridge connected');
  });
  after(async () => {
    await bridge?.stop();
    await broker?.stop();
    await observer?.end(true);
    await sniffer?.close();
    await cloud?.close();
  });

  test('past ttl - min(900, ttl/4) the bridge reconnects with a new token; messages before, during and after all arrive', async (t) => {
    const pub = await connect(broker.port, { clientId: 'renew-pub' });
    const sub = await connect(broker.port, { clientId: 'renew-sub' });
    try {
      await sub.client.subscribeAsync('azure/az/c2d', { qos: 1 });
      const send = async (from: number, to: number) => {
        for (let i = from; i < to; i++) await pub.client.publishAsync('tele/seq', String(i), { qos: 1 });
      };
      await send(0, 100);
      const first = parseSas(sniffer.connects[0]!.password);
      assert.equal(sniffer.connects.length, 1);
      assert.equal(first.se, Math.floor(fakeNow / 1000) + 3600);

      fakeNow += (3600 - 900) * 1000 + 1000; // 1 s past the renewal point
      const advancedAt = performance.now();
      const during = send(100, 300); // publishing while the renewal happens
      // an inbound message now (the bridge routes it by device id) must not count as the renewal
      await observer.client.publishAsync(`devices/${DEVICE}/messages/devicebound/k=v`, 'c2d', { qos: 1 });
      await sub.waitMessages(1, 5000);
      await sniffer.waitConnects(2, 5000);
      const renewedAfter = performance.now() - advancedAt;
      await during;
      await send(300, 400);

      const second = parseSas(sniffer.connects[1]!.password);
      t.diagnostic(`renewed ${Math.round(renewedAfter)} ms after the clock passed the renewal point`);
      assert.ok(renewedAfter < 3000, `renewal within ~2 s, took ${renewedAfter} ms`);
      assert.ok(second.se > first.se, `later expiry: ${first.se} -> ${second.se}`);
      assert.equal(second.se, Math.floor(fakeNow / 1000) + 3600);
      assert.equal(sniffer.connects[1]!.password, createSasToken({ resourceUri: `${HOST}/devices/${DEVICE}`, key: KEY, expiry: second.se }));
      await waitFor(() => sniffer.connacks.length >= 2, 5000, 'second CONNACK');
      assert.equal(sniffer.connacks[1]!.code, 0);

      const got = () => new Set(observer.messages.filter((m) => m.topic.startsWith(`${EVENTS}topic=tele%2Fseq`)).map((m) => Number(m.payload.toString())));
      await waitFor(() => got().size >= 400, 30_000, '400 messages at the cloud');
      const ids = got();
      const missing = Array.from({ length: 400 }, (_, i) => i).filter((i) => !ids.has(i));
      assert.deepEqual(missing, [], 'no message lost across the renewal');
      await waitFor(() => bridge.status().queueDepth === 0, 10_000, 'queue empty');
      assert.equal(sniffer.connects.length, 2, 'one renewal, not a reconnect loop');
    } finally {
      await pub.end(true);
      await sub.end(true);
    }
  });
});
