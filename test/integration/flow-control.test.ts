/**
 * Flow control [MQTT-4.9]: our in-flight window (max_inflight_messages, also
 * our v5 Receive Maximum), the client's v5 Receive Maximum, a client that
 * exceeds ours (DISCONNECT 0x93), queue limits for offline sessions, and
 * Maximum Packet Size in both directions.
 */
import { afterEach, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { IConnackPacket, IDisconnectPacket, IPublishPacket } from 'mqtt-packet';
import { startBroker, type TestBrokerOptions } from '../helpers/broker.js';
import { connect } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { ClientPool, expectSilence, nextPublish, pid, PROTOCOLS, rawConnected, rawSubscribe, unique } from '../helpers/messages.js';
import { waitFor } from '../helpers/wait.js';

const pool = new ClientPool();
afterEach(() => pool.closeAll());

async function broker(t: TestContext, options: TestBrokerOptions) {
  const tb = await startBroker(options);
  t.after(() => tb.stop());
  return tb;
}

describe('flow control', () => {
  for (const v of PROTOCOLS) {
    test(`[MQTT-4.9] max_inflight_messages 2: only 2 unacked QoS 1 PUBLISHes in flight, more after PUBACK (v${v})`, async (t) => {
      const tb = await broker(t, { mqtt: { max_inflight_messages: 2 } });
      const topic = unique('win');
      const sub = pool.add(await rawConnected(tb.port, v));
      await rawSubscribe(sub, topic, 1);
      const pub = pool.add(await connect(tb.port, { protocolVersion: v }));
      for (let i = 0; i < 5; i++) await pub.client.publishAsync(topic, `m${i}`, { qos: 1 });
      const a = await nextPublish(sub);
      const b = await nextPublish(sub);
      await expectSilence(sub, 200, 'publish');
      sub.send({ cmd: 'puback', messageId: a.messageId! });
      const c = await nextPublish(sub);
      await expectSilence(sub, 100, 'publish');
      sub.send({ cmd: 'puback', messageId: b.messageId! });
      sub.send({ cmd: 'puback', messageId: c.messageId! });
      const d = await nextPublish(sub);
      const e = await nextPublish(sub);
      assert.deepEqual([a, b, c, d, e].map((p) => p.payload.toString()), ['m0', 'm1', 'm2', 'm3', 'm4']); // order kept [MQTT-4.6.0-6]
    });

    test(`[MQTT-4.9] the window also holds QoS 2 until PUBCOMP (v${v})`, async (t) => {
      const tb = await broker(t, { mqtt: { max_inflight_messages: 1 } });
      const topic = unique('win2');
      const sub = pool.add(await rawConnected(tb.port, v));
      await rawSubscribe(sub, topic, 2);
      const pub = pool.add(await connect(tb.port, { protocolVersion: v }));
      await pub.client.publishAsync(topic, 'one', { qos: 2 });
      await pub.client.publishAsync(topic, 'two', { qos: 2 });
      const a = await nextPublish(sub);
      sub.send({ cmd: 'pubrec', messageId: a.messageId! });
      await sub.next('pubrel');
      await expectSilence(sub, 150, 'publish'); // PUBREC alone does not free the slot
      sub.send({ cmd: 'pubcomp', messageId: a.messageId! });
      assert.equal((await nextPublish(sub)).payload.toString(), 'two');
    });
  }

  test('[MQTT-4.9] a v5 PUBREC with an error code ends the QoS 2 flow and frees the slot', async (t) => {
    const tb = await broker(t, { mqtt: { max_inflight_messages: 1 } });
    const topic = unique('recerr');
    const sub = pool.add(await rawConnected(tb.port, 5));
    await rawSubscribe(sub, topic, 2);
    const pub = pool.add(await connect(tb.port, { protocolVersion: 5 }));
    await pub.client.publishAsync(topic, 'refused', { qos: 2 });
    await pub.client.publishAsync(topic, 'next', { qos: 2 });
    const a = await nextPublish(sub);
    sub.send({ cmd: 'pubrec', messageId: a.messageId!, reasonCode: 0x80 });
    const b = await nextPublish(sub); // no PUBREL for a refused message: the next PUBLISH comes instead
    assert.equal(b.payload.toString(), 'next');
    assert.equal(sub.packets.filter((p) => p.cmd === 'pubrel').length, 0);
  });

  test('[MQTT-3.2.2-?] v5 CONNACK advertises max_inflight_messages as Receive Maximum', async (t) => {
    const tb = await broker(t, { mqtt: { max_inflight_messages: 7 } });
    const rc = pool.add(await RawClient.connect(tb.port, 5));
    const connack = (await rc.connect()) as IConnackPacket;
    assert.equal(connack.properties?.receiveMaximum, 7);
  });

  test('[MQTT-3.3.4-9] v5 client Receive Maximum 1 limits what we send unacknowledged', async (t) => {
    const tb = await broker(t, {});
    const topic = unique('rm');
    const sub = pool.add(await rawConnected(tb.port, 5, { properties: { receiveMaximum: 1 } }));
    await rawSubscribe(sub, topic, 1);
    const pub = pool.add(await connect(tb.port, { protocolVersion: 5 }));
    for (let i = 0; i < 3; i++) await pub.client.publishAsync(topic, `m${i}`, { qos: 1 });
    const a = await nextPublish(sub);
    await expectSilence(sub, 200, 'publish');
    sub.send({ cmd: 'puback', messageId: a.messageId! });
    const b = await nextPublish(sub);
    await expectSilence(sub, 100, 'publish');
    sub.send({ cmd: 'puback', messageId: b.messageId! });
    assert.equal((await nextPublish(sub)).payload.toString(), 'm2');
  });

  test('[MQTT-3.3.4-8] v5 client sending more unacknowledged QoS 2 than our Receive Maximum gets DISCONNECT 0x93', async (t) => {
    const tb = await broker(t, { mqtt: { max_inflight_messages: 2 } });
    const rc = pool.add(await rawConnected(tb.port, 5));
    const topic = unique('rmx');
    for (let i = 0; i < 2; i++) {
      rc.send({ cmd: 'publish', topic, payload: 'x', qos: 2, retain: false, dup: false, messageId: pid() } as IPublishPacket);
      await rc.next('pubrec');
    }
    rc.send({ cmd: 'publish', topic, payload: 'x', qos: 2, retain: false, dup: false, messageId: pid() } as IPublishPacket);
    const d = (await rc.next('disconnect')) as IDisconnectPacket;
    assert.equal(d.reasonCode, 0x93);
    await rc.closedByBroker();
  });

  test('[MQTT-3.3.4-8] releasing with PUBREL frees our Receive Maximum again (v5)', async (t) => {
    const tb = await broker(t, { mqtt: { max_inflight_messages: 1 } });
    const rc = pool.add(await rawConnected(tb.port, 5));
    const topic = unique('rmf');
    for (let i = 0; i < 3; i++) {
      const messageId = pid();
      rc.send({ cmd: 'publish', topic, payload: 'x', qos: 2, retain: false, dup: false, messageId } as IPublishPacket);
      await rc.next('pubrec');
      rc.send({ cmd: 'pubrel', messageId });
      await rc.next('pubcomp');
    }
    assert.equal(rc.closed, false);
  });

  test('[MQTT-4.9] our Receive Maximum quota starts afresh on a new connection; unreleased QoS 2 ids stay exactly-once', async (t) => {
    const tb = await broker(t, { mqtt: { max_inflight_messages: 2 } });
    const topic = unique('rmr');
    const clientId = unique('rmrc');
    const opts = { clientId, clean: false, properties: { sessionExpiryInterval: 300 } };
    const sub = pool.add(await connect(tb.port, { protocolVersion: 5 }));
    await sub.client.subscribeAsync(topic, { qos: 2 });
    const rc = pool.add(await rawConnected(tb.port, 5, opts));
    const old = [pid(), pid()];
    for (const messageId of old) {
      rc.send({ cmd: 'publish', topic, payload: `old${messageId}`, qos: 2, retain: false, dup: false, messageId } as IPublishPacket);
      await rc.next('pubrec');
    }
    rc.destroy(); // the two ids are never released on this connection
    await waitFor(() => tb.broker.sessions.get(clientId)?.connection === null, 2000, 'offline');
    const rc2 = pool.add(await RawClient.connect(tb.port, 5));
    assert.equal((await rc2.connect(opts)).sessionPresent, true);
    // a fresh quota of 2: two new QoS 2 messages are allowed before the old PUBRELs
    for (let i = 0; i < 2; i++) {
      rc2.send({ cmd: 'publish', topic, payload: `new${i}`, qos: 2, retain: false, dup: false, messageId: pid() } as IPublishPacket);
      await rc2.next('pubrec');
    }
    for (const messageId of old) {
      rc2.send({ cmd: 'publish', topic, payload: 'dup', qos: 2, retain: false, dup: true, messageId } as IPublishPacket);
      await rc2.next('pubrec'); // a resend of an unreleased id is acknowledged, not counted, not delivered again
      rc2.send({ cmd: 'pubrel', messageId });
      await rc2.next('pubcomp');
    }
    await sub.waitMessages(4);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(sub.messages.length, 4);
    assert.equal(rc2.closed, false);
  });

  for (const v of PROTOCOLS) {
    test(`max_queued_messages 3: an offline persistent session keeps 3, drops the excess (v${v})`, async (t) => {
      const tb = await broker(t, { mqtt: { max_queued_messages: 3 } });
      const topic = unique('q');
      const clientId = unique('qc');
      const opts = v === 5 ? { clientId, clean: false, properties: { sessionExpiryInterval: 300 } } : { clientId, clean: false };
      const sub = pool.add(await rawConnected(tb.port, v, opts));
      await rawSubscribe(sub, topic, 1);
      sub.send({ cmd: 'disconnect' });
      await waitFor(() => tb.broker.sessions.get(clientId)?.connection === null, 2000, 'session offline');
      const pub = pool.add(await connect(tb.port, { protocolVersion: v }));
      for (let i = 0; i < 5; i++) await pub.client.publishAsync(topic, `m${i}`, { qos: 1 });
      assert.equal(tb.broker.stats.droppedQueueFull, 2);
      const again = pool.add(await RawClient.connect(tb.port, v));
      const connack = await again.connect(opts);
      assert.equal(connack.sessionPresent, true);
      const got: string[] = [];
      for (let i = 0; i < 3; i++) {
        const p = await nextPublish(again);
        got.push(p.payload.toString());
        again.send({ cmd: 'puback', messageId: p.messageId! });
      }
      assert.deepEqual(got, ['m0', 'm1', 'm2']);
      await expectSilence(again, 150, 'publish');
    });

    test(`QoS 0 is not queued for an offline session by default (v${v})`, async (t) => {
      const tb = await broker(t, {});
      const topic = unique('q0');
      const clientId = unique('q0c');
      const opts = v === 5 ? { clientId, clean: false, properties: { sessionExpiryInterval: 300 } } : { clientId, clean: false };
      const sub = pool.add(await rawConnected(tb.port, v, opts));
      await rawSubscribe(sub, [{ topic, qos: 1 }]);
      sub.send({ cmd: 'disconnect' });
      await waitFor(() => tb.broker.sessions.get(clientId)?.connection === null, 2000, 'session offline');
      const pub = pool.add(await connect(tb.port, { protocolVersion: v }));
      await pub.client.publishAsync(topic, 'zero', { qos: 0 });
      await pub.client.publishAsync(topic, 'one', { qos: 1 });
      const again = pool.add(await RawClient.connect(tb.port, v));
      await again.connect(opts);
      const p = await nextPublish(again);
      assert.equal(p.payload.toString(), 'one');
      again.send({ cmd: 'puback', messageId: p.messageId! });
      await expectSilence(again, 150, 'publish');
    });

    test(`[MQTT-3.2.2-? 3.1.2.11.4] a packet above our max_packet_size closes the connection (v${v})`, async (t) => {
      const tb = await broker(t, { mqtt: { max_packet_size: 200 } });
      const rc = pool.add(await rawConnected(tb.port, v));
      rc.send({ cmd: 'publish', topic: 'big', payload: Buffer.alloc(300), qos: 0, retain: false, dup: false } as IPublishPacket);
      await rc.closedByBroker();
      if (v === 5) {
        const d = rc.packets.find((p) => p.cmd === 'disconnect') as IDisconnectPacket | undefined;
        assert.equal(d?.reasonCode, 0x95);
      }
    });
  }

  test('[MQTT-3.3.2-5] expired queued messages make room in a full queue for new ones (v5)', async (t) => {
    const tb = await broker(t, { mqtt: { max_queued_messages: 2 } });
    const topic = unique('qexp');
    const clientId = unique('qexpc');
    const opts = { clientId, clean: false, properties: { sessionExpiryInterval: 300 } };
    const sub = pool.add(await rawConnected(tb.port, 5, opts));
    await rawSubscribe(sub, topic, 1);
    sub.send({ cmd: 'disconnect' });
    await waitFor(() => tb.broker.sessions.get(clientId)?.connection === null, 2000, 'session offline');
    const pub = pool.add(await connect(tb.port, { protocolVersion: 5 }));
    for (let i = 0; i < 2; i++) await pub.client.publishAsync(topic, `short${i}`, { qos: 1, properties: { messageExpiryInterval: 1 } });
    const sentAt = Date.now();
    await waitFor(() => Date.now() - sentAt >= 1100, 3000, 'expiry to pass');
    await pub.client.publishAsync(topic, 'fresh', { qos: 1 });
    assert.equal(tb.broker.stats.droppedQueueFull, 0);
    const again = pool.add(await RawClient.connect(tb.port, 5));
    await again.connect(opts);
    assert.equal((await nextPublish(again)).payload.toString(), 'fresh');
    await expectSilence(again, 100, 'publish');
  });

  test('[MQTT-3.1.2-25] a message above the v5 client Maximum Packet Size is not sent to it; others still get it', async (t) => {
    const tb = await broker(t, {});
    const topic = unique('mps');
    const small = pool.add(await rawConnected(tb.port, 5, { properties: { maximumPacketSize: 100 } }));
    await rawSubscribe(small, topic, 1);
    const large = pool.add(await rawConnected(tb.port, 5));
    await rawSubscribe(large, topic, 1);
    const pub = pool.add(await connect(tb.port, { protocolVersion: 5 }));
    await pub.client.publishAsync(topic, Buffer.alloc(500, 0x61), { qos: 1 });
    await pub.client.publishAsync(topic, 'tiny', { qos: 1 });
    const l1 = await nextPublish(large);
    const l2 = await nextPublish(large);
    assert.equal(l1.payload.length, 500);
    assert.equal(l2.payload.toString(), 'tiny');
    const s1 = await nextPublish(small);
    assert.equal(s1.payload.toString(), 'tiny');
    assert.equal(tb.broker.stats.droppedTooLarge, 1);
    small.send({ cmd: 'puback', messageId: s1.messageId! });
    await waitFor(() => tb.broker.sessions.get(small.clientId!)?.inflight.size === 0, 2000, 'small in-flight empty');
  });
});
