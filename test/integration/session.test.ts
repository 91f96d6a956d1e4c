/**
 * Sessions [MQTT-3.1.2-4..6] [MQTT-3.2.2-1..3]: clean session / clean start
 * with session expiry, Session Present, subscriptions and queued QoS 1
 * messages across reconnects, expiry, and DISCONNECT expiry rules.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IDisconnectPacket } from 'mqtt-packet';
import type { IClientOptions } from 'mqtt';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { connect } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { connectWithConnack, uid, VERSIONS, type Version, whenClosed } from '../helpers/lifecycle.js';
import { waitFor } from '../helpers/wait.js';

/** Options for a session that outlives its connection, in either protocol. */
function persistent(protocolVersion: Version, clientId: string, expiry = 300): IClientOptions {
  return { protocolVersion, clientId, clean: false, ...(protocolVersion === 5 ? { properties: { sessionExpiryInterval: expiry } } : {}) };
}

describe('sessions', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.stop();
  });

  /** Disconnect cleanly and wait until the broker has seen it. */
  async function leave(c: { client: import('mqtt').MqttClient }, clientId: string): Promise<void> {
    await c.client.endAsync();
    await waitFor(() => !tb.broker.sessions.get(clientId)?.connection, 2000, 'broker to see the disconnect');
  }

  test('[MQTT-3.2.2-1] 3.1.1 clean session 1: Session Present is 0, and nothing is kept', async () => {
    const clientId = uid('clean4');
    const a = await connectWithConnack(tb.port, { protocolVersion: 4, clientId, clean: true });
    assert.equal(a.connack.sessionPresent, false);
    await leave(a, clientId);
    assert.equal(tb.broker.sessions.has(clientId), false);
    const b = await connectWithConnack(tb.port, { protocolVersion: 4, clientId, clean: false });
    assert.equal(b.connack.sessionPresent, false);
    await b.end();
  });

  test('[MQTT-3.2.2-2] 3.1.1 clean session 0: Session Present 0 first, 1 on reconnect, 0 after clean session 1', async () => {
    const clientId = uid('keep4');
    const a = await connectWithConnack(tb.port, persistent(4, clientId));
    assert.equal(a.connack.sessionPresent, false);
    await leave(a, clientId);
    const b = await connectWithConnack(tb.port, persistent(4, clientId));
    assert.equal(b.connack.sessionPresent, true);
    await leave(b, clientId);
    const c = await connectWithConnack(tb.port, { protocolVersion: 4, clientId, clean: true });
    assert.equal(c.connack.sessionPresent, false); // [MQTT-3.2.2-1]
    await leave(c, clientId);
    const d = await connectWithConnack(tb.port, persistent(4, clientId));
    assert.equal(d.connack.sessionPresent, false, 'clean session 1 discarded the old session [MQTT-3.1.2-6]');
    await d.end();
  });

  test('[MQTT-3.1.2-23] v5 clean start 0 with session expiry 0: the session ends with the connection', async () => {
    const clientId = uid('exp0');
    const a = await connectWithConnack(tb.port, { protocolVersion: 5, clientId, clean: false });
    assert.equal(a.connack.sessionPresent, false);
    await leave(a, clientId);
    const b = await connectWithConnack(tb.port, { protocolVersion: 5, clientId, clean: false });
    assert.equal(b.connack.sessionPresent, false);
    await b.end();
  });

  test('[MQTT-3.2.2-2] v5 clean start 0 with session expiry > 0: Session Present 1 on reconnect', async () => {
    const clientId = uid('exp60');
    const a = await connectWithConnack(tb.port, persistent(5, clientId, 60));
    assert.equal(a.connack.sessionPresent, false);
    await leave(a, clientId);
    const b = await connectWithConnack(tb.port, persistent(5, clientId, 60));
    assert.equal(b.connack.sessionPresent, true);
    await leave(b, clientId);
    const c = await connectWithConnack(tb.port, { protocolVersion: 5, clientId, clean: true, properties: { sessionExpiryInterval: 60 } });
    assert.equal(c.connack.sessionPresent, false, '[MQTT-3.2.2-1] clean start 1 always gets Session Present 0');
    await c.end();
  });

  for (const version of VERSIONS) {
    test(`[MQTT-4.1.0-1] subscriptions survive a reconnect with clean=false (v${version})`, async () => {
      const clientId = uid('subs');
      const topic = uid('session/subs');
      const a = await connect(tb.port, persistent(version, clientId));
      await a.client.subscribeAsync(`${topic}/+`, { qos: 1 });
      await leave(a, clientId);
      const b = await connectWithConnack(tb.port, persistent(version, clientId));
      assert.equal(b.connack.sessionPresent, true);
      const pub = await connect(tb.port, { protocolVersion: version });
      await pub.client.publishAsync(`${topic}/x`, 'still subscribed', { qos: 1 });
      const [msg] = await b.waitMessages(1);
      assert.equal(msg!.payload.toString(), 'still subscribed');
      await pub.end();
      await b.end();
    });

    test(`[MQTT-3.1.2-5] QoS 1 messages published while offline are delivered on reconnect, in order (v${version})`, async () => {
      const clientId = uid('offline');
      const topic = uid('session/offline');
      const a = await connect(tb.port, persistent(version, clientId));
      await a.client.subscribeAsync(topic, { qos: 1 });
      await leave(a, clientId);
      const pub = await connect(tb.port, { protocolVersion: version });
      for (let i = 0; i < 10; i++) await pub.client.publishAsync(topic, `m${i}`, { qos: 1 });
      await pub.client.publishAsync(topic, 'qos0 not queued', { qos: 0 });
      await pub.end();
      const b = await connectWithConnack(tb.port, persistent(version, clientId));
      assert.equal(b.connack.sessionPresent, true);
      const got = await b.waitMessages(10);
      assert.deepEqual(got.map((m) => m.payload.toString()), Array.from({ length: 10 }, (_, i) => `m${i}`));
      assert.ok(got.every((m) => m.packet.qos === 1));
      await b.end();
    });

    test(`[MQTT-3.1.2-5] abnormal disconnect keeps the session too (v${version})`, async () => {
      const clientId = uid('crash');
      const a = await connect(tb.port, persistent(version, clientId));
      await a.client.subscribeAsync(uid('session/crash'), { qos: 1 });
      const closed = whenClosed(a.client);
      a.client.stream.destroy();
      await closed;
      await waitFor(() => tb.broker.sessions.get(clientId)?.connection === null, 2000, 'broker to see the close');
      const b = await connectWithConnack(tb.port, persistent(version, clientId));
      assert.equal(b.connack.sessionPresent, true);
      await b.end();
    });
  }

  test('[MQTT-3.1.2-23] v5 session expiry 1: after ~1 s offline the session is gone', async () => {
    const clientId = uid('expire');
    const a = await connect(tb.port, persistent(5, clientId, 1));
    await a.client.subscribeAsync(uid('session/expire'), { qos: 1 });
    await leave(a, clientId);
    const t0 = Date.now();
    await waitFor(() => !tb.broker.sessions.has(clientId), 3000, 'session to expire');
    assert.ok(Date.now() - t0 >= 900, 'expired before its interval');
    const b = await connectWithConnack(tb.port, persistent(5, clientId, 1));
    assert.equal(b.connack.sessionPresent, false);
    await b.end();
  });

  test('[MQTT-3.1.2-23] v5 session expiry: a reconnect before expiry finds the session', async () => {
    const clientId = uid('notyet');
    const a = await connect(tb.port, persistent(5, clientId, 3));
    await leave(a, clientId);
    const b = await connectWithConnack(tb.port, persistent(5, clientId, 3));
    assert.equal(b.connack.sessionPresent, true);
    await b.end();
  });

  test('v5 max_session_expiry_interval caps the expiry and the CONNACK says so', async () => {
    const capped = await startBroker({ mqtt: { max_session_expiry_interval: 10 } });
    try {
      const a = await connectWithConnack(capped.port, persistent(5, uid('cap'), 3600));
      assert.equal(a.connack.properties?.sessionExpiryInterval, 10);
      await a.end();
      const b = await connectWithConnack(capped.port, persistent(5, uid('cap'), 5));
      assert.equal(b.connack.properties?.sessionExpiryInterval, undefined, 'granted as asked: not repeated');
      await b.end();
    } finally {
      await capped.stop();
    }
  });

  test('[MQTT-3.14.2-2] v5 DISCONNECT setting a session expiry when CONNECT had 0 is a protocol error (0x82)', async () => {
    const rc = await RawClient.connect(tb.port, 5);
    await rc.connect({ clientId: uid('to-nonzero'), clean: false });
    rc.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 60 } });
    const reply = (await rc.next('disconnect')) as IDisconnectPacket;
    assert.equal(reply.reasonCode, 0x82);
    await rc.closedByBroker();
  });

  test('[MQTT-3.14.2-2] v5 DISCONNECT with session expiry 0 ends a persistent session', async () => {
    const clientId = uid('to-zero');
    const rc = await RawClient.connect(tb.port, 5);
    await rc.connect({ clientId, clean: false, properties: { sessionExpiryInterval: 60 } });
    rc.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 0 } });
    await rc.closedByBroker();
    assert.equal(rc.packets.length, 0, '[MQTT-3.14.4-1] no DISCONNECT back');
    const b = await connectWithConnack(tb.port, persistent(5, clientId, 60));
    assert.equal(b.connack.sessionPresent, false);
    await b.end();
  });

  test('v5 DISCONNECT may lengthen a non-zero session expiry', async () => {
    const clientId = uid('longer');
    const rc = await RawClient.connect(tb.port, 5);
    await rc.connect({ clientId, clean: false, properties: { sessionExpiryInterval: 1 } });
    rc.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 60 } });
    await rc.closedByBroker();
    assert.equal(tb.broker.sessions.get(clientId)?.expiryInterval, 60);
    await new Promise((r) => setTimeout(r, 1600)); // prove the old 1 s expiry no longer applies
    const b = await connectWithConnack(tb.port, persistent(5, clientId, 60));
    assert.equal(b.connack.sessionPresent, true);
    await b.end();
  });
});
