/**
 * Per-listener `max_packet_size` (mosquitto's listener-level limit): each
 * listener enforces and advertises its own limit (v5 CONNACK Maximum Packet
 * Size, DISCONNECT 0x95, WebSocket message limit); 0 falls back to
 * `mqtt.max_packet_size`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IDisconnectPacket, IPublishPacket } from 'mqtt-packet';
import mqttPacket from 'mqtt-packet';
import { WebSocket } from 'ws';
import { uid } from '../helpers/lifecycle.js';
import { startLoggedBroker, type LoggedBroker } from '../helpers/log-capture.js';
import { nextPublish, rawConnected, rawPublish, rawSubscribe } from '../helpers/messages.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitEvent } from '../helpers/wait.js';

const SMALL = 1024;
const GLOBAL = 8192;

describe('listener max_packet_size', () => {
  let lb: LoggedBroker;
  before(async () => {
    lb = await startLoggedBroker(
      [
        { port: 0, max_packet_size: SMALL },
        { port: 0 }, // 0: mqtt.max_packet_size applies
        { port: 0, protocol: 'websockets', max_packet_size: SMALL },
      ],
      { mqtt: { max_packet_size: GLOBAL } },
    );
  });
  after(async () => {
    await lb.stop();
  });

  test('v5 CONNACK advertises each listener\'s own Maximum Packet Size', async () => {
    for (const [i, expected] of [[0, SMALL], [1, GLOBAL]] as const) {
      const rc = await RawClient.connect(lb.port(i), 5);
      const connack = await rc.connect({ clientId: uid('size') });
      assert.equal(connack.reasonCode, 0);
      assert.equal(connack.properties?.maximumPacketSize, expected, `listener ${i}`);
      rc.destroy();
    }
  });

  test('a 2000-byte PUBLISH: DISCONNECT 0x95 on the small listener (v5), a silent close in 3.1.1', async () => {
    const v5 = await rawConnected(lb.port(0), 5, { clientId: uid('big5') });
    v5.send({ cmd: 'publish', topic: 't/big', payload: Buffer.alloc(2000, 0x61), qos: 0, retain: false, dup: false } as IPublishPacket);
    await v5.closedByBroker();
    const d = v5.packets.find((p) => p.cmd === 'disconnect') as IDisconnectPacket | undefined;
    assert.equal(d?.reasonCode, 0x95);
    await lb.waitLog(/exceeds max_packet_size 1024/);

    const v4 = await rawConnected(lb.port(0), 4, { clientId: uid('big4') });
    v4.send({ cmd: 'publish', topic: 't/big', payload: Buffer.alloc(2000, 0x61), qos: 0, retain: false, dup: false } as IPublishPacket);
    await v4.closedByBroker();
    assert.deepEqual(v4.packets.map((p) => p.cmd), []); // no DISCONNECT in 3.1.1
  });

  test('the same 2000-byte PUBLISH passes on the other listener and is delivered', async () => {
    const topic = uid('t/big');
    const sub = await rawConnected(lb.port(1), 5, { clientId: uid('sub') });
    await rawSubscribe(sub, topic, 1);
    const pub = await rawConnected(lb.port(1), 5, { clientId: uid('pub') });
    const ack = await rawPublish(pub, topic, Buffer.alloc(2000, 0x62), 1);
    assert.equal((ack as { reasonCode?: number } | undefined)?.reasonCode ?? 0, 0);
    const got = await nextPublish(sub);
    assert.equal(got.payload.length, 2000);
    // and a packet above the global limit is still refused there
    pub.send({ cmd: 'publish', topic, payload: Buffer.alloc(GLOBAL, 0x63), qos: 0, retain: false, dup: false } as IPublishPacket);
    await pub.closedByBroker();
    assert.equal((pub.packets.find((p) => p.cmd === 'disconnect') as IDisconnectPacket | undefined)?.reasonCode, 0x95);
    sub.destroy();
  });

  test('WebSocket listener: a message above its max_packet_size closes the WebSocket (1009)', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${lb.port(2)}/`, ['mqtt']);
    ws.on('error', () => undefined);
    await waitEvent(ws as never, 'open');
    const firstMessage = waitEvent<Buffer>(ws as never, 'message');
    ws.send(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: uid('ws'), clean: true, keepalive: 0 }));
    const connack = mqttPacket.parser({ protocolVersion: 5 });
    const parsed = new Promise<mqttPacket.IConnackPacket>((resolve) => connack.once('packet', resolve));
    connack.parse(await firstMessage);
    assert.equal((await parsed).properties?.maximumPacketSize, SMALL);
    const closed = waitEvent<number>(ws as never, 'close');
    ws.send(mqttPacket.generate({ cmd: 'publish', topic: 't/ws', payload: Buffer.alloc(2000, 0x61), qos: 0, retain: false, dup: false }));
    assert.equal(await closed, 1009);
  });
});
