/** MQTT over WebSockets (MQTT 5.0 section 6): WS and WSS listeners with MQTT.js, subprotocol, path, binary frames only. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { WebSocket } from 'ws';
import mqttPacket from 'mqtt-packet';
import { connect } from '../helpers/clients.js';
import { generatePki, type TestPki } from '../helpers/certs.js';
import { uid } from '../helpers/lifecycle.js';
import { startLoggedBroker, type LoggedBroker } from '../helpers/log-capture.js';
import { waitEvent, waitFor, withTimeout } from '../helpers/wait.js';

/** Status of a refused upgrade (ws emits 'unexpected-response'). */
async function upgradeStatus(url: string, protocols: string[]): Promise<number> {
  const ws = new WebSocket(url, protocols);
  ws.on('error', () => undefined);
  const status = await withTimeout(
    new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))),
    3000,
    'refused upgrade',
  );
  ws.terminate();
  return status;
}

describe('WebSocket listeners', () => {
  let pki: TestPki;
  let lb: LoggedBroker;
  before(async () => {
    pki = generatePki();
    lb = await startLoggedBroker([
      { port: 0 }, // plain MQTT, to check that WS and TCP clients share one broker
      { port: 0, protocol: 'websockets' },
      { port: 0, protocol: 'websockets', certfile: pki.server.cert, keyfile: pki.server.key },
      { port: 0, protocol: 'websockets', ws_path: '/mqtt' },
    ]);
  });
  after(async () => {
    await lb.stop();
    pki.cleanup();
  });

  test('WS: MQTT.js over ws://127.0.0.1:PORT/mqtt exchanges messages with a TCP client (3.1.1 and 5)', async () => {
    for (const protocolVersion of [4, 5] as const) {
      const topic = uid('ws');
      const tcp = await connect(lb.port(0), { protocolVersion });
      await tcp.client.subscribeAsync(topic, { qos: 1 });
      const ws = await connect(0, { protocolVersion, servers: undefined, ...{ protocol: 'ws', host: '127.0.0.1', port: lb.port(1), path: '/mqtt' } });
      await ws.client.subscribeAsync(`${topic}/back`, { qos: 2 });
      await ws.client.publishAsync(topic, 'from ws', { qos: 1 });
      assert.equal((await tcp.waitMessages(1))[0]!.payload.toString(), 'from ws');
      await tcp.client.publishAsync(`${topic}/back`, Buffer.alloc(70000, 7), { qos: 2 });
      const [back] = await ws.waitMessages(1);
      assert.equal(back!.payload.length, 70000);
      await ws.end();
      await tcp.end();
    }
  });

  test('WSS: MQTT.js over wss://127.0.0.1:PORT/mqtt with the test CA', async () => {
    const topic = uid('wss');
    const c = await connect(0, { protocol: 'wss', host: '127.0.0.1', port: lb.port(2), path: '/mqtt', ca: readFileSync(pki.caCert), protocolVersion: 5 });
    await c.client.subscribeAsync(topic, { qos: 1 });
    await c.client.publishAsync(topic, 'secure ws', { qos: 1 });
    assert.equal((await c.waitMessages(1))[0]!.payload.toString(), 'secure ws');
    await c.end();
  });

  test('WS: any path is accepted when ws_path is unset (as mosquitto)', async () => {
    const c = await connect(0, { protocol: 'ws', host: '127.0.0.1', port: lb.port(1), path: '/some/where' });
    await c.end();
  });

  test('ws_path: another path gets HTTP 404; the configured one works', async () => {
    assert.equal(await upgradeStatus(`ws://127.0.0.1:${lb.port(3)}/other`, ['mqtt']), 404);
    const c = await connect(0, { protocol: 'ws', host: '127.0.0.1', port: lb.port(3), path: '/mqtt' });
    await c.end();
  });

  test('[MQTT-6.0.0-3] an upgrade without the mqtt subprotocol is refused (400); mqtt is selected when offered', async () => {
    assert.equal(await upgradeStatus(`ws://127.0.0.1:${lb.port(1)}/mqtt`, ['chat']), 400);
    const ws = new WebSocket(`ws://127.0.0.1:${lb.port(1)}/mqtt`, ['foo', 'mqtt']);
    await waitEvent(ws as never, 'open');
    assert.equal(ws.protocol, 'mqtt'); // [MQTT-6.0.0-4]
    ws.terminate();
  });

  test('WS: a plain HTTP request (no upgrade) gets 426', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      http.get(`http://127.0.0.1:${lb.port(1)}/mqtt`, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).once('error', reject);
    });
    assert.equal(status, 426);
  });

  test('[MQTT-6.0.0-1] a text frame closes the connection; an MQTT packet split over binary frames is reassembled', async () => {
    const connectBytes = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: uid('frames'), clean: true, keepalive: 30 });
    const ws = new WebSocket(`ws://127.0.0.1:${lb.port(1)}/mqtt`, ['mqtt']);
    const received: Buffer[] = [];
    ws.on('message', (d: Buffer) => received.push(d));
    await waitEvent(ws as never, 'open');
    ws.send(connectBytes.subarray(0, 5), { binary: true });
    ws.send(connectBytes.subarray(5), { binary: true });
    await waitFor(() => Buffer.concat(received).length >= 4, 3000, 'CONNACK');
    assert.deepEqual([...Buffer.concat(received).subarray(0, 4)], [0x20, 0x02, 0x00, 0x00]);
    const closed = waitEvent<number>(ws as never, 'close');
    ws.send(Buffer.from([0xc0, 0x00]).toString('latin1')); // PINGREQ bytes, but in a text frame
    assert.equal(await closed, 1003);
    assert.equal(received.length, 1, 'no PINGRESP for a text frame');
    await lb.waitLog(/text frame/);
  });
});
