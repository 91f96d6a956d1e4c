import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Packet } from 'mqtt-packet';
import { borrowParser, INITIAL_SETTINGS, returnParser, type ParserOwner } from '../../src/broker/parser-pool.js';

function owner(): ParserOwner & { packets: Packet[]; errors: Error[] } {
  const o = { packets: [] as Packet[], errors: [] as Error[], onPacket: (p: Packet) => o.packets.push(p), onParseError: (e: Error) => o.errors.push(e) };
  return o;
}

/** MQTT 5 CONNECT, clean start, keepalive 60, no properties, client id "a". */
const connect5 = Buffer.from([0x10, 14, 0, 4, 0x4d, 0x51, 0x54, 0x54, 5, 2, 0, 60, 0, 0, 1, 0x61]);
const pingreq = Buffer.from([0xc0, 0]);

describe('parser pool', () => {
  test('a parser is given back at a packet boundary, with the settings the owner keeps', () => {
    const a = owner();
    const p = borrowParser(a, INITIAL_SETTINGS);
    p.parse(connect5);
    assert.deepEqual([a.packets.length, a.errors.length], [1, 0]);
    const settings = returnParser(p);
    assert.equal(settings?.protocolVersion, 5);
    assert.notEqual(settings, a.packets[0], 'the CONNECT packet is not kept as settings');
    // the next borrower starts from its own settings, not the last owner's
    const b = owner();
    const q = borrowParser(b, INITIAL_SETTINGS);
    assert.equal(q.settings, INITIAL_SETTINGS);
    assert.equal(returnParser(q), INITIAL_SETTINGS);
  });

  test('a partial packet keeps the parser with its owner; two owners never share one', () => {
    const a = owner();
    const b = owner();
    const pa = borrowParser(a, INITIAL_SETTINGS);
    pa.parse(pingreq.subarray(0, 1));
    assert.equal(returnParser(pa), undefined, 'half a PINGREQ: not given back');
    const pb = borrowParser(b, INITIAL_SETTINGS);
    assert.notEqual(pa, pb);
    pb.parse(pingreq);
    pa.parse(pingreq.subarray(1));
    assert.deepEqual([a.packets.length, b.packets.length], [1, 1]);
    assert.ok(returnParser(pa) && returnParser(pb));
  });

  test('a failed parser is not given back', () => {
    const a = owner();
    const p = borrowParser(a, INITIAL_SETTINGS);
    p.parse(Buffer.from([0x00, 0x00]));
    assert.equal(a.errors.length, 1);
    assert.equal(returnParser(p), undefined);
    const q = borrowParser(a, INITIAL_SETTINGS);
    assert.notEqual(p, q);
  });
});
