/**
 * The inbound decoder (src/broker/decode/): framing and size limits from the
 * fixed header, and for well-formed packets of every client-to-server type
 * and level the same objects mqtt-packet's parser makes from the same bytes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { decodeFrame, MAX_CONNECT_REMAINING, newStreamState, type StreamState } from '../../src/broker/decode/frame.js';
import { MalformedPacketError, PacketTooLargeError, ProtocolError } from '../../src/errors.js';
import { Rng } from '../helpers/prng.js';
import { referenceParse } from '../helpers/reference-parse.js';

/** Decode a byte stream fed in chunks of `size`, keeping a cut packet's bytes as the connection does. */
function decodeStream(bytes: Buffer, state: StreamState, size = bytes.length): Packet[] {
  const out: Packet[] = [];
  const next = { end: 0, need: 0 };
  let pending = Buffer.alloc(0);
  for (let i = 0; i < bytes.length; i += size) {
    let buf = Buffer.concat([pending, bytes.subarray(i, i + size)]);
    let at = 0;
    for (;;) {
      if (at >= buf.length) break;
      const p = decodeFrame(buf, at, state, next);
      if (p === undefined) break;
      out.push({ ...p });
      at = next.end;
    }
    pending = buf.subarray(at);
    buf = pending;
  }
  assert.equal(pending.length, 0, 'nothing left over');
  return out;
}

/** A connected stream at `version`. */
function connected(version: 3 | 4 | 5, maxPacketSize = 0, bridge = false): StreamState {
  const s = newStreamState(maxPacketSize);
  Object.assign(s, { version, first: false, bridge });
  return s;
}

/** A PUBLISH of exactly `total` bytes, fixed header included. */
function publishOf(total: number): Buffer {
  for (let lenBytes = 1; lenBytes <= 4; lenBytes++) {
    const remaining = total - 1 - lenBytes;
    const enc: number[] = [];
    let x = remaining;
    do {
      enc.push((x % 128) | (x >= 128 ? 0x80 : 0));
      x = Math.floor(x / 128);
    } while (x > 0);
    if (enc.length === lenBytes) return Buffer.concat([Buffer.from([0x30, ...enc, 0, 1, 0x61]), Buffer.alloc(remaining - 3, 0x62)]);
  }
  throw new Error(`no encoding for ${total}`);
}

const TOPIC_CHARS = ['a', 'b', '/', 'z', '0', 'é', '温', '𝄞', '-', ' '];

function randomPacket(rng: Rng, version: 3 | 4 | 5): Packet {
  const topic = (): string => Array.from({ length: rng.int(1, 20) }, () => rng.pick(TOPIC_CHARS)).join('');
  const v5 = version === 5;
  const userProperties = (): Record<string, string | string[]> => (rng.chance(0.5) ? { a: 'b', [topic()]: [topic(), topic()] } : { x: topic() });
  switch (rng.int(0, 6)) {
    case 0: {
      const qos = rng.int(0, 2) as 0 | 1 | 2;
      const properties = v5 && rng.chance(0.5) ? { payloadFormatIndicator: rng.chance(0.5), messageExpiryInterval: rng.int(1, 9999), contentType: topic(), responseTopic: 'r/' + rng.int(0, 9), correlationData: Buffer.from([1, 2, 3]), topicAlias: rng.int(1, 10), userProperties: userProperties() } : undefined;
      return { cmd: 'publish', topic: topic(), payload: Buffer.alloc(rng.pick([0, 1, 127, 128, 2000]), 7), qos, retain: rng.chance(0.5), dup: qos > 0 && rng.chance(0.3), ...(qos > 0 ? { messageId: rng.int(1, 65535) } : {}), ...(properties ? { properties } : {}) };
    }
    case 1: {
      const cmd = rng.pick(['puback', 'pubrec', 'pubrel', 'pubcomp'] as const);
      const codes = cmd === 'puback' || cmd === 'pubrec' ? [0, 0x10, 0x80, 0x97] : [0, 0x92];
      return { cmd, messageId: rng.int(1, 65535), ...(v5 ? { reasonCode: rng.pick(codes) } : {}), ...(v5 && rng.chance(0.3) ? { properties: { reasonString: topic(), userProperties: userProperties() } } : {}) } as Packet;
    }
    case 2:
      return {
        cmd: 'subscribe',
        messageId: rng.int(1, 65535),
        subscriptions: Array.from({ length: rng.int(1, 4) }, () => ({ topic: topic(), qos: rng.int(0, 2) as 0 | 1 | 2, ...(v5 ? { nl: rng.chance(0.5), rap: rng.chance(0.5), rh: rng.int(0, 2) } : {}) })),
        ...(v5 && rng.chance(0.5) ? { properties: { subscriptionIdentifier: rng.int(1, 268435455), userProperties: userProperties() } } : {}),
      };
    case 3:
      return { cmd: 'unsubscribe', messageId: rng.int(1, 65535), unsubscriptions: Array.from({ length: rng.int(1, 4) }, topic), ...(v5 && rng.chance(0.5) ? { properties: { userProperties: userProperties() } } : {}) };
    case 4:
      return { cmd: 'pingreq' };
    case 5:
      return v5 ? { cmd: 'disconnect', reasonCode: rng.pick([0, 4, 0x80]), ...(rng.chance(0.5) ? { properties: { sessionExpiryInterval: 0, reasonString: topic() } } : {}) } : { cmd: 'disconnect' };
    default:
      return v5 ? { cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'SCRAM', authenticationData: Buffer.from('xyz') } } : { cmd: 'pingreq' };
  }
}

