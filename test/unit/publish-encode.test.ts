import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt-packet';
import { encodePublish, encodeQos0Shared } from '../../src/broker/publish-encode.js';
import type { StoredMessage } from '../../src/persistence/types.js';
import { Rng } from '../helpers/prng.js';

const TOPIC_CHARS = ['a', 'b', '/', 'z', '0', 'é', '温', '𝄞', '-', ' '];

describe('PUBLISH fast encoder', () => {
  test('gives the same bytes as mqtt-packet for random topics, payload sizes, flags and versions', () => {
    const rng = new Rng(0x5eed8);
    // payload sizes cross every Remaining Length boundary (1, 2, 3 varint bytes)
    const sizes = [0, 1, 100, 120, 127, 128, 16_000, 16_383, 16_384, 20_000, 2_097_200];
    for (let i = 0; i < 400; i++) {
      const topic = Array.from({ length: rng.int(1, 40) }, () => rng.pick(TOPIC_CHARS)).join('');
      const size = i < sizes.length ? sizes[i]! : rng.int(0, 3000);
      const payload = Buffer.alloc(size, i & 0xff);
      const qos = rng.int(0, 2) as 0 | 1 | 2;
      const retain = rng.chance(0.5);
      const dup = qos > 0 && rng.chance(0.3);
      const messageId = rng.int(1, 65535);
      const version = rng.pick([3, 4, 5] as const);
      const expected = mqtt.generate({ cmd: 'publish', topic, payload, qos, retain, dup, messageId }, { protocolVersion: version });
      const actual = encodePublish(topic, payload, qos, retain, dup, messageId, version === 5);
      assert.ok(actual.equals(expected), `case ${i}: topic ${JSON.stringify(topic)} size ${size} qos ${qos} v${version}`);
    }
  });

  test('QoS 0 bytes are shared within one message and never reused for another', () => {
    const m1: StoredMessage = { topic: 't/1', payload: Buffer.from('one'), qos: 0, retain: false, receivedAt: 0 };
    const m2: StoredMessage = { topic: 't/1', payload: Buffer.from('two'), qos: 0, retain: false, receivedAt: 0 };
    const a = encodeQos0Shared(m1, false, false);
    assert.equal(encodeQos0Shared(m1, false, false), a, 'same message, same flags: the same buffer');
    assert.notEqual(encodeQos0Shared(m1, true, false), a, 'retain flag differs');
    assert.ok(encodeQos0Shared(m1, false, true).equals(encodePublish('t/1', m1.payload, 0, false, false, 0, true)));
    const b = encodeQos0Shared(m2, false, false);
    assert.ok(b.equals(encodePublish('t/1', m2.payload, 0, false, false, 0, false)));
    assert.ok(!a.equals(b));
  });
});
