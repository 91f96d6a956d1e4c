import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_CONNECT_REMAINING, SizeGuard } from '../../src/broker/size-guard.js';
import { MalformedPacketError, PacketTooLargeError, ProtocolError } from '../../src/errors.js';

/** A PUBLISH-like packet of exactly `total` bytes (fixed header included). */
function packet(total: number): Buffer {
  for (let lenBytes = 1; lenBytes <= 4; lenBytes++) {
    const remaining = total - 1 - lenBytes;
    if (remaining < 0) break;
    const enc: number[] = [];
    let x = remaining;
    do {
      let b = x % 128;
      x = Math.floor(x / 128);
      if (x > 0) b |= 0x80;
      enc.push(b);
    } while (x > 0);
    if (enc.length === lenBytes) return Buffer.concat([Buffer.from([0x30, ...enc]), Buffer.alloc(remaining, 0x61)]);
  }
  throw new Error(`no encoding for ${total}`);
}

/** Feed `bytes` to a guard in chunks of `size`; return the first non -1 result. */
function feed(guard: SizeGuard, bytes: Buffer, size: number): number {
  for (let i = 0; i < bytes.length; i += size) {
    const r = guard.check(bytes.subarray(i, i + size));
    if (r >= 0) return r;
  }
  return -1;
}

describe('SizeGuard', () => {
  test('accepts packets up to the limit and reports the first larger one with its total size', () => {
    for (const total of [2, 127 + 2, 128 + 3, 1000]) {
      assert.equal(new SizeGuard(1000).check(packet(total)), total > 1000 ? total : -1, `total ${total}`);
    }
    assert.equal(new SizeGuard(1000).check(packet(1001)), 1001);
  });

  test('finds an oversized packet from its header alone, before the body arrives', () => {
    assert.equal(new SizeGuard(1024).check(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f])), 268435455 + 5);
    assert.equal(new SizeGuard(1024).check(Buffer.from([0x30, 0x81, 0x08])), 1 + 2 + 1025); // remaining 1 + 8 x 128
  });

  test('gives the same answer whatever the chunking (1, 2, 3, 7 and 64 byte chunks)', () => {
    const stream = Buffer.concat([packet(2), packet(300), packet(129), packet(1000), packet(5), packet(1001), packet(2)]);
    for (const size of [1, 2, 3, 7, 64, stream.length]) {
      assert.equal(feed(new SizeGuard(1000), stream, size), 1001, `chunk size ${size}`);
    }
  });

  test('tracks many packets in one chunk and across chunks without drift', () => {
    const guard = new SizeGuard(200);
    const stream = Buffer.concat(Array.from({ length: 500 }, (_, i) => packet(2 + (i % 127))));
    assert.equal(feed(guard, stream, 97), -1);
    assert.equal(guard.check(packet(201)), 201);
  });

  test('[MQTT-1.5.5-1] a remaining length of more than 4 bytes throws MalformedPacketError', () => {
    assert.throws(() => new SizeGuard(0).check(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])), MalformedPacketError);
    const split = new SizeGuard(0);
    assert.equal(split.check(Buffer.from([0x30, 0xff, 0xff])), -1);
    assert.throws(() => split.check(Buffer.from([0xff, 0xff])), MalformedPacketError);
  });

  test('a remaining length of exactly 4 bytes is fine with no limit', () => {
    assert.equal(new SizeGuard(0).check(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f])), -1);
  });

  test('limit 0 means no limit beyond the protocol', () => {
    assert.equal(feed(new SizeGuard(0), Buffer.concat([packet(5000), packet(70000)]), 4096), -1);
  });

  test('[MQTT-3.1.0-1] connectFirst: a first byte other than CONNECT throws at once, whatever the chunking', () => {
    assert.throws(() => new SizeGuard(0, true).check(Buffer.from([0x30])), ProtocolError);
    assert.throws(() => new SizeGuard(0, true).check(Buffer.from([0xc0, 0x00])), ProtocolError);
    const ok = new SizeGuard(0, true);
    assert.equal(ok.check(Buffer.from([0x10, 0x02, 0x00, 0x00])), -1);
    assert.equal(ok.check(packet(5)), -1, 'only the first packet must be CONNECT');
  });

  test('connectFirst: a CONNECT above MAX_CONNECT_REMAINING throws from its header, even with no other limit', () => {
    const header = (n: number): Buffer => Buffer.from([0x10, (n & 0x7f) | 0x80, ((n >> 7) & 0x7f) | 0x80, n >> 14]);
    assert.equal(new SizeGuard(0, true).check(header(MAX_CONNECT_REMAINING)), -1);
    assert.throws(() => new SizeGuard(0, true).check(header(MAX_CONNECT_REMAINING + 1)), PacketTooLargeError);
    const split = new SizeGuard(0, true);
    assert.equal(split.check(header(MAX_CONNECT_REMAINING + 1).subarray(0, 3)), -1);
    assert.throws(() => split.check(header(MAX_CONNECT_REMAINING + 1).subarray(3)), PacketTooLargeError);
    assert.equal(new SizeGuard(50, true).check(header(1000)), 1004, 'a smaller max_packet_size still applies');
  });
});
