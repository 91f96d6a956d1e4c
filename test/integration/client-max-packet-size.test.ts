/**
 * The v5 client's Maximum Packet Size applies to every packet the broker
 * sends it [MQTT-3.1.2-24] (issue 18): a packet that does not fit loses its
 * Reason String, User Properties and (CONNACK) Topic Alias Maximum, and is
 * not sent at all, the connection closed, when even that does not fit.
 * Exact bytes; PUBLISH is covered in flow-control.test.ts [MQTT-3.1.2-25].
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IConnectPacket } from 'mqtt-packet';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { assertRoundTrip, uid } from '../helpers/lifecycle.js';
import { RawClient } from '../helpers/raw-client.js';

/** The default v5 CONNACK: Topic Alias Maximum 10, Receive Maximum 20, in mosquitto's order (11 bytes). */
const FULL_CONNACK = [0x20, 0x09, 0x00, 0x00, 0x06, 0x22, 0x00, 0x0a, 0x21, 0x00, 0x14];
/** The same without Topic Alias Maximum (8 bytes). */
const SHORT_CONNACK = [0x20, 0x06, 0x00, 0x00, 0x03, 0x21, 0x00, 0x14];

describe('v5 client Maximum Packet Size on what the broker sends', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await assertRoundTrip(tb.port, 5);
    await tb.stop();
  });

  /** Send a v5 CONNECT announcing `max` (and `extra`) and return the client without waiting for anything. */
  async function connectWithLimit(max: number, extra: Partial<IConnectPacket> = {}): Promise<RawClient> {
    const rc = await RawClient.connect(tb.port, 5);
    rc.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: uid('mps'), clean: true, keepalive: 60, ...extra, properties: { maximumPacketSize: max, ...extra.properties } });
    return rc;
  }

  test('[MQTT-3.1.2-24] Maximum Packet Size 2: no CONNACK (the smallest is 5 bytes), the connection is closed', async () => {
    const rc = await connectWithLimit(2);
    await rc.closedByBroker();
    assert.deepEqual([...rc.bytes()], []);
  });

  test('[MQTT-3.1.2-24] the default CONNACK is sent whole when it fits exactly', async () => {
    const rc = await connectWithLimit(FULL_CONNACK.length);
    await rc.next('connack');
    assert.deepEqual([...rc.bytes()], FULL_CONNACK);
    rc.destroy();
  });

  test('[MQTT-3.1.2-24] a CONNACK one byte too large goes without its Topic Alias Maximum (absent means 0)', async () => {
    const rc = await connectWithLimit(FULL_CONNACK.length - 1);
    await rc.next('connack');
    assert.deepEqual([...rc.bytes()], SHORT_CONNACK);
    rc.destroy();
  });

  test('[MQTT-3.1.2-24] a CONNACK that cannot lose enough is not sent: closed without a CONNACK', async () => {
    const rc = await connectWithLimit(SHORT_CONNACK.length - 1);
    await rc.closedByBroker();
    assert.deepEqual([...rc.bytes()], []);
  });

  test('[MQTT-3.2.2-19] a refusing CONNACK drops its Reason String to fit', async () => {
    const rc = await connectWithLimit(5, { properties: { authenticationMethod: 'unknown-method' } });
    await rc.closedByBroker();
    assert.deepEqual([...rc.bytes()], [0x20, 0x03, 0x00, 0x8c, 0x00]); // 0x8C Bad authentication method, no Reason String
  });

  test('[MQTT-3.14.2-3] a DISCONNECT drops its Reason String to fit', async () => {
    const rc = await connectWithLimit(FULL_CONNACK.length);
    await rc.next('connack');
    rc.write([0x38, 0x04, 0x00, 0x01, 0x61, 0x00]); // QoS 0 PUBLISH with DUP set [MQTT-3.3.1-2]: malformed
    await rc.closedByBroker();
    assert.deepEqual([...rc.bytes().subarray(FULL_CONNACK.length)], [0xe0, 0x01, 0x81]); // mosquitto's form: no property length
  });

  test('[MQTT-3.1.2-24] a SUBACK larger than the client allows is not sent: the connection is closed', async () => {
    const rc = await connectWithLimit(FULL_CONNACK.length);
    await rc.next('connack');
    // 8 filters: SUBACK = 2 (fixed header) + 2 (id) + 1 (property length) + 8 reason codes = 13 bytes
    rc.send({ cmd: 'subscribe', messageId: 1, subscriptions: Array.from({ length: 8 }, (_, i) => ({ topic: `mps/${i}`, qos: 0 as const })) });
    await rc.closedByBroker();
    assert.deepEqual([...rc.bytes().subarray(FULL_CONNACK.length)], []);
  });
});
