/**
 * Client take-over [MQTT-3.1.4-3]: a CONNECT with a client id that is
 * already connected closes the old connection (v5: DISCONNECT 0x8E), the old
 * connection's will is published, and the session carries on for clean=false.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IDisconnectPacket } from 'mqtt-packet';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { connect } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { connectWithConnack, uid, VERSIONS, whenClosed } from '../helpers/lifecycle.js';
import { waitFor } from '../helpers/wait.js';

describe('client take-over', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.stop();
  });

  test('[MQTT-3.1.4-3] client take-over closes the old connection with 0x8E (v5)', async () => {
    const clientId = uid('taken');
    const old = await connect(tb.port, { protocolVersion: 5, clientId });
    const reasons: number[] = [];
    old.client.on('disconnect', (p) => reasons.push(p.reasonCode ?? -1));
    const closed = whenClosed(old.client);
    const fresh = await connect(tb.port, { protocolVersion: 5, clientId });
    await closed;
    assert.deepEqual(reasons, [0x8e]);
    assert.equal(fresh.client.connected, true);
    assert.equal(tb.broker.sessions.get(clientId)?.connection?.state, 'connected');
    await fresh.end();
  });

  test('[MQTT-3.1.4-3] take-over sends exactly DISCONNECT 0x8E then closes (v5, raw)', async () => {
    const clientId = uid('taken-raw');
    const old = await RawClient.connect(tb.port, 5);
    await old.connect({ clientId });
    const fresh = await RawClient.connect(tb.port, 5);
    assert.equal((await fresh.connect({ clientId })).reasonCode, 0);
    const disconnect = (await old.next('disconnect')) as IDisconnectPacket;
    assert.equal(disconnect.reasonCode, 0x8e);
    await old.closedByBroker();
    fresh.send({ cmd: 'pingreq' });
    await fresh.next('pingresp');
    fresh.destroy();
  });

  test('[MQTT-3.1.4-3] client take-over closes the old connection without a packet (v4)', async () => {
    const clientId = uid('taken4');
    const old = await RawClient.connect(tb.port, 4);
    await old.connect({ clientId });
    const fresh = await RawClient.connect(tb.port, 4);
    await fresh.connect({ clientId });
    await old.closedByBroker();
    assert.deepEqual([...old.bytes()], [0x20, 0x02, 0x00, 0x00]); // only its own CONNACK
    fresh.destroy();
  });

  for (const protocolVersion of VERSIONS) {
    test(`[MQTT-3.1.2-8] the old connection's will is published on take-over (v${protocolVersion})`, async () => {
      const clientId = uid('will-taken');
      const topic = uid('takeover/will');
      const sub = await connect(tb.port, { protocolVersion });
      await sub.client.subscribeAsync(topic, { qos: 1 });
      const old = await connect(tb.port, { protocolVersion, clientId, will: { topic, payload: Buffer.from('old gone'), qos: 1, retain: false } });
      const fresh = await connect(tb.port, { protocolVersion, clientId });
      const [msg] = await sub.waitMessages(1);
      assert.equal(msg!.payload.toString(), 'old gone');
      await whenClosed(old.client);
      await fresh.end();
      await sub.end();
    });

    test(`[MQTT-3.2.2-2] take-over with clean=false continues the session (v${protocolVersion})`, async () => {
      const clientId = uid('continue');
      const topic = uid('takeover/sub');
      const opts = { protocolVersion, clientId, clean: false, properties: protocolVersion === 5 ? { sessionExpiryInterval: 60 } : undefined };
      const old = await connect(tb.port, opts);
      await old.client.subscribeAsync(topic, { qos: 1 });
      const fresh = await connectWithConnack(tb.port, opts);
      assert.equal(fresh.connack.sessionPresent, true);
      await whenClosed(old.client);
      const pub = await connect(tb.port, { protocolVersion });
      await pub.client.publishAsync(topic, 'to the new connection', { qos: 1 });
      const [msg] = await fresh.waitMessages(1);
      assert.equal(msg!.payload.toString(), 'to the new connection');
      assert.equal(old.messages.length, 0);
      await pub.end();
      await fresh.end();
      tb.broker.destroySession(tb.broker.sessions.get(clientId)!);
    });

    test(`[MQTT-3.1.2-4] take-over with clean=true starts a new session (v${protocolVersion})`, async () => {
      const clientId = uid('restart');
      const topic = uid('takeover/gone');
      const old = await connect(tb.port, { protocolVersion, clientId, clean: false, properties: protocolVersion === 5 ? { sessionExpiryInterval: 60 } : undefined });
      await old.client.subscribeAsync(topic, { qos: 1 });
      const fresh = await connectWithConnack(tb.port, { protocolVersion, clientId, clean: true });
      assert.equal(fresh.connack.sessionPresent, false);
      await whenClosed(old.client);
      assert.equal(tb.broker.sessions.get(clientId)?.subscriptions.size, 0);
      // the old subscription is gone: a marker on our own new subscription arrives alone
      await fresh.client.subscribeAsync(`${topic}/marker`, { qos: 1 });
      const pub = await connect(tb.port, { protocolVersion });
      await pub.client.publishAsync(topic, 'must not arrive', { qos: 1 });
      await pub.client.publishAsync(`${topic}/marker`, 'marker', { qos: 1 });
      await fresh.waitMessages(1);
      assert.deepEqual(fresh.messages.map((m) => m.payload.toString()), ['marker']);
      await pub.end();
      await fresh.end();
    });
  }

  test('[MQTT-3.1.3-9] v5 take-over with clean start 0 cancels a delayed will', async () => {
    const clientId = uid('delay-taken');
    const topic = uid('takeover/delayed');
    const sub = await connect(tb.port, { protocolVersion: 5 });
    await sub.client.subscribeAsync(topic, { qos: 1 });
    const opts = { protocolVersion: 5 as const, clientId, clean: false, properties: { sessionExpiryInterval: 60 } };
    const old = await connect(tb.port, { ...opts, will: { topic, payload: Buffer.from('x'), qos: 1, retain: false, properties: { willDelayInterval: 1 } } });
    const fresh = await connect(tb.port, opts);
    await whenClosed(old.client);
    await new Promise((r) => setTimeout(r, 1500)); // prove the delayed will does NOT come
    await sub.client.publishAsync(topic, 'marker', { qos: 1 });
    await sub.waitMessages(1);
    assert.deepEqual(sub.messages.map((m) => m.payload.toString()), ['marker']);
    await fresh.end();
    await sub.end();
  });

  test('[MQTT-3.1.4-3] repeated take-overs leave exactly one connected client and a correct count', async () => {
    const clientId = uid('flap');
    const before = tb.broker.stats.clientsConnected;
    const clients = [];
    for (let i = 0; i < 5; i++) clients.push(await connect(tb.port, { protocolVersion: 5, clientId }));
    for (const c of clients.slice(0, -1)) await whenClosed(c.client);
    assert.equal(tb.broker.stats.clientsConnected, before + 1);
    await clients.at(-1)!.end();
    await waitFor(() => tb.broker.stats.clientsConnected === before, 2000, 'client count back to where it was');
  });
});
