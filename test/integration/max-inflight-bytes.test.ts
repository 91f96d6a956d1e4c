/**
 * mqtt.max_inflight_bytes (mosquitto max_inflight_bytes): a QoS 1/2
 * message goes in flight only while fewer payload bytes than the limit are
 * unacknowledged (db__ready_for_flight); the rest waits in the queue until
 * a PUBACK frees room. Raw socket, exact bytes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from '../helpers/broker.js';
import { mqttString, uid } from '../helpers/lifecycle.js';
import { RawClient } from '../helpers/raw-client.js';

/** QoS 1 PUBLISH as the broker sends it to a 3.1.1 client. */
const publish1 = (topic: string, id: number, payload: string): number[] => {
  const body = [...mqttString(topic), id >> 8, id & 0xff, ...Buffer.from(payload)];
  return [0x32, body.length, ...body];
};

describe('max_inflight_bytes', () => {
  test('10 bytes: two 6-byte messages go out (0 then 6 in flight, both under 10), the third waits for a PUBACK', async () => {
    const tb = await startBroker({ mqtt: { max_inflight_bytes: 10 } });
    const topic = uid('t/ib');
    const sub = await RawClient.connect(tb.port, 4);
    const pub = await RawClient.connect(tb.port, 4);
    try {
      await sub.connect();
      const s = [0x00, 0x01, ...mqttString(topic), 0x01];
      sub.write([0x82, s.length, ...s]);
      await sub.next('suback');
      let from = sub.bytes().length;
      await pub.connect();
      for (const [i, p] of ['first.', 'second', 'third.'].entries()) {
        const body = [...mqttString(topic), 0x00, i + 1, ...Buffer.from(p)];
        pub.write([0x32, body.length, ...body]);
        await pub.next('puback'); // routed: what can go out to the subscriber has been written
      }
      assert.deepEqual(await sub.bytesThroughPing(from), [...publish1(topic, 1, 'first.'), ...publish1(topic, 2, 'second'), 0xd0, 0x00]);
      from = sub.bytes().length;
      sub.write([0x40, 0x02, 0x00, 0x01]); // PUBACK 1: 6 bytes in flight, under 10; handled before the PINGREQ
      assert.deepEqual(await sub.bytesThroughPing(from), [...publish1(topic, 3, 'third.'), 0xd0, 0x00]);
    } finally {
      sub.destroy();
      pub.destroy();
      await tb.stop();
    }
  });
});
