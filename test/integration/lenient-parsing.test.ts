/**
 * Input mqtt-packet lets through but the spec calls malformed or a protocol
 * error (issue 18, "Lenient parsing"): each closes the connection, v5 with
 * DISCONNECT 0x81 (0x82 where the spec says Protocol Error), 3.1.1 without a
 * word, and nothing of the bad packet is acknowledged or delivered.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IPublishPacket } from 'mqtt-packet';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { connect } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { connectedRaw, expectClosed } from '../helpers/raw-expect.js';
import { assertRoundTrip, FLAG, mqttString, rawConnect, uid, VERSIONS } from '../helpers/lifecycle.js';

/** Fixed header + remaining length (< 128) + body. */
const packet = (first: number, body: number[]): number[] => [first, body.length, ...body];

describe('lenient parsing: malformed input is refused', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.stop();
  });
  afterEach(async () => {
    await assertRoundTrip(tb.port, 4);
  });

  test('[MQTT-2.2.2] v5 PUBLISH without its Property Length is malformed: 0x81, no PUBACK, not delivered', async () => {
    const topic = uid('nolen');
    const sub = await connect(tb.port, { protocolVersion: 5 });
    await sub.client.subscribeAsync(topic, { qos: 1 });
    const rc = await connectedRaw(tb.port, 5);
    // QoS 1, topic, packet id 1, then the payload where the Property Length should be
    rc.write(packet(0x32, [...mqttString(topic), 0x00, 0x01]));
    await expectClosed(rc, 5, 0x81);
    await sub.client.publishAsync(topic, 'marker', { qos: 1 });
    const got = await sub.waitMessages(1);
    assert.deepEqual(got.map((m) => m.payload.toString()), ['marker']);
    await sub.end();
  });

  test('[MQTT-2.2.2] a property value running past its property list is malformed (v5 PUBLISH)', async () => {
    const rc = await connectedRaw(tb.port, 5);
    // Property Length 2, then Message Expiry Interval (4 bytes) whose value overruns it into the payload
    rc.write(packet(0x30, [...mqttString('a'), 0x02, 0x02, 0x00, 0x00, 0x00, 0x05, 0x78]));
    await expectClosed(rc, 5, 0x81);
  });

  test('2.2.2.2 SUBSCRIBE carrying a Session Expiry Interval is malformed: 0x81, no SUBACK', async () => {
    const rc = await connectedRaw(tb.port, 5);
    rc.write(packet(0x82, [0x00, 0x01, 0x05, 0x11, 0x00, 0x00, 0x00, 0x0a, ...mqttString('a'), 0x00]));
    await expectClosed(rc, 5, 0x81);
  });

  test('2.2.2.2 PUBACK and PUBCOMP carrying a Message Expiry Interval are a protocol error, as mosquitto: 0x82', async () => {
    for (const first of [0x40, 0x70]) {
      const rc = await connectedRaw(tb.port, 5);
      rc.write(packet(first, [0x00, 0x01, 0x00, 0x05, 0x02, 0x00, 0x00, 0x00, 0x0a]));
      await expectClosed(rc, 5, 0x82);
    }
  });

  for (const version of VERSIONS) {
    for (const filter of ['', '#/a', 'a/b#', 'a+/b']) {
      test(`[MQTT-4.7.3-1] [MQTT-4.7.1-1] SUBSCRIBE and UNSUBSCRIBE with filter '${filter}' close the connection (v${version})`, async () => {
        const props = version === 5 ? [0x00] : [];
        const sub = await connectedRaw(tb.port, version);
        sub.write(packet(0x82, [0x00, 0x01, ...props, ...mqttString(filter), 0x00]));
        await expectClosed(sub, version, 0x81);
        const unsub = await connectedRaw(tb.port, version);
        unsub.write(packet(0xa2, [0x00, 0x01, ...props, ...mqttString(filter)]));
        await expectClosed(unsub, version, 0x81);
      });
    }

    test(`[MQTT-3.3.1-2] QoS 0 PUBLISH with DUP set is malformed and not delivered (v${version})`, async () => {
      const topic = uid('dup0');
      const sub = await connect(tb.port, { protocolVersion: 5 });
      await sub.client.subscribeAsync(topic, { qos: 0 });
      const rc = await connectedRaw(tb.port, version);
      rc.write(packet(0x38, [...mqttString(topic), ...(version === 5 ? [0x00] : []), 0x78]));
      await expectClosed(rc, version, 0x81);
      await sub.client.publishAsync(topic, 'marker', { qos: 1 });
      assert.deepEqual((await sub.waitMessages(1)).map((m) => m.payload.toString()), ['marker']);
      await sub.end();
    });

    test(`[MQTT-2.2.1-3] PUBACK with packet identifier 0 closes the connection (v${version})`, async () => {
      const rc = await connectedRaw(tb.port, version);
      rc.write([0x40, 0x02, 0x00, 0x00]);
      await expectClosed(rc, version, 0x82);
    });

    test(`[MQTT-4.3.3] a PUBREC answering a QoS 1 message closes the connection (v${version})`, async () => {
      const topic = uid('pubrec-q1');
      const rc = await connectedRaw(tb.port, version);
      rc.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 1 }] });
      await rc.next('suback');
      const pub = await connect(tb.port);
      await pub.client.publishAsync(topic, 'x', { qos: 1 });
      const msg = (await rc.next('publish')) as IPublishPacket;
      assert.equal(msg.qos, 1);
      rc.write([0x50, 0x02, msg.messageId! >> 8, msg.messageId! & 0xff]);
      await expectClosed(rc, version, 0x82);
      await pub.end();
    });
  }

  test('3.12: a 3.1.1 PINGREQ with remaining length 1 is malformed: closed without PINGRESP', async () => {
    const rc = await connectedRaw(tb.port, 4);
    rc.write([0xc0, 0x01, 0x00]);
    await expectClosed(rc, 4, 0);
  });

  test('3.4: a 3.1.1 PUBACK with remaining length 3 is malformed: closed', async () => {
    const rc = await connectedRaw(tb.port, 4);
    rc.write([0x40, 0x03, 0x00, 0x01, 0x00]);
    await expectClosed(rc, 4, 0);
  });

  test('[MQTT-3.1.2-18] [MQTT-3.1.2-20] CONNECT with user name and password bytes but both flags 0: closed without CONNACK', async () => {
    const rc = await RawClient.connect(tb.port, 4);
    rc.write(rawConnect({ level: 4, flags: FLAG.CLEAN, clientId: uid('flags'), username: 'u', password: 'p' }));
    await expectClosed(rc, 4, 0);
  });

  const badDisconnects: Array<[string, number[], number]> = [
    ['a disallowed property (Payload Format Indicator; mosquitto: protocol error)', [0x00, 0x02, 0x01, 0x01], 0x82],
    ['a truncated Session Expiry Interval', [0x00, 0x02, 0x11, 0x00], 0x81],
    ['Session Expiry Interval twice', [0x00, 0x0a, 0x11, 0, 0, 0, 1, 0x11, 0, 0, 0, 1], 0x82],
  ];
  for (const [what, body, reason] of badDisconnects) {
    test(`3.14: a v5 DISCONNECT with ${what} is not a normal disconnect: DISCONNECT 0x${reason.toString(16)}, will published`, async () => {
      const topic = uid('bad-disconnect');
      const sub = await connect(tb.port, { protocolVersion: 5 });
      await sub.client.subscribeAsync(topic, { qos: 1 });
      const rc = await RawClient.connect(tb.port, 5);
      const connack = await rc.connect({ clientId: uid('bd'), properties: { sessionExpiryInterval: 10 }, will: { topic, payload: Buffer.from('gone'), qos: 1, retain: false } });
      assert.equal(connack.reasonCode, 0);
      rc.write(packet(0xe0, body));
      await expectClosed(rc, 5, reason);
      assert.deepEqual((await sub.waitMessages(1)).map((m) => m.payload.toString()), ['gone']);
      await sub.end();
    });
  }

  test('[MQTT-3.3.2-4] a PUBLISH with Payload Format Indicator 0xED is a protocol error: DISCONNECT 0x82, not forwarded', async () => {
    const topic = uid('pfi');
    const sub = await connect(tb.port, { protocolVersion: 5 });
    await sub.client.subscribeAsync(topic, { qos: 0 });
    const rc = await connectedRaw(tb.port, 5);
    rc.write(packet(0x30, [...mqttString(topic), 0x02, 0x01, 0xed, 0x78]));
    await expectClosed(rc, 5, 0x82);
    await sub.client.publishAsync(topic, 'marker', { qos: 1 });
    assert.deepEqual((await sub.waitMessages(1)).map((m) => m.payload.toString()), ['marker']);
    await sub.end();
  });
});
