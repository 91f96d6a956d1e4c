/**
 * One row per rule of the inbound decoder: bytes -> the v5 reason code the
 * connection closes with (0x81 Malformed, 0x82 Protocol Error, 0x84 the
 * CONNACK 0x01 of an unsupported level, 0x95 too large), or bytes -> packet
 * where 3.1 is more lenient. Where mosquitto 2.0 decides, the code is its own.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IConnectPacket, Packet } from 'mqtt-packet';
import { decodeFrame, newStreamState, type StreamState } from '../../src/broker/decode/frame.js';
import { GatewayError, reasonCodeOf } from '../../src/errors.js';

const s = (text: string | number[]): number[] => {
  const b = typeof text === 'string' ? [...Buffer.from(text)] : text;
  return [b.length >> 8, b.length & 0xff, ...b];
};
const pkt = (first: number, body: number[]): Buffer => Buffer.from([first, body.length, ...body]);
/** CONNECT body: name, level, flags, keepalive 60, (v5: no properties), client id "c", then `rest`. */
const connect = (level: number, flags: number, rest: number[] = [], name = level === 3 ? 'MQIsdp' : 'MQTT'): Buffer =>
  pkt(0x10, [...s(name), level, flags, 0, 60, ...((level & 0x7f) === 5 ? [0] : []), ...s('c'), ...rest]);

function stream(version: 3 | 4 | 5 | 'new'): StreamState {
  const st = newStreamState(0);
  if (version !== 'new') Object.assign(st, { version, first: false });
  return st;
}

function decode(bytes: Buffer, version: 3 | 4 | 5 | 'new'): Packet {
  const packet = decodeFrame(bytes, 0, stream(version), { end: 0, need: 0 });
  assert.ok(packet, 'a complete packet');
  return packet;
}

function reasonOf(bytes: Buffer, version: 3 | 4 | 5 | 'new'): number | string {
  try {
    decode(bytes, version);
    return 'accepted';
  } catch (err) {
    assert.ok(err instanceof GatewayError, `a GatewayError, not ${String(err)}`);
    return reasonCodeOf(err);
  }
}

