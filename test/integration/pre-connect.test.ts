/**
 * Before CONNECT a client is not authenticated, so its bytes must cost
 * little: a first byte that is not CONNECT closes the connection at once
 * [MQTT-3.1.0-1], and a CONNECT announcing more than mosquitto's 100,000
 * byte limit is refused from its fixed header, whatever max_packet_size
 * (256 MB by default) allows.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import mqttPacket, { type IConnackPacket } from 'mqtt-packet';
import { MAX_CONNECT_REMAINING } from '../../src/broker/decode/frame.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { assertRoundTrip, uid } from '../helpers/lifecycle.js';
import { RawClient } from '../helpers/raw-client.js';

/** The Remaining Length in a packet's fixed header. */
function remainingLength(packet: Buffer): number {
  let value = 0;
  for (let i = 1, shift = 1; ; i++, shift *= 128) {
    value += (packet[i]! & 0x7f) * shift;
    if ((packet[i]! & 0x80) === 0) return value;
  }
}

/** A v5 CONNECT whose Remaining Length is exactly `remaining`, padded with two user properties. */
function connectOfRemainingLength(remaining: number): Buffer {
  const build = (pad: number): Buffer => {
    const half = Math.floor(pad / 2);
    const userProperties = { a: 'x'.repeat(half), b: 'y'.repeat(pad - half) };
    return mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: uid('big'), clean: true, keepalive: 60, properties: { userProperties } });
  };
  let pad = remaining - remainingLength(build(0));
  pad -= remainingLength(build(pad)) - remaining; // the Property Length grew by a byte or two
  const packet = build(pad);
  assert.equal(remainingLength(packet), remaining, 'the test packet has the intended Remaining Length');
  return packet;
}

describe('before CONNECT', () => {
  let tb: TestBroker;
  before(async () => {
    // default max_packet_size (256 MB); connect_timeout long enough that only the fix can close these sockets in time
    tb = await startBroker({ mqtt: { connect_timeout: 600 } });
  });
  after(async () => {
    await tb.stop();
  });

  test('[MQTT-3.1.0-1] a PUBLISH header (30 80 80 80 74) as the first bytes is refused at once, not buffered: closed, nothing sent', async () => {
    const rc = await RawClient.connect(tb.port, 4);
    rc.write([0x30, 0x80, 0x80, 0x80, 0x74]); // announces a 244 MB body
    await rc.closedByBroker();
    assert.equal(rc.bytes().length, 0);
    await assertRoundTrip(tb.port, 4);
  });

  test('a CONNECT announcing more than 100,000 bytes (10 A1 8D 06) is closed from its header, without CONNACK', async () => {
    const rc = await RawClient.connect(tb.port, 4);
    rc.write([0x10, 0xa1, 0x8d, 0x06]); // Remaining Length 100,001
    await rc.closedByBroker();
    assert.equal(rc.bytes().length, 0);
  });

  test('a CONNECT of exactly 100,000 bytes Remaining Length is accepted', async () => {
    const rc = await RawClient.connect(tb.port, 5);
    rc.write(connectOfRemainingLength(MAX_CONNECT_REMAINING));
    const connack = (await rc.next('connack')) as IConnackPacket;
    assert.equal(connack.reasonCode, 0);
    rc.destroy();
  });
});
