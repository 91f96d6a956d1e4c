/**
 * Malformed and out-of-place input [MQTT-4.8.0-1] [MQTT-1.5.5-1]
 * [MQTT-1.5.4-1] and Maximum Packet Size (3.2.2.3.6): only the offending
 * connection is closed (v5: with a DISCONNECT reason), the broker keeps
 * serving everyone else.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { connectedRaw, expectClosed } from '../helpers/raw-expect.js';
import { assertRoundTrip, mqttString, uid, VERSIONS, type Version } from '../helpers/lifecycle.js';

/** A connected raw client. */
const connected = (port: number, version: Version): Promise<RawClient> => connectedRaw(port, version, 'bad');

function publishBytes(topic: Buffer, payload = 'x'): Buffer {
  const body = [...mqttString(topic), ...Buffer.from(payload)];
  return Buffer.from([0x30, body.length, ...body]);
}

describe('malformed input', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker({ mqtt: { max_packet_size: 1024 } });
  });
  after(async () => {
    await tb.stop();
  });
  afterEach(async () => {
    // whatever the bad client did, others still get service
    await assertRoundTrip(tb.port, 4);
    await assertRoundTrip(tb.port, 5);
  });

  test('garbage bytes instead of CONNECT close the connection silently', async () => {
    const rc = await RawClient.connect(tb.port, 4);
    rc.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await rc.closedByBroker();
    assert.equal(rc.bytes().length, 0);
  });

  for (const version of VERSIONS) {
    test(`[MQTT-2.1.3-1] reserved packet type 0 after CONNECT closes with 0x82, as mosquitto (v${version})`, async () => {
      const rc = await connected(tb.port, version);
      rc.write([0x00, 0x00]);
      await expectClosed(rc, version, 0x82);
    });

    test(`[MQTT-1.5.5-1] a remaining length of 5 bytes is malformed (v${version})`, async () => {
      const rc = await connected(tb.port, version);
      rc.write([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]);
      await expectClosed(rc, version, 0x81);
    });

    test(`[MQTT-2.2.2-2] wrong fixed header flags (SUBSCRIBE with flags 0) close the connection (v${version})`, async () => {
      const rc = await connected(tb.port, version);
      rc.write([0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00]);
      await expectClosed(rc, version, 0x81);
    });

    test(`[MQTT-3.3.1-4] PUBLISH with both QoS bits set closes the connection (v${version})`, async () => {
      const rc = await connected(tb.port, version);
      rc.write([0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01]);
      await expectClosed(rc, version, 0x81);
    });

    test(`max_packet_size: a packet header announcing more than the limit closes at once with 0x95 (v${version})`, async () => {
      const rc = await connected(tb.port, version);
      rc.write([0x30, 0xff, 0xff, 0xff, 0x7f]); // 256 MB PUBLISH: only the header is sent
      await expectClosed(rc, version, 0x95);
    });

    test(`max_packet_size: a packet of exactly the limit is accepted, one byte more is not (v${version})`, async () => {
      const rc = await connected(tb.port, version);
      const topic = Buffer.from('big');
      const fit = 1024 - 3 - (2 + topic.length) - (version === 5 ? 1 : 0); // header 3 bytes, topic, v5 property length
      const body = (n: number) => Buffer.concat([Buffer.from(mqttString(topic)), Buffer.from(version === 5 ? [0] : []), Buffer.alloc(n, 0x61)]);
      const ok = body(fit);
      rc.write(Buffer.concat([Buffer.from([0x30, 0x80 | (ok.length & 0x7f), ok.length >> 7]), ok]));
      rc.send({ cmd: 'pingreq' });
      await rc.next('pingresp');
      const tooBig = body(fit + 1);
      rc.write(Buffer.concat([Buffer.from([0x30, 0x80 | (tooBig.length & 0x7f), tooBig.length >> 7]), tooBig]));
      await expectClosed(rc, version, 0x95);
    });

    test(`a server-only packet from a client (CONNACK) closes the connection (v${version})`, async () => {
      const rc = await connected(tb.port, version);
      rc.send({ cmd: 'connack', sessionPresent: false, returnCode: 0, reasonCode: 0 });
      await expectClosed(rc, version, 0x82);
    });

    test(`server-only packets SUBACK and PINGRESP from a client close the connection (v${version})`, async () => {
      for (const bytes of [[0x90, 0x03, 0x00, 0x01, 0x00], [0xd0, 0x00]]) {
        const rc = await connected(tb.port, version);
        rc.write(bytes);
        await rc.closedByBroker();
      }
    });

    test(`[MQTT-1.5.4-1] ill-formed UTF-8 in a topic name closes the connection (v${version})`, async () => {
      const rc = await connected(tb.port, version);
      rc.write(publishBytes(Buffer.from([0x61, 0xff, 0xfe]), version === 5 ? '\0x' : 'x'));
      await expectClosed(rc, version, 0x81);
    });

    test(`[MQTT-1.5.4-1] a UTF-8 encoded surrogate in a client id closes the connection (v${version})`, async () => {
      const rc = await RawClient.connect(tb.port, version);
      const id = Buffer.from([0x61, 0xed, 0xa0, 0x80]); // U+D800 encoded: ill-formed
      const body = [...mqttString('MQTT'), version, 0x02, 0, 60, ...(version === 5 ? [0] : []), ...mqttString(id)];
      rc.write(Buffer.from([0x10, body.length, ...body]));
      await rc.closedByBroker();
      assert.equal(rc.packets.length, 0, 'no CONNACK for an ill-formed client id');
    });

    test(`[MQTT-1.5.4-2] U+0000 in a topic name closes the connection (v${version})`, async () => {
      const rc = await connected(tb.port, version);
      rc.write(publishBytes(Buffer.from([0x61, 0x00, 0x62]), version === 5 ? '\0x' : 'x'));
      await rc.closedByBroker();
    });
  }

  // 0x8C is not a DISCONNECT reason code (spec 3.14.2.1; mqtt-packet/MQTT.js reject it): like mosquitto, 0x82
  test('enhanced authentication (4.12): v5 AUTH without an authentication method in CONNECT gets DISCONNECT 0x82', async () => {
    const rc = await connected(tb.port, 5);
    rc.send({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'SCRAM-SHA-1' } });
    await expectClosed(rc, 5, 0x82);
    assert.deepEqual(rc.parseErrors, []);
  });

  test('v5 CONNECT with an authentication method is refused with CONNACK 0x8C', async () => {
    const rc = await RawClient.connect(tb.port, 5);
    const connack = await rc.connect({ clientId: uid('auth'), properties: { authenticationMethod: 'SCRAM-SHA-1' } });
    assert.equal(connack.reasonCode, 0x8c);
    await rc.closedByBroker();
  });

  test('AUTH from a 3.1.1 client closes the connection', async () => {
    const rc = await connected(tb.port, 4);
    rc.write([0xf0, 0x02, 0x18, 0x00]);
    await expectClosed(rc, 4, 0);
  });

  test('a client that floods garbage after CONNECT does not take the broker down', async () => {
    const rc = await connected(tb.port, 5);
    for (let i = 0; i < 50 && !rc.closed; i++) rc.write(Buffer.alloc(4096, i));
    await rc.closedByBroker();
  });
});
