/**
 * The 4-byte acknowledgement codec against mqtt-packet: the same objects
 * from the same bytes (mixed with PUBLISHes in one chunk, as a QoS 1
 * subscriber's socket delivers them), the same bytes from the same packets,
 * and everything else left to mqtt-packet.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import mqtt from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { decodeShortAck, encodeShortAck, isCutShortAck } from '../../src/broker/ack-codec.js';
import { decodePublishes, isCutPublish } from '../../src/broker/publish-decode.js';
import { Rng } from '../helpers/prng.js';
import { referenceParse } from '../helpers/reference-parse.js';

const ACKS = ['puback', 'pubrec', 'pubrel', 'pubcomp'] as const;

const reference = referenceParse;

describe('acknowledgement fast codec', () => {
  test('decodes acks mixed with PUBLISHes exactly as mqtt-packet does', () => {
    const rng = new Rng(0xac4);
    for (let i = 0; i < 300; i++) {
      const version = rng.pick([4, 5] as const);
      const packets: Packet[] = Array.from({ length: rng.int(1, 8) }, (): Packet =>
        rng.chance(0.6)
          ? ({ cmd: rng.pick(ACKS), messageId: rng.int(0, 65535), ...(version === 5 ? { reasonCode: 0 } : {}) } as Packet)
          : { cmd: 'publish', topic: 't/' + rng.int(0, 99), payload: Buffer.alloc(rng.int(0, 40), 1), qos: 1, messageId: rng.int(1, 65535), retain: false, dup: false },
      );
      const bytes = Buffer.concat(packets.map((p) => mqtt.generate(p, { protocolVersion: version })));
      const got: Packet[] = [];
      const used = decodePublishes(bytes, version === 5, { onPacket: (p) => void got.push({ ...p }), onStringProblem: (m) => assert.fail(m) });
      assert.equal(used, bytes.length, `case ${i}`);
      assert.deepEqual(got, reference(bytes, version), `case ${i}`);
    }
  });

  test('leaves long forms, wrong flags and cut packets to mqtt-packet', () => {
    const long = mqtt.generate({ cmd: 'puback', messageId: 9, reasonCode: 0x10 }, { protocolVersion: 5 });
    assert.equal(decodeShortAck(long, 0, true), undefined, 'reason code and property length');
    assert.equal(decodeShortAck(Buffer.from([0x60, 2, 0, 1]), 0, false), undefined, 'PUBREL with flags 0000 [MQTT-3.6.1-1]');
    assert.equal(decodeShortAck(Buffer.from([0x41, 2, 0, 1]), 0, false), undefined, 'PUBACK with a flag set');
    assert.equal(decodeShortAck(Buffer.from([0x40, 2, 0]), 0, false), undefined, 'cut');
    assert.equal(decodeShortAck(Buffer.from([0x40, 3, 0, 1, 0]), 0, false), undefined, 'Remaining Length 3');
    for (let cut = 1; cut < 4; cut++) {
      assert.equal(isCutShortAck(Buffer.from([0x50, 2, 0, 1]).subarray(0, cut), 0), true, `cut at ${cut}`);
      assert.equal(isCutPublish(Buffer.from([0x70, 2, 0, 1]).subarray(0, cut), 0), true, `carried at ${cut}`);
    }
    assert.equal(isCutShortAck(Buffer.from([0x50, 2, 0, 1]), 0), false, 'complete');
    assert.equal(isCutShortAck(Buffer.from([0x50, 3, 0]), 0), false, 'a long form: not carried');
  });

  test('encodes mqtt-packet\'s bytes, mosquitto\'s short v5 forms, or declines', () => {
    const rng = new Rng(0xe4c);
    for (let i = 0; i < 500; i++) {
      const version = rng.pick([3, 4, 5] as const);
      const packet = {
        cmd: rng.pick(ACKS),
        messageId: rng.int(1, 65535),
        ...(rng.chance(0.7) ? { reasonCode: rng.pick([0, 0, 0x10, 0x80, 0x92]) } : {}),
        ...(rng.chance(0.1) ? { properties: { reasonString: 'x' } } : {}),
      } as Packet;
      const fast = encodeShortAck(packet, version === 5);
      const ref = version === 5 && !('properties' in packet) ? mosquittoShortForm(packet) : mqtt.generate(packet, { protocolVersion: version });
      if (fast) assert.deepEqual(fast, ref, `case ${i}: ${JSON.stringify(packet)} v${version}`);
      else assert.ok('properties' in packet, `case ${i}: declined only with properties`);
    }
    assert.equal(encodeShortAck({ cmd: 'pingresp' }, false), undefined);
    assert.deepEqual(encodeShortAck({ cmd: 'pubrel', messageId: 0x1234 }, false), Buffer.from([0x62, 2, 0x12, 0x34]));
  });
});

/** mosquitto's v5 acknowledgement without properties (lib/send_mosq.c): the reason code only when not 0x00. */
function mosquittoShortForm(packet: Packet): Buffer {
  const ack = packet as { cmd: (typeof ACKS)[number]; messageId: number; reasonCode?: number };
  const first = { puback: 0x40, pubrec: 0x50, pubrel: 0x62, pubcomp: 0x70 }[ack.cmd];
  const id = [ack.messageId >> 8, ack.messageId & 0xff];
  return Buffer.from(ack.reasonCode ? [first, 3, ...id, ack.reasonCode] : [first, 2, ...id]);
}