describe('inbound decoder: framing', () => {
  test('a packet cut anywhere is decoded once its bytes are complete, whatever the chunking', () => {
    const stream = Buffer.concat([publishOf(2 + 3), publishOf(300), publishOf(129), publishOf(20_000), Buffer.from([0xc0, 0])]);
    for (const size of [1, 2, 3, 7, 64, 1448, stream.length]) {
      assert.deepEqual(decodeStream(stream, connected(4), size).map((p) => p.cmd), ['publish', 'publish', 'publish', 'publish', 'pingreq'], `chunks of ${size}`);
    }
  });

  test('an incomplete packet reports the bytes it needs once its Remaining Length is known', () => {
    const next = { end: 0, need: -1 };
    assert.equal(decodeFrame(Buffer.from([0x30, 0x81]), 0, connected(4), next), undefined);
    assert.equal(next.need, 0, 'Remaining Length not complete');
    assert.equal(decodeFrame(publishOf(300).subarray(0, 10), 0, connected(4), next), undefined);
    assert.equal(next.need, 300);
  });

  test('Maximum Packet Size (3.2.2.3.6): refused from the fixed header, exactly the limit accepted', () => {
    const next = { end: 0, need: 0 };
    assert.throws(() => decodeFrame(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]), 0, connected(4, 1024), next), PacketTooLargeError);
    assert.throws(() => decodeFrame(Buffer.from([0x30, 0x81, 0x08]), 0, connected(4, 1024), next), PacketTooLargeError); // 1 + 2 + 1025
    assert.equal(decodeStream(publishOf(1024), connected(4, 1024)).length, 1);
    assert.throws(() => decodeStream(publishOf(1025), connected(4, 1024)), PacketTooLargeError);
    assert.equal(decodeStream(publishOf(70_000), connected(4, 0)).length, 1, 'limit 0: the protocol maximum only');
  });

  test('[MQTT-1.5.5-1] a Remaining Length of more than 4 bytes is malformed, as soon as its 4th byte says more follows', () => {
    const next = { end: 0, need: 0 };
    assert.throws(() => decodeFrame(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff]), 0, connected(4), next), MalformedPacketError);
    assert.equal(decodeFrame(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]), 0, connected(4), next), undefined, '4 bytes: fine');
  });

  test('[MQTT-3.1.0-1] the first packet must be CONNECT, refused at its first byte; later packets need not wait for CONNACK', () => {
    const next = { end: 0, need: 0 };
    assert.throws(() => decodeFrame(Buffer.from([0x30]), 0, newStreamState(0), next), ProtocolError);
    assert.throws(() => decodeFrame(Buffer.from([0xc0, 0x00]), 0, newStreamState(0), next), ProtocolError);
    const connect = mqtt.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'a', clean: true, keepalive: 60 });
    const state = newStreamState(0);
    assert.deepEqual(decodeStream(Buffer.concat([connect, Buffer.from([0xc0, 0x00])]), state).map((p) => p.cmd), ['connect', 'pingreq']);
    assert.equal(state.version, 5, 'the CONNECT sets the level of what follows');
  });

  test('a first CONNECT above 100,000 bytes is refused from its header, even with no other limit', () => {
    const header = (n: number): Buffer => Buffer.from([0x10, (n & 0x7f) | 0x80, ((n >> 7) & 0x7f) | 0x80, n >> 14]);
    const next = { end: 0, need: 0 };
    assert.equal(decodeFrame(header(MAX_CONNECT_REMAINING), 0, newStreamState(0), next), undefined);
    assert.throws(() => decodeFrame(header(MAX_CONNECT_REMAINING + 1), 0, newStreamState(0), next), PacketTooLargeError);
    assert.throws(() => decodeFrame(header(1000), 0, newStreamState(50), next), PacketTooLargeError, 'a smaller max_packet_size still applies');
  });

  test('the bridge bit (0x80) in the protocol level: bridgeMode, and 3.1.1 subscriptions with mosquitto bridge options', () => {
    const connect = mqtt.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'br', clean: true, keepalive: 60, bridgeMode: true } as Packet);
    const state = newStreamState(0);
    const [packet] = decodeStream(connect, state);
    assert.deepEqual(packet, referenceParse(connect, 4)[0]);
    assert.equal(state.bridge, true);
    const sub = mqtt.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a', qos: 1 }] });
    assert.deepEqual(decodeStream(sub, state), referenceParse(Buffer.concat([connect, sub]), 4).slice(1));
  });
});

