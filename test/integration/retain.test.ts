/**
 * Retained messages [MQTT-3.3.1-5..13]: stored, replaced, deleted by an
 * empty payload, sent with RETAIN=1 on subscribe, RETAIN=0 to existing
 * subscribers (3.1.1) or as published (v5 Retain As Published), v5 Retain
 * Handling 0/1/2, and `retain_available: false`.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IConnackPacket, IDisconnectPacket, IPublishPacket } from 'mqtt-packet';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { connect } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { ClientPool, expectSilence, nextPublish, payloads, PROTOCOLS, rawConnected, rawPublish, rawSubscribe, unique } from '../helpers/messages.js';
import { waitFor } from '../helpers/wait.js';

const pool = new ClientPool();
afterEach(() => pool.closeAll());

describe('retained messages', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.stop();
  });

  for (const v of PROTOCOLS) {
    test(`[MQTT-3.3.1-5] [MQTT-3.3.1-8] retained message sent on subscribe with RETAIN=1 at min QoS (v${v})`, async () => {
      const topic = unique('ret');
      const pub = pool.add(await rawConnected(tb.port, v));
      await rawPublish(pub, topic, 'kept', 2, { retain: true });
      const sub = pool.add(await rawConnected(tb.port, v));
      await rawSubscribe(sub, topic, 1);
      const p = await nextPublish(sub);
      assert.equal(p.payload.toString(), 'kept');
      assert.equal(p.retain, true);
      assert.equal(p.qos, 1);
    });

    test(`[MQTT-3.3.1-5] a new retained message replaces the old one (v${v})`, async () => {
      const topic = unique('rep');
      const pub = pool.add(await rawConnected(tb.port, v));
      await rawPublish(pub, topic, 'old', 1, { retain: true });
      await rawPublish(pub, topic, 'new', 1, { retain: true });
      await rawPublish(pub, topic, 'not-retained', 1); // [MQTT-3.3.1-12 sense] a non-retained publish leaves it alone
      const sub = pool.add(await rawConnected(tb.port, v));
      await rawSubscribe(sub, topic, 0);
      assert.equal((await nextPublish(sub)).payload.toString(), 'new');
      await expectSilence(sub, 150, 'publish');
    });

    test(`[MQTT-3.3.1-10] [MQTT-3.3.1-11] empty retained payload deletes it and is not stored (v${v})`, async () => {
      const topic = unique('del');
      const pub = pool.add(await rawConnected(tb.port, v));
      await rawPublish(pub, topic, 'gone soon', 1, { retain: true });
      const before = tb.broker.retained.size;
      const live = pool.add(await rawConnected(tb.port, v));
      await rawSubscribe(live, topic, 0);
      assert.equal((await nextPublish(live)).payload.toString(), 'gone soon');
      await rawPublish(pub, topic, '', 1, { retain: true });
      // the empty message still goes to existing subscribers as a normal message
      const empty = await nextPublish(live);
      assert.equal(empty.payload.length, 0);
      assert.equal(tb.broker.retained.size, before - 1);
      const sub = pool.add(await rawConnected(tb.port, v));
      await rawSubscribe(sub, topic, 0);
      await expectSilence(sub, 150, 'publish');
    });

    test(`[MQTT-3.3.1-12] RETAIN=0 when a retained message goes to an existing subscription (v${v})`, async () => {
      const topic = unique('live');
      const sub = pool.add(await rawConnected(tb.port, v));
      await rawSubscribe(sub, topic, 1);
      const pub = pool.add(await rawConnected(tb.port, v));
      await rawPublish(pub, topic, 'r', 1, { retain: true });
      const p = await nextPublish(sub);
      assert.equal(p.retain, false);
    });

    test(`[MQTT-3.3.1-8] wildcard subscription gets every matching retained message, not $-topics for a leading wildcard (v${v})`, async () => {
      const root = unique('wr');
      const pub = pool.add(await rawConnected(tb.port, v));
      await rawPublish(pub, `${root}/a`, 'A', 0, { retain: true });
      await rawPublish(pub, `${root}/b/c`, 'C', 0, { retain: true });
      await rawPublish(pub, `$${root}/x`, 'dollar', 1, { retain: true });
      const sub = pool.add(await rawConnected(tb.port, v));
      await rawSubscribe(sub, `${root}/#`, 0);
      const got = [await nextPublish(sub), await nextPublish(sub)];
      assert.deepEqual(payloads(got).sort(), ['A', 'C']);
      const all = pool.add(await rawConnected(tb.port, v));
      await rawSubscribe(all, '+/x', 0); // [MQTT-4.7.2-1]
      await expectSilence(all, 150, 'publish');
    });
  }

  test('[MQTT-3.3.1-12] v5 Retain As Published keeps RETAIN=1 for an existing subscription; without it RETAIN=0', async () => {
    const topic = unique('rap');
    const rap = pool.add(await rawConnected(tb.port, 5));
    await rawSubscribe(rap, [{ topic, qos: 1, rap: true }]);
    const plain = pool.add(await rawConnected(tb.port, 5));
    await rawSubscribe(plain, [{ topic, qos: 1, rap: false }]);
    const pub = pool.add(await connect(tb.port, { protocolVersion: 5 }));
    await pub.client.publishAsync(topic, 'r', { qos: 1, retain: true });
    assert.equal((await nextPublish(rap)).retain, true);
    assert.equal((await nextPublish(plain)).retain, false);
  });

  test('[MQTT-3.3.1-9] [MQTT-3.3.1-10] [MQTT-3.3.1-11] v5 Retain Handling 0 / 1 / 2 on first and repeated SUBSCRIBE', async () => {
    const topic = unique('rh');
    const pub = pool.add(await rawConnected(tb.port, 5));
    await rawPublish(pub, topic, 'r', 1, { retain: true });
    const counts: number[] = [];
    for (const rh of [0, 1, 2] as const) {
      const sub = pool.add(await rawConnected(tb.port, 5));
      let n = 0;
      for (let round = 0; round < 2; round++) {
        await rawSubscribe(sub, [{ topic, qos: 0, rh }]);
        if (rh < 2 && (round === 0 || rh === 0)) {
          await nextPublish(sub);
          n++;
        }
      }
      await expectSilence(sub, 150, 'publish');
      counts.push(n);
    }
    assert.deepEqual(counts, [2, 1, 0]);
  });

  test('[MQTT-3.8.4 / 4.8.2] no retained messages are sent for a new shared subscription', async () => {
    const topic = unique('rshare');
    const pub = pool.add(await rawConnected(tb.port, 5));
    await rawPublish(pub, topic, 'r', 1, { retain: true });
    const sub = pool.add(await rawConnected(tb.port, 5));
    await rawSubscribe(sub, `$share/g/${topic}`, 1);
    await expectSilence(sub, 150, 'publish');
  });
});

describe('retain_available: false', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker({ mqtt: { retain_available: false } });
  });
  after(async () => {
    await tb.stop();
  });

  test('[MQTT-3.2.2-14] v5 CONNACK says Retain Available = 0 and a retained PUBLISH gets DISCONNECT 0x9A', async () => {
    const rc = pool.add(await RawClient.connect(tb.port, 5));
    const connack = (await rc.connect()) as IConnackPacket;
    assert.equal(connack.properties?.retainAvailable, false);
    rc.send({ cmd: 'publish', topic: 't', payload: 'x', qos: 0, retain: true, dup: false } as IPublishPacket);
    const d = (await rc.next('disconnect')) as IDisconnectPacket;
    assert.equal(d.reasonCode, 0x9a);
    await rc.closedByBroker();
  });

  test('3.1.1 retained PUBLISH closes the connection; nothing is stored', async () => {
    const rc = pool.add(await rawConnected(tb.port, 4));
    rc.send({ cmd: 'publish', topic: 't', payload: 'x', qos: 1, messageId: 5, retain: true, dup: false } as IPublishPacket);
    await rc.closedByBroker();
    assert.equal(rc.packets.filter((p) => p.cmd === 'puback').length, 0);
    assert.equal(tb.broker.retained.size, 0);
  });

  test('non-retained publishing still works', async () => {
    const topic = unique('nr');
    const sub = pool.add(await connect(tb.port, { protocolVersion: 5 }));
    await sub.client.subscribeAsync(topic, { qos: 1 });
    const pub = pool.add(await connect(tb.port, { protocolVersion: 5 }));
    await pub.client.publishAsync(topic, 'ok', { qos: 1 });
    await sub.waitMessages(1);
    await waitFor(() => sub.messages.length === 1);
  });
});
