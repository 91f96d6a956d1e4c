/** The short acknowledgement encoder against mqtt-packet and mosquitto: the same bytes from the same packets, or declined. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import mqtt from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { encodeShortAck, encodeShortDisconnect } from '../../src/broker/ack-codec.js';
import { Rng } from '../helpers/prng.js';

const ACKS = ['puback', 'pubrec', 'pubrel', 'pubcomp'] as const;

describe('acknowledgement short encoder', () => {
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

  test('v5 DISCONNECT without properties: `e0 01 rc` as mosquitto (mqtt-packet: `e0 02 rc 00`), and mqtt-packet reads it back', () => {
    const bytes = encodeShortDisconnect({ cmd: 'disconnect', reasonCode: 0x94 }, true)!;
    assert.deepEqual([...bytes], [0xe0, 0x01, 0x94]);
    const parser = mqtt.parser({ protocolVersion: 5 });
    const got: Packet[] = [];
    parser.on('packet', (p: Packet) => got.push(p));
    parser.parse(bytes);
    assert.deepEqual(got.map((p) => [p.cmd, (p as { reasonCode?: number }).reasonCode]), [['disconnect', 0x94]]);
    assert.deepEqual([...encodeShortDisconnect({ cmd: 'disconnect', reasonCode: 0 }, true)!], [0xe0, 0x00]);
    assert.equal(encodeShortDisconnect({ cmd: 'disconnect', reasonCode: 0x94, properties: { reasonString: 'why' } }, true), undefined);
    assert.equal(encodeShortDisconnect({ cmd: 'disconnect' }, false), undefined);
    assert.equal(encodeShortDisconnect({ cmd: 'pingresp' }, true), undefined);
  });
});

/** mosquitto's v5 acknowledgement without properties (lib/send_mosq.c): the reason code only when not 0x00. */
function mosquittoShortForm(packet: Packet): Buffer {
  const ack = packet as { cmd: (typeof ACKS)[number]; messageId: number; reasonCode?: number };
  const first = { puback: 0x40, pubrec: 0x50, pubrel: 0x62, pubcomp: 0x70 }[ack.cmd];
  const id = [ack.messageId >> 8, ack.messageId & 0xff];
  return Buffer.from(ack.reasonCode ? [first, 3, ...id, ack.reasonCode] : [first, 2, ...id]);
}