describe('inbound decoder: the same packets as mqtt-packet', () => {
  test('random packets of every client-to-server type at levels 3, 4 and 5, in one chunk and in small chunks', () => {
    const rng = new Rng(0xdec0de);
    for (let i = 0; i < 400; i++) {
      const version = rng.pick([3, 4, 5] as const);
      const packets = Array.from({ length: rng.int(1, 6) }, () => randomPacket(rng, version));
      const bytes = Buffer.concat(packets.map((p) => mqtt.generate(p, { protocolVersion: version })));
      const expected = referenceParse(bytes, version);
      assert.deepEqual(decodeStream(bytes, connected(version)), expected, `case ${i} v${version}`);
      assert.deepEqual(decodeStream(bytes, connected(version), rng.int(1, 50)), expected, `case ${i} v${version} chunked`);
    }
  });

  test('CONNECT at each level, with will, user name, password and properties', () => {
    const rng = new Rng(0xc0ec7);
    for (let i = 0; i < 200; i++) {
      const version = rng.pick([3, 4, 5] as const);
      const v5 = version === 5;
      const will = rng.chance(0.5)
        ? { topic: 'w/' + rng.int(0, 99), payload: Buffer.alloc(rng.int(0, 300), 1), qos: rng.int(0, 2) as 0 | 1 | 2, retain: rng.chance(0.5), ...(v5 && rng.chance(0.5) ? { properties: { willDelayInterval: 5, contentType: 'c', userProperties: { k: 'v' } } } : {}) }
        : undefined;
      const packet = {
        cmd: 'connect' as const,
        protocolId: version === 3 ? 'MQIsdp' : 'MQTT',
        protocolVersion: version,
        clientId: 'c' + rng.int(0, 9999),
        clean: rng.chance(0.5),
        keepalive: rng.int(0, 65535),
        ...(will ? { will } : {}),
        ...(rng.chance(0.5) ? { username: 'ü' + rng.int(0, 9) } : {}),
        ...(rng.chance(0.3) ? { password: Buffer.from('pw') } : {}),
        ...(v5 && rng.chance(0.5) ? { properties: { sessionExpiryInterval: 60, receiveMaximum: 10, maximumPacketSize: 2000, topicAliasMaximum: 5, requestProblemInformation: false, userProperties: { a: ['1', '2'] } } } : {}),
      };
      if (packet.password && !packet.username) continue; // mqtt-packet will not encode it
      const bytes = mqtt.generate(packet as Packet, { protocolVersion: version });
      assert.deepEqual(decodeStream(bytes, newStreamState(0)), referenceParse(bytes, 4), `case ${i}`);
    }
  });
});
