/**
 * CONNECT validation [MQTT-3.1]: protocol name/level, flag checks, client
 * identifier rules, packet order. Exact bytes are checked with RawClient.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IConnackPacket, IDisconnectPacket } from 'mqtt-packet';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { sendAndClose } from '../helpers/raw-expect.js';
import { assertRoundTrip, FLAG, rawConnect, uid, VERSIONS } from '../helpers/lifecycle.js';

const ACCEPTED = [0x20, 0x02, 0x00, 0x00];
const REFUSED_PROTOCOL = [0x20, 0x02, 0x00, 0x01];
const REFUSED_IDENTIFIER = [0x20, 0x02, 0x00, 0x02];

describe('CONNECT validation', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.stop();
  });

  test('[MQTT-3.1.2-2] unsupported protocol level 6 gets 3.1.1 CONNACK return code 1, then close', async () => {
    const rc = await sendAndClose(tb.port, rawConnect({ level: 6, flags: FLAG.CLEAN }));
    assert.deepEqual([...rc.bytes()], REFUSED_PROTOCOL);
  });

  test('[MQTT-3.1.2-2] protocol name MQTT with level 3 gets return code 1', async () => {
    const rc = await sendAndClose(tb.port, rawConnect({ level: 3, flags: FLAG.CLEAN }));
    assert.deepEqual([...rc.bytes()], REFUSED_PROTOCOL);
  });

  test('[MQTT-3.1.2-1] protocol name MQIsdp with level 4 gets return code 1', async () => {
    const rc = await sendAndClose(tb.port, rawConnect({ name: 'MQIsdp', level: 4, flags: FLAG.CLEAN }));
    assert.deepEqual([...rc.bytes()], REFUSED_PROTOCOL);
  });

  test('[MQTT-3.1.2-2] protocol name MQIsdp with level 5 gets v5 CONNACK 0x84', async () => {
    const rc = await sendAndClose(tb.port, rawConnect({ name: 'MQIsdp', level: 5, flags: FLAG.CLEAN }), 5);
    const connack = rc.packets[0] as IConnackPacket;
    assert.equal(connack?.cmd, 'connack');
    assert.equal(connack.reasonCode, 0x84);
    assert.equal(connack.sessionPresent, false);
  });

  test('[MQTT-3.1.2-1] unknown protocol name closes the connection without CONNACK', async () => {
    const rc = await sendAndClose(tb.port, rawConnect({ name: 'MQTX', level: 4, flags: FLAG.CLEAN }));
    assert.equal(rc.bytes().length, 0);
  });

  for (const level of VERSIONS) {
    test(`[MQTT-3.1.2-3] reserved connect flag set closes without CONNACK (v${level})`, async () => {
      const rc = await sendAndClose(tb.port, rawConnect({ level, flags: FLAG.CLEAN | FLAG.RESERVED }), level);
      assert.equal(rc.bytes().length, 0);
    });

    test(`[MQTT-3.1.2-14] will QoS 3 closes without CONNACK (v${level})`, async () => {
      const flags = FLAG.CLEAN | FLAG.WILL | FLAG.WILL_QOS1 | FLAG.WILL_QOS2;
      const rc = await sendAndClose(tb.port, rawConnect({ level, flags, will: { topic: 't', payload: 'p' } }), level);
      assert.equal(rc.bytes().length, 0);
    });

    test(`[MQTT-3.1.2-15] will retain without will flag closes without CONNACK (v${level})`, async () => {
      const rc = await sendAndClose(tb.port, rawConnect({ level, flags: FLAG.CLEAN | FLAG.WILL_RETAIN }), level);
      assert.equal(rc.bytes().length, 0);
    });

    test(`[MQTT-3.1.2-13] will QoS without will flag closes without CONNACK (v${level})`, async () => {
      const rc = await sendAndClose(tb.port, rawConnect({ level, flags: FLAG.CLEAN | FLAG.WILL_QOS1 }), level);
      assert.equal(rc.bytes().length, 0);
    });

    test(`[MQTT-3.1.0-2] a second CONNECT closes the connection (v${level})`, async () => {
      const rc = await RawClient.connect(tb.port, level);
      const connack = await rc.connect({ clientId: uid('second') });
      assert.equal(connack.reasonCode ?? connack.returnCode, 0);
      rc.write(rawConnect({ level, flags: FLAG.CLEAN, clientId: uid('second') }));
      await rc.closedByBroker();
      if (level === 5) {
        const disconnect = (await rc.next('disconnect')) as IDisconnectPacket;
        assert.equal(disconnect.reasonCode, 0x82);
      } else {
        assert.deepEqual([...rc.bytes()], ACCEPTED);
      }
    });

    test(`[MQTT-3.1.0-1] a first packet other than CONNECT closes the connection (v${level})`, async () => {
      for (const first of [[0xc0, 0x00], [0x30, 0x05, 0x00, 0x01, 0x74, 0x68, 0x69]]) {
        const rc = await sendAndClose(tb.port, Buffer.from(first), level);
        assert.equal(rc.bytes().length, 0, `first packet ${first[0]!.toString(16)}`);
      }
    });
  }

  test('[MQTT-3.1.2-22] 3.1.1 password without user name closes without CONNACK', async () => {
    const rc = await sendAndClose(tb.port, rawConnect({ level: 4, flags: FLAG.CLEAN | FLAG.PASSWORD, password: 'pw' }));
    assert.equal(rc.bytes().length, 0);
  });

  test('[MQTT-3.1.2-22] v5 allows a password without a user name', async () => {
    const rc = await RawClient.connect(tb.port, 5);
    rc.write(rawConnect({ level: 5, flags: FLAG.CLEAN | FLAG.PASSWORD, clientId: uid('pw'), password: 'pw' }));
    const connack = (await rc.next('connack')) as IConnackPacket;
    assert.equal(connack.reasonCode, 0);
    rc.destroy();
  });

  test('[MQTT-3.1.3-8] 3.1.1 zero-length client id with clean session 0 gets return code 2', async () => {
    const rc = await sendAndClose(tb.port, rawConnect({ level: 4, flags: 0, clientId: '' }));
    assert.deepEqual([...rc.bytes()], REFUSED_IDENTIFIER);
  });

  test('[MQTT-3.1.3-7] 3.1.1 zero-length client id with clean session 1 is accepted', async () => {
    const rc = await RawClient.connect(tb.port, 4);
    rc.write(rawConnect({ level: 4, flags: FLAG.CLEAN, clientId: '' }));
    await rc.next('connack');
    assert.deepEqual([...rc.bytes()], ACCEPTED);
    rc.send({ cmd: 'pingreq' });
    await rc.next('pingresp');
    rc.destroy();
  });

  test('[MQTT-3.2.2-16] v5 zero-length client id gets an Assigned Client Identifier', async () => {
    const rc = await RawClient.connect(tb.port, 5);
    const connack = await rc.connect({ clientId: '' });
    assert.equal(connack.reasonCode, 0);
    const assigned = connack.properties?.assignedClientIdentifier;
    assert.ok(assigned?.startsWith('auto-'), `assigned id ${assigned}`);
    assert.ok(tb.broker.sessions.get(assigned!)?.connection, 'session is kept under the assigned id');
    rc.destroy();
  });

  test('[MQTT-3.1.3-5] a client id longer than max_client_id_length is refused', async () => {
    const small = await startBroker({ mqtt: { max_client_id_length: 8 } });
    try {
      const rc = await sendAndClose(small.port, rawConnect({ level: 4, flags: FLAG.CLEAN, clientId: 'x'.repeat(9) }));
      assert.deepEqual([...rc.bytes()], REFUSED_IDENTIFIER);
      const ok = await RawClient.connect(small.port, 4);
      assert.equal((await ok.connect({ clientId: 'x'.repeat(8) })).returnCode, 0);
      ok.destroy();
    } finally {
      await small.stop();
    }
  });

  test('after all refused CONNECTs the broker still serves other clients', async () => {
    await assertRoundTrip(tb.port, 4);
    await assertRoundTrip(tb.port, 5);
  });
});

describe('allow_zero_length_clientid: false', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker({ mqtt: { allow_zero_length_clientid: false } });
  });
  after(async () => {
    await tb.stop();
  });

  test('[MQTT-3.1.3-8] 3.1.1 zero-length client id is refused with return code 2', async () => {
    const rc = await sendAndClose(tb.port, rawConnect({ level: 4, flags: FLAG.CLEAN, clientId: '' }));
    assert.deepEqual([...rc.bytes()], REFUSED_IDENTIFIER);
  });

  test('[MQTT-3.1.3-8] v5 zero-length client id is refused with 0x85', async () => {
    const rc = await sendAndClose(tb.port, rawConnect({ level: 5, flags: FLAG.CLEAN, clientId: '' }), 5);
    const connack = rc.packets[0] as IConnackPacket;
    assert.equal(connack?.cmd, 'connack');
    assert.equal(connack.reasonCode, 0x85);
    assert.equal(connack.properties?.assignedClientIdentifier, undefined);
  });
});

describe('listener allow_anonymous: false', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker({ listener: { allow_anonymous: false } });
  });
  after(async () => {
    await tb.stop();
  });

  test('3.1.1 CONNECT without user name is refused with return code 5', async () => {
    const rc = await sendAndClose(tb.port, rawConnect({ level: 4, flags: FLAG.CLEAN, clientId: uid('anon') }));
    assert.deepEqual([...rc.bytes()], [0x20, 0x02, 0x00, 0x05]);
  });

  test('v5 CONNECT without user name is refused with 0x87', async () => {
    const rc = await sendAndClose(tb.port, rawConnect({ level: 5, flags: FLAG.CLEAN, clientId: uid('anon') }), 5);
    assert.equal((rc.packets[0] as IConnackPacket).reasonCode, 0x87);
  });

  // as mosquitto (mosquitto_unpwd_check: no password check configured and allow_anonymous false → MOSQ_ERR_AUTH)
  test('no password file: a CONNECT with any user name and password is refused too (3.1.1 return code 5)', async () => {
    const flags = FLAG.CLEAN | FLAG.USERNAME | FLAG.PASSWORD;
    const rc = await sendAndClose(tb.port, rawConnect({ level: 4, flags, clientId: uid('user'), username: 'anyone', password: 'anything' }));
    assert.deepEqual([...rc.bytes()], [0x20, 0x02, 0x00, 0x05]);
  });

  test('no password file: a v5 CONNECT with any user name and password is refused with 0x87', async () => {
    const flags = FLAG.CLEAN | FLAG.USERNAME | FLAG.PASSWORD;
    const rc = await sendAndClose(tb.port, rawConnect({ level: 5, flags, clientId: uid('user'), username: 'anyone', password: 'anything' }), 5);
    const bytes = rc.bytes(); // 20 LEN 00 87 PROPS: CONNACK, session present 0, reason 0x87, then the close
    assert.deepEqual([bytes[0], bytes[2], bytes[3]], [0x20, 0x00, 0x87]);
    assert.equal(bytes.length, 2 + bytes[1]!);
  });
});
