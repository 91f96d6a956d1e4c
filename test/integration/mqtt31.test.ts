/**
 * MQTT 3.1 (protocol level 3, 'MQIsdp'), answered as mosquitto does: no
 * Session Present flag, DUP allowed on a resent PUBREL, no reserved CONNECT
 * flag bit, and a Client Identifier of at least one character.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { FLAG, mqttString, rawConnect, uid } from '../helpers/lifecycle.js';

const ACCEPTED = [0x20, 0x02, 0x00, 0x00];

/** A raw 3.1 connection after CONNECT with `flags`; resolves with the CONNACK bytes. */
async function connect31(port: number, flags: number, clientId: string): Promise<{ rc: RawClient; connack: number[] }> {
  const rc = await RawClient.connect(port, 3);
  rc.write(rawConnect({ name: 'MQIsdp', level: 3, flags, clientId }));
  await rc.next('connack');
  return { rc, connack: [...rc.bytes()] };
}

describe('MQTT 3.1 (protocol level 3)', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.stop();
  });

  test('a resumed 3.1 session gets CONNACK 20 02 00 00: the session present byte is reserved in 3.1', async () => {
    const clientId = uid('v31');
    const first = await connect31(tb.port, 0, clientId); // clean session 0
    assert.deepEqual(first.connack, ACCEPTED);
    first.rc.write([0xe0, 0x00]);
    await first.rc.closedByBroker();
    const again = await connect31(tb.port, 0, clientId);
    assert.deepEqual(again.connack, ACCEPTED);
    assert.ok(tb.broker.sessions.get(clientId)?.connection, 'the session was resumed');
    again.rc.destroy();
  });

  test('a 3.1 PUBREL resent with DUP (6A) is answered with PUBCOMP, the connection stays', async () => {
    const { rc } = await connect31(tb.port, FLAG.CLEAN, uid('v31'));
    const body = [...mqttString('v31/t'), 0x00, 0x05, 0x78];
    rc.write([0x34, body.length, ...body]); // QoS 2, packet id 5
    await rc.next('pubrec');
    rc.write([0x6a, 0x02, 0x00, 0x05]);
    await rc.next('pubcomp');
    rc.write([0xc0, 0x00]);
    await rc.next('pingresp');
    assert.equal(rc.closed, false);
    assert.deepEqual([...rc.bytes()], [...ACCEPTED, 0x50, 0x02, 0x00, 0x05, 0x70, 0x02, 0x00, 0x05, 0xd0, 0x00]);
    rc.destroy();
  });

  test('a 3.1 CONNECT with the reserved flag bit set is accepted (3.1 reserves no bit)', async () => {
    const { rc, connack } = await connect31(tb.port, FLAG.CLEAN | FLAG.RESERVED, uid('v31'));
    assert.deepEqual(connack, ACCEPTED);
    rc.destroy();
  });

  test('a 3.1 CONNECT with an empty client id gets return code 2, then close', async () => {
    const rc = await RawClient.connect(tb.port, 3);
    rc.write(rawConnect({ name: 'MQIsdp', level: 3, flags: FLAG.CLEAN, clientId: '' }));
    await rc.closedByBroker();
    assert.deepEqual([...rc.bytes()], [0x20, 0x02, 0x00, 0x02]);
  });
});