const M = 0x81;
const P = 0x82;
const RULES: Array<[string, 3 | 4 | 5 | 'new', Buffer, number]> = [
  // framing and fixed header
  ['[MQTT-2.1.3-1] reserved packet type 0 (mosquitto: Protocol Error)', 5, pkt(0x00, []), P],
  ['a server-only packet: CONNACK', 5, pkt(0x20, [0, 0]), P],
  ['a server-only packet: SUBACK', 4, pkt(0x90, [0, 1, 0]), P],
  ['a server-only packet: PINGRESP', 5, pkt(0xd0, []), P],
  ['AUTH below MQTT 5', 4, pkt(0xf0, [0x18, 0]), P],
  ['[MQTT-2.2.2-2] SUBSCRIBE with flags 0', 5, pkt(0x80, [0, 1, 0, ...s('a'), 0]), M],
  ['[MQTT-2.2.2-2] UNSUBSCRIBE with flags 0', 4, pkt(0xa0, [0, 1, ...s('a')]), M],
  ['[MQTT-2.2.2-2] PUBREL with flags 0', 4, pkt(0x60, [0, 1]), M],
  ['[MQTT-2.2.2-2] PUBACK with a flag set', 4, pkt(0x41, [0, 1]), M],
  ['[MQTT-2.2.2-2] PINGREQ with a flag set', 4, pkt(0xc1, []), M],
  ['[MQTT-2.2.2-2] 3.1.1 PUBREL with DUP', 4, pkt(0x6a, [0, 1]), M],
  ['3.1 SUBSCRIBE with DUP (mosquitto: Malformed at any level)', 3, pkt(0x8a, [0, 1, ...s('a'), 0]), M],
  ['[MQTT-3.3.1-4] PUBLISH QoS 3', 4, pkt(0x36, [...s('a'), 0, 1]), M],
  // strings
  ['[MQTT-1.5.4-1] ill-formed UTF-8 in a topic', 4, pkt(0x30, [...s([0x61, 0xff]), 0x78]), M],
  ['[MQTT-1.5.4-1] an encoded surrogate in a topic', 5, pkt(0x30, [...s([0xed, 0xa0, 0x80]), 0]), M],
  ['[MQTT-1.5.4-1] a truncated sequence in a long topic', 4, pkt(0x30, [...s([...Buffer.alloc(70, 0x61), 0xe2, 0x82])]), M],
  ['[MQTT-1.5.4-2] U+0000 in a topic', 4, pkt(0x30, [...s([0x61, 0x00]), 0x78]), M],
  ['[MQTT-1.5.4-2] U+0000 in a user property', 5, pkt(0x30, [...s('a'), 6, 0x26, ...s('k'), ...s([0])]), M],
  ['[MQTT-1.5.4-1] ill-formed UTF-8 in a client id', 'new', pkt(0x10, [...s('MQTT'), 4, 2, 0, 60, ...s([0x61, 0xed, 0xa0, 0x80])]), M],
  ['a topic longer than the packet', 4, pkt(0x30, [0, 9, 0x61]), M],
  // lengths
  ['PUBLISH QoS 1 without its packet identifier', 4, pkt(0x32, [...s('a'), 0]), M],
  ['[MQTT-2.2.2] v5 PUBLISH without its Property Length', 5, pkt(0x30, [...s('a')]), M],
  ['[MQTT-2.2.2] a property value past its property list', 5, pkt(0x30, [...s('a'), 2, 0x02, 0, 0, 0, 5, 0x78]), M],
  ['[MQTT-2.2.2] a property list past the packet', 5, pkt(0x30, [...s('a'), 9, 0x23, 0, 1]), M],
  ['[MQTT-1.5.5-1] a Property Length over 4 bytes', 5, pkt(0x30, [...s('a'), 0xff, 0xff, 0xff, 0xff, 0x01]), M],
  ['3.12 PINGREQ with remaining length 1', 4, pkt(0xc0, [0]), M],
  ['3.4 3.1.1 PUBACK with remaining length 3', 4, pkt(0x40, [0, 1, 0]), M],
  ['PUBACK with remaining length 1', 5, pkt(0x40, [0]), M],
  ['v5 PUBACK with bytes after its properties', 5, pkt(0x40, [0, 1, 0, 0, 9]), M],
  ['3.1.1 DISCONNECT with a body', 4, pkt(0xe0, [0]), M],
  ['v5 DISCONNECT with bytes after its properties (mosquitto: Protocol Error)', 5, pkt(0xe0, [0, 0, 9]), P],
  ['v5 UNSUBSCRIBE without its Property Length', 5, pkt(0xa2, [0, 1]), M],
  // properties
  ['2.2.2.2 an unknown property identifier', 5, pkt(0x30, [...s('a'), 2, 0x7f, 0]), M],
  ['2.2.2.2 SUBSCRIBE with Session Expiry Interval (mosquitto: Malformed in SUBSCRIBE)', 5, pkt(0x82, [0, 1, 5, 0x11, 0, 0, 0, 10, ...s('a'), 0]), M],
  ['2.2.2.2 PUBACK with Message Expiry Interval (mosquitto: Protocol Error)', 5, pkt(0x40, [0, 1, 0, 5, 0x02, 0, 0, 0, 10]), P],
  ['2.2.2.2 DISCONNECT with Payload Format Indicator (mosquitto: Protocol Error)', 5, pkt(0xe0, [0, 2, 0x01, 1]), P],
  ['2.2.2.2 PUBLISH with Session Expiry Interval', 5, pkt(0x30, [...s('a'), 5, 0x11, 0, 0, 0, 1]), P],
  ['a value cut short in a property not allowed: Malformed (mosquitto reads the whole list first)', 5, pkt(0x30, [...s('a'), 2, 0x1a, 0xca, 0x78]), M],
  ['a second Content Type cut short by the Property Length', 5, pkt(0x30, [...s('a'), 6, 0x03, ...s('a'), 0x03, 0]), M],
  ['a truncated Session Expiry Interval', 5, pkt(0xe0, [0, 2, 0x11, 0]), M],
  ['a property given twice', 5, pkt(0xe0, [0, 10, 0x11, 0, 0, 0, 1, 0x11, 0, 0, 0, 1]), P],
  ['[MQTT-3.3.2-4 sense] Payload Format Indicator 0xED', 5, pkt(0x30, [...s('a'), 2, 0x01, 0xed]), P],
  ['Request Problem Information 2 in CONNECT', 'new', pkt(0x10, [...s('MQTT'), 5, 2, 0, 60, 2, 0x17, 2, ...s('c')]), P],
  // reason codes
  ['PUBACK reason code 0x92 (mosquitto: Protocol Error)', 5, pkt(0x40, [0, 1, 0x92]), P],
  ['PUBREL reason code 0x10', 5, pkt(0x62, [0, 1, 0x10]), P],
  ['DISCONNECT reason code 0x8C', 5, pkt(0xe0, [0x8c]), M],
  ['AUTH reason code 0x01 (mosquitto: Protocol Error)', 5, pkt(0xf0, [0x01, 0]), P],
  // SUBSCRIBE options
  ['[MQTT-3.8.3-4] 3.1.1 subscription option bits 7-2', 4, pkt(0x82, [0, 1, ...s('a'), 0x04]), M],
  ['[MQTT-3.8.3-5] v5 subscription option bits 7-6', 5, pkt(0x82, [0, 1, 0, ...s('a'), 0x40]), M],
  ['3.8.3.1 Retain Handling 3', 5, pkt(0x82, [0, 1, 0, ...s('a'), 0x30]), M],
  ['SUBSCRIBE QoS 3', 4, pkt(0x82, [0, 1, ...s('a'), 3]), M],
  ['SUBSCRIBE filter without its options byte', 4, pkt(0x82, [0, 1, ...s('a')]), M],
  // CONNECT
  ['[MQTT-3.1.2-1] protocol name other than MQTT/MQIsdp', 'new', connect(4, 2, [], 'MQTX'), M],
  ['[MQTT-3.1.2-2] protocol level 6: CONNACK 0x01', 'new', connect(6, 2), 0x84],
  ['[MQTT-3.1.2-2] protocol level 0x83 with the bridge bit is level 3', 'new', connect(0x86, 2), 0x84],
  ['[MQTT-3.1.2-3] 3.1.1 reserved flag bit', 'new', connect(4, 3), M],
  ['[MQTT-3.1.2-13] 3.1.1 Will QoS without the Will Flag', 'new', connect(4, 0x0a), M],
  ['[MQTT-3.1.2-15] v5 Will Retain without the Will Flag', 'new', connect(5, 0x22), M],
  ['[MQTT-3.1.2-18] [MQTT-3.1.2-20] user name and password bytes without their flags', 'new', connect(4, 2, [...s('u'), ...s('p')]), M],
  ['CONNECT with the user name flag but no user name', 'new', connect(4, 0x82), M],
  ['CONNECT with the Will Flag but no will', 'new', connect(4, 0x06), M],
];

