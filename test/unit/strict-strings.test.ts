import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt-packet';
import type { IPublishPacket, Packet } from 'mqtt-packet';
import { installStrictStrings } from '../../src/broker/strict-strings.js';

function parse(bytes: number[]): { packets: Packet[]; errors: Error[]; problem: string | undefined } {
  const parser = mqtt.parser({ protocolVersion: 4 });
  const strict = installStrictStrings(parser);
  const packets: Packet[] = [];
  const errors: Error[] = [];
  parser.on('packet', (p: Packet) => packets.push(p));
  parser.on('error', (e: Error) => errors.push(e));
  parser.parse(Buffer.from(bytes));
  return { packets, errors, problem: strict.problem };
}

const publish = (topic: number[]) => [0x30, 2 + topic.length + 1, 0, topic.length, ...topic, 0x78];

describe('strict UTF-8 strings on the mqtt-packet parser', () => {
  test('well-formed topics parse exactly as before', () => {
    const topic = [...Buffer.from('a/é/€/𝄞')];
    const r = parse(publish(topic));
    assert.deepEqual([r.errors, r.problem], [[], undefined]);
    assert.equal((r.packets[0] as IPublishPacket).topic, 'a/é/€/𝄞');
    assert.equal((r.packets[0] as IPublishPacket).payload.toString(), 'x');
  });

  test('[MQTT-1.5.4-1] ill-formed UTF-8 (bad bytes, overlong, encoded surrogate) is flagged', () => {
    for (const bad of [[0x61, 0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
      assert.equal(parse(publish(bad)).problem, 'ill-formed UTF-8 string', JSON.stringify(bad));
    }
  });

  test('[MQTT-1.5.4-2] U+0000 is flagged', () => {
    assert.equal(parse(publish([0x61, 0x00])).problem, 'UTF-8 string contains U+0000');
  });

  test('a truncated string still fails the way mqtt-packet reports it', () => {
    const r = parse([0x30, 0x03, 0x00, 0x05, 0x61]);
    assert.equal(r.packets.length, 0);
    assert.equal(r.errors.length, 1);
  });
});
