/**
 * The bridge bit of the protocol level (0x83 / 0x84), as mosquitto reads it:
 * a 3.1/3.1.1 CONNECT with bit 7 set is a bridge, and its subscriptions are
 * no-local and retain-as-published (handle_connect.c is_bridge,
 * handle_subscribe.c). Raw socket, exact bytes in and out.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { mqttString, uid } from '../helpers/lifecycle.js';
import { RawClient } from '../helpers/raw-client.js';

/** CONNECT, clean session, keepalive 60, protocol `level` byte exactly as given. */
function connectBytes(level: number, clientId: string): number[] {
  const body = [...mqttString('MQTT'), level, 0x02, 0, 60, ...mqttString(clientId)];
  return [0x10, body.length, ...body];
}

/** PUBLISH QoS 0 with the retain flag as given. */
function publishBytes(topic: string, payload: string, retain: boolean): number[] {
  const body = [...mqttString(topic), ...Buffer.from(payload)];
  return [retain ? 0x31 : 0x30, body.length, ...body];
}

describe('bridge protocol bit (0x84): no-local and retain-as-published subscriptions, as mosquitto', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.stop();
  });

  /** Connects at `level`, subscribes to `topic` QoS 0, returns the client with its bytes so far consumed. */
  async function subscriber(level: number, topic: string): Promise<RawClient> {
    const rc = await RawClient.connect(tb.port, 4);
    rc.write(connectBytes(level, uid('b')));
    await rc.next('connack');
    const body = [0x00, 0x01, ...mqttString(topic), 0x00];
    rc.write([0x82, body.length, ...body]);
    await rc.next('suback');
    assert.deepEqual([...rc.bytes()], [0x20, 0x02, 0x00, 0x00, 0x90, 0x03, 0x00, 0x01, 0x00]);
    return rc;
  }

  test('a bridge (0x84) gets none of its own messages back; a plain 3.1.1 client (0x04) does', async () => {
    const topic = uid('t/nl');
    const bridge = await subscriber(0x84, topic);
    const plain = await subscriber(0x04, topic);
    try {
      let from = bridge.bytes().length;
      bridge.write(publishBytes(topic, 'from-bridge', false));
      assert.deepEqual(await bridge.bytesThroughPing(from), [0xd0, 0x00]);
      from = plain.bytes().length;
      plain.write(publishBytes(topic, 'from-plain', false));
      assert.deepEqual(await plain.bytesThroughPing(from), [...publishBytes(topic, 'from-plain', false), 0xd0, 0x00]);
    } finally {
      bridge.destroy();
      plain.destroy();
    }
  });

  test('a bridge (0x84) gets a live retained message with retain set; a plain 3.1.1 client gets it with retain cleared', async () => {
    const topic = uid('t/rap');
    const bridge = await subscriber(0x84, topic);
    const plain = await subscriber(0x04, topic);
    const publisher = await RawClient.connect(tb.port, 4);
    try {
      await publisher.connect();
      const fromBridge = bridge.bytes().length;
      const fromPlain = plain.bytes().length;
      publisher.write(publishBytes(topic, 'kept', true));
      await bridge.next('publish');
      await plain.next('publish');
      assert.deepEqual(await bridge.bytesThroughPing(fromBridge), [...publishBytes(topic, 'kept', true), 0xd0, 0x00]);
      assert.deepEqual(await plain.bytesThroughPing(fromPlain), [...publishBytes(topic, 'kept', false), 0xd0, 0x00]);
      publisher.write(publishBytes(topic, '', true)); // clear the retained message
    } finally {
      bridge.destroy();
      plain.destroy();
      publisher.destroy();
    }
  });

  test('the bit is ignored with MQTT 5 (0x85), as mosquitto: the client gets its own message back', async () => {
    const topic = uid('t/v5');
    const rc = await RawClient.connect(tb.port, 5);
    try {
      const body = [...mqttString('MQTT'), 0x85, 0x02, 0, 60, 0x00, ...mqttString(uid('b5'))];
      rc.write([0x10, body.length, ...body]);
      await rc.next('connack');
      const sub = [0x00, 0x01, 0x00, ...mqttString(topic), 0x00];
      rc.write([0x82, sub.length, ...sub]);
      await rc.next('suback');
      const from = rc.bytes().length;
      const pub = [...mqttString(topic), 0x00, ...Buffer.from('own')];
      rc.write([0x30, pub.length, ...pub]);
      assert.deepEqual(await rc.bytesThroughPing(from), [0x30, pub.length, ...pub, 0xd0, 0x00]);
    } finally {
      rc.destroy();
    }
  });
});
