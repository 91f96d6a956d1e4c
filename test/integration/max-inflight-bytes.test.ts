/**
 * mqtt.max_inflight_bytes (mosquitto max_inflight_bytes): a QoS 1/2
 * message goes in flight only while fewer payload bytes than the limit are
 * unacknowledged (db__ready_for_flight); the rest waits in the queue until
 * a PUBACK frees room. A QoS 0 message is dropped meanwhile when no message
 * count limits the queue (max_queued_messages 0), as there. Raw socket,
 * exact bytes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MidgeConfig } from '../../src/config/types.js';
import { startBroker } from '../helpers/broker.js';
import { mqttString, uid } from '../helpers/lifecycle.js';
import { RawClient } from '../helpers/raw-client.js';

/** QoS 1 PUBLISH as the broker sends it to a 3.1.1 client. */
const publish1 = (topic: string, id: number, payload: string): number[] => {
  const body = [...mqttString(topic), id >> 8, id & 0xff, ...Buffer.from(payload)];
  return [0x32, body.length, ...body];
};

/** QoS 0 PUBLISH as the broker sends it to a 3.1.1 client (and as a client sends it). */
const publish0 = (topic: string, payload: string): number[] => {
  const body = [...mqttString(topic), ...Buffer.from(payload)];
  return [0x30, body.length, ...body];
};

/** A broker with `mqtt`, a 3.1.1 subscriber to `topic` at QoS 1 and a connected publisher, for `run`. */
async function withPair(mqtt: Partial<MidgeConfig['mqtt']>, run: (sub: RawClient, pub: RawClient, topic: string) => Promise<void>): Promise<void> {
  const tb = await startBroker({ mqtt });
  const topic = uid('t/ib');
  const sub = await RawClient.connect(tb.port, 4);
  const pub = await RawClient.connect(tb.port, 4);
  try {
    await sub.connect();
    const s = [0x00, 0x01, ...mqttString(topic), 0x01];
    sub.write([0x82, s.length, ...s]);
    await sub.next('suback');
    await pub.connect();
    await run(sub, pub, topic);
  } finally {
    sub.destroy();
    pub.destroy();
    await tb.stop();
  }
}

/** QoS 1 PUBLISHes `payloads` (ids 1, 2, ...), each routed (PUBACK) before the next; returns the subscriber's bytes through a PINGRESP. */
async function publishQos1(sub: RawClient, pub: RawClient, topic: string, payloads: string[]): Promise<number[]> {
  const from = sub.bytes().length;
  for (const [i, p] of payloads.entries()) {
    const body = [...mqttString(topic), 0x00, i + 1, ...Buffer.from(p)];
    pub.write([0x32, body.length, ...body]);
    await pub.next('puback'); // routed: what can go out to the subscriber has been written
  }
  return sub.bytesThroughPing(from);
}

/** A QoS 0 PUBLISH, routed (the publisher's PINGRESP follows it); returns the subscriber's bytes through a PINGRESP. */
async function publishQos0(sub: RawClient, pub: RawClient, topic: string, payload: string): Promise<number[]> {
  const from = sub.bytes().length;
  pub.write(publish0(topic, payload));
  await pub.bytesThroughPing(pub.bytes().length);
  return sub.bytesThroughPing(from);
}

describe('max_inflight_bytes', () => {
  test('10 bytes: two 6-byte messages go out (0 then 6 in flight, both under 10), the third waits for a PUBACK', async () => {
    await withPair({ max_inflight_bytes: 10 }, async (sub, pub, topic) => {
      assert.deepEqual(await publishQos1(sub, pub, topic, ['first.', 'second', 'third.']), [...publish1(topic, 1, 'first.'), ...publish1(topic, 2, 'second'), 0xd0, 0x00]);
      const from = sub.bytes().length;
      sub.write([0x40, 0x02, 0x00, 0x01]); // PUBACK 1: 6 bytes in flight, under 10; handled before the PINGREQ
      assert.deepEqual(await sub.bytesThroughPing(from), [...publish1(topic, 3, 'third.'), 0xd0, 0x00]);
    });
  });

  test('QoS 0 with max_queued_messages 0: dropped while the unacknowledged bytes reach the limit, sent once a PUBACK frees them (mosquitto db__ready_for_flight)', async () => {
    await withPair({ max_inflight_bytes: 10, max_queued_messages: 0 }, async (sub, pub, topic) => {
      assert.deepEqual(await publishQos1(sub, pub, topic, ['twelve bytes']), [...publish1(topic, 1, 'twelve bytes'), 0xd0, 0x00]);
      assert.deepEqual(await publishQos0(sub, pub, topic, 'while full'), [0xd0, 0x00]);
      sub.write([0x40, 0x02, 0x00, 0x01]); // PUBACK 1: nothing in flight
      assert.deepEqual(await publishQos0(sub, pub, topic, 'room again'), [...publish0(topic, 'room again'), 0xd0, 0x00]);
    });
  });

  test('QoS 0 with a message count limit (max_queued_messages 1000) and no byte limit: sent whatever is in flight (as mosquitto)', async () => {
    await withPair({ max_inflight_bytes: 10, max_queued_messages: 1000 }, async (sub, pub, topic) => {
      assert.deepEqual(await publishQos1(sub, pub, topic, ['twelve bytes']), [...publish1(topic, 1, 'twelve bytes'), 0xd0, 0x00]);
      assert.deepEqual(await publishQos0(sub, pub, topic, 'while full'), [...publish0(topic, 'while full'), 0xd0, 0x00]);
    });
  });
});