describe('inbound decoder rules', () => {
  for (const [rule, version, bytes, reason] of RULES) {
    test(`${rule}: 0x${reason.toString(16)}`, () => {
      assert.equal(reasonOf(bytes, version), reason);
    });
  }

  test('MQTT 3.1 leaves free what 3.1.1 reserved: CONNECT flag bit 0, Will bits without the Will Flag, empty user name/password, DUP on PUBREL', () => {
    const c = decode(connect(3, 0x02 | 0x01 | 0x18 | 0x20), 'new') as IConnectPacket;
    assert.deepEqual([c.protocolId, c.protocolVersion, c.clean, c.will], ['MQIsdp', 3, true, undefined]);
    const noName = decode(connect(3, 0x02 | 0x80 | 0x40), 'new') as IConnectPacket;
    assert.deepEqual([noName.username, noName.password], [undefined, undefined], 'user name and password flags with nothing left: ignored');
    assert.equal(reasonOf(connect(4, 0x02 | 0x80), 'new'), M, '3.1.1: the same is malformed');
    assert.deepEqual(decode(pkt(0x6a, [0, 5]), 3), { cmd: 'pubrel', retain: false, qos: 1, dup: true, length: 2, topic: null, payload: null, messageId: 5 });
  });

  test('v5 short forms: PUBACK of 2 bytes is reason 0, DISCONNECT and AUTH of 0 bytes are reason 0', () => {
    assert.equal((decode(pkt(0x40, [0, 1]), 5) as { reasonCode?: number }).reasonCode, 0);
    assert.equal((decode(pkt(0x40, [0, 1, 0x10]), 5) as { reasonCode?: number }).reasonCode, 0x10);
    assert.equal((decode(pkt(0xe0, []), 5) as { reasonCode?: number }).reasonCode, 0);
    assert.equal((decode(pkt(0xe0, [0x04]), 5) as { reasonCode?: number }).reasonCode, 4);
    assert.equal((decode(pkt(0xf0, []), 5) as { reasonCode?: number }).reasonCode, 0);
  });

  test('user properties: repeated names become arrays, a __proto__ name stays data', () => {
    const body = [...s('a'), 0, ...[0x26, ...s('k'), ...s('1'), 0x26, ...s('k'), ...s('2'), 0x26, ...s('__proto__'), ...s('x')]];
    body[3] = body.length - 4;
    const p = decode(pkt(0x30, body), 5) as { properties: { userProperties: Record<string, unknown> } };
    assert.deepEqual({ ...p.properties.userProperties }, { k: ['1', '2'], ['__proto__']: 'x' });
    assert.equal(Object.getPrototypeOf(p.properties.userProperties), null);
  });
});
