import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt-packet';
import type { IPublishPacket, Packet } from 'mqtt-packet';
import { decodePublishes, isCutPublish } from '../../src/broker/publish-decode.js';
import { Rng } from '../helpers/prng.js';
import { referenceParse } from '../helpers/reference-parse.js';

const TOPIC_CHARS = ['a', 'b', '/', 'z', '0', 'é', '温', '𝄞', '-', ' '];

function sink(): { packets: IPublishPacket[]; problems: string[]; onPacket(p: IPublishPacket): void; onStringProblem(p: string): void } {
  const s = {
    packets: [] as IPublishPacket[],
    problems: [] as string[],
    onPacket: (p: IPublishPacket) => void s.packets.push(p),
    onStringProblem: (p: string) => void s.problems.push(p),
  };
  return s;
}

const reference = referenceParse;

describe('PUBLISH fast decoder', () => {
  test('decodes what mqtt-packet decodes, for random packets in one chunk', () => {
    const rng = new Rng(0xdec0de);
    for (let i = 0; i < 300; i++) {
      const version = rng.pick([3, 4, 5] as const);
      const packets = Array.from({ length: rng.int(1, 5) }, (_, k) => {
        const qos = rng.int(0, 2) as 0 | 1 | 2;
        return {
          cmd: 'publish' as const,
          topic: Array.from({ length: rng.int(1, 30) }, () => rng.pick(TOPIC_CHARS)).join(''),
          payload: Buffer.alloc(rng.pick([0, 1, 64, 127, 128, 1000, 20_000]), k + 1),
          qos,
          retain: rng.chance(0.5),
          dup: qos > 0 && rng.chance(0.3),
          ...(qos > 0 ? { messageId: rng.int(1, 65535) } : {}),
        };
      });
      const bytes = Buffer.concat(packets.map((p) => mqtt.generate(p, { protocolVersion: version })));
      const s = sink();
      assert.equal(decodePublishes(bytes, version === 5, s), bytes.length, `case ${i}`);
      assert.deepEqual(s.packets.map((p) => ({ ...p })), reference(bytes, version), `case ${i}`);
    }
  });

  test('stops at a packet it does not handle, leaving it and the rest to mqtt-packet', () => {
    const pub = mqtt.generate({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 1, messageId: 7, retain: false, dup: false });
    const ping = mqtt.generate({ cmd: 'pingreq' });
    const s = sink();
    assert.equal(decodePublishes(Buffer.concat([pub, ping, pub]), false, s), pub.length, 'another packet type');
    assert.equal(s.packets.length, 1);
    assert.equal(decodePublishes(Buffer.concat([pub, pub.subarray(0, pub.length - 1)]), false, sink()), pub.length, 'cut by the chunk end');
    assert.equal(decodePublishes(pub.subarray(0, 1), false, sink()), 0, 'only the first byte');
    const withProps = mqtt.generate({ cmd: 'publish', topic: 'a', payload: Buffer.from('x'), qos: 0, retain: false, dup: false, properties: { contentType: 'text/plain' } }, { protocolVersion: 5 });
    assert.equal(decodePublishes(withProps, true, sink()), 0, 'v5 properties');
    const qos3 = Buffer.from(pub);
    qos3[0] = 0x36;
    assert.equal(decodePublishes(qos3, false, sink()), 0, 'QoS 3');
    const badLength = Buffer.from(pub);
    badLength[3] = 200; // topic longer than the packet
    assert.equal(decodePublishes(badLength, false, sink()), 0, 'topic length beyond the packet');
  });

  test('refuses ill-formed UTF-8 and U+0000 in the topic', () => {
    for (const [topic, problem] of [
      [Buffer.from([0x61, 0xc3]), 'ill-formed UTF-8 string'],
      [Buffer.from([0xed, 0xa0, 0x80]), 'ill-formed UTF-8 string'], // an encoded surrogate
      [Buffer.from([0x61, 0x00, 0x62]), 'UTF-8 string contains U+0000'],
    ] as const) {
      const bytes = Buffer.concat([Buffer.from([0x30, 2 + topic.length + 1, 0, topic.length]), topic, Buffer.from('p')]);
      const s = sink();
      assert.equal(decodePublishes(bytes, false, s), -1);
      assert.deepEqual(s.problems, [problem]);
      assert.equal(s.packets.length, 0);
    }
  });

  test('tells a PUBLISH cut by the chunk end from a complete or unsupported packet', () => {
    const pub = mqtt.generate({ cmd: 'publish', topic: 'a/b', payload: Buffer.alloc(300), qos: 1, messageId: 7, retain: false, dup: false });
    for (let cut = 1; cut < pub.length; cut++) assert.equal(isCutPublish(pub.subarray(0, cut), 0), true, `cut at ${cut}`);
    assert.equal(isCutPublish(pub, 0), false, 'complete');
    assert.equal(isCutPublish(Buffer.concat([Buffer.from([0xc0, 0]), pub.subarray(0, 5)]), 2), true, 'at an offset');
    assert.equal(isCutPublish(Buffer.from([0xc0]), 0), false, 'another packet type');
    assert.equal(isCutPublish(Buffer.from([0x36, 10, 0]), 0), false, 'QoS 3');
    assert.equal(isCutPublish(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 1]), 0), false, 'five length bytes');
  });
});
