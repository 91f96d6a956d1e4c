/**
 * SUBSCRIBE / UNSUBSCRIBE [MQTT-3.8] [MQTT-3.10]: wildcards, `$` topics,
 * invalid filters and topic names, overlapping subscriptions, replacement.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IDisconnectPacket, IPublishPacket, IUnsubackPacket } from 'mqtt-packet';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { ClientPool, expectSilence, nextPublish, payloads, pid, PROTOCOLS, rawConnected, rawPublish, rawSubscribe, unique } from '../helpers/messages.js';
import type { RawClient } from '../helpers/raw-client.js';

const pool = new ClientPool();
afterEach(() => pool.closeAll());

/** Collect exactly `n` PUBLISHes then prove no more arrive. */
async function exactly(rc: RawClient, n: number): Promise<IPublishPacket[]> {
  const got: IPublishPacket[] = [];
  for (let i = 0; i < n; i++) got.push(await nextPublish(rc));
  await expectSilence(rc, 150, 'publish');
  return got;
}

describe('subscriptions', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.stop();
  });

  for (const v of PROTOCOLS) {
    test(`[MQTT-4.7.1-2] [MQTT-4.7.1-3] '+' matches one level, '#' any number including the parent (v${v})`, async () => {
      const r = unique('wc');
      const plus = pool.add(await rawConnected(tb.port, v));
      await rawSubscribe(plus, `${r}/+/c`, 0);
      const hash = pool.add(await rawConnected(tb.port, v));
      await rawSubscribe(hash, `${r}/#`, 0);
      const pub = pool.add(await rawConnected(tb.port, v));
      for (const t of [`${r}`, `${r}/b/c`, `${r}/b/c/d`, `${r}//c`, `${r}/x`]) await rawPublish(pub, t, t.slice(r.length) || '(root)', 1);
      assert.deepEqual(payloads(await exactly(plus, 2)), ['/b/c', '//c']);
      assert.deepEqual(payloads(await exactly(hash, 5)), ['(root)', '/b/c', '/b/c/d', '//c', '/x']);
    });

    test(`[MQTT-4.7.2-1] '#' and '+/...' do not match topics starting with '$'; '$x/#' does (v${v})`, async () => {
      const r = unique('dol');
      const wild = pool.add(await rawConnected(tb.port, v));
      await rawSubscribe(wild, [{ topic: '#', qos: 0 }, { topic: '+/x', qos: 0 }]);
      const dollar = pool.add(await rawConnected(tb.port, v));
      await rawSubscribe(dollar, `$${r}/#`, 0);
      const pub = pool.add(await rawConnected(tb.port, v));
      await rawPublish(pub, `$${r}/x`, 'd', 1);
      assert.equal((await nextPublish(dollar)).topic, `$${r}/x`);
      // the '#' subscriber sees other clients' traffic too: only '$' topics must be absent
      await new Promise((res) => setTimeout(res, 150));
      assert.equal(wild.packets.filter((p) => p.cmd === 'publish' && p.topic.startsWith('$')).length, 0);
    });

    test(`[MQTT-4.7.1-1] [MQTT-4.8.2-1] one ill-formed filter among valid ones refuses the whole SUBSCRIBE: closed, no SUBACK (v${v})`, async () => {
      for (const badFilter of ['a/#/b', 'a+', 'b/c#', '$share/g+/t', '$share//t', '$share/g']) {
        const sub = pool.add(await rawConnected(tb.port, v));
        sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: ['ok/+', badFilter, 'x/#'].map((topic) => ({ topic, qos: 1 as const })) });
        await sub.closedByBroker();
        assert.deepEqual(sub.packets.map((p) => p.cmd), v === 5 ? ['disconnect'] : [], badFilter);
      }
    });

    test(`[MQTT-3.3.2-2] a PUBLISH topic with a wildcard closes the connection (v5: DISCONNECT 0x90) (v${v})`, async () => {
      const rc = pool.add(await rawConnected(tb.port, v));
      rc.send({ cmd: 'publish', topic: 'a/+', payload: 'x', qos: 0, retain: false, dup: false } as IPublishPacket);
      await rc.closedByBroker();
      if (v === 5) assert.equal((rc.packets.find((p) => p.cmd === 'disconnect') as IDisconnectPacket)?.reasonCode, 0x90);
    });

    test(`[MQTT-3.3.4-2] overlapping subscriptions: one copy at the highest QoS (v${v})`, async () => {
      const r = unique('ov');
      const sub = pool.add(await rawConnected(tb.port, v));
      await rawSubscribe(sub, [{ topic: `${r}/#`, qos: 0 }, { topic: `${r}/+`, qos: 2 }, { topic: `${r}/t`, qos: 1 }]);
      const pub = pool.add(await rawConnected(tb.port, v));
      await rawPublish(pub, `${r}/t`, 'x', 2);
      const [p] = await exactly(sub, 1);
      assert.equal(p!.qos, 2);
    });

    test(`[MQTT-3.8.4-3] re-subscribing to the same filter replaces the subscription (v${v})`, async () => {
      const topic = unique('resub');
      const sub = pool.add(await rawConnected(tb.port, v));
      await rawSubscribe(sub, topic, 0);
      const again = await rawSubscribe(sub, topic, 1);
      assert.deepEqual(again.granted, [1]);
      const pub = pool.add(await rawConnected(tb.port, v));
      await rawPublish(pub, topic, 'x', 1);
      const [p] = await exactly(sub, 1);
      assert.equal(p!.qos, 1);
    });

    test(`[MQTT-3.10.4-1] [MQTT-3.10.4-4] UNSUBSCRIBE stops delivery and is answered with UNSUBACK (v${v})`, async () => {
      const topic = unique('unsub');
      const sub = pool.add(await rawConnected(tb.port, v));
      await rawSubscribe(sub, [{ topic, qos: 1 }, { topic: `${topic}/+`, qos: 1 }]);
      const messageId = pid();
      sub.send({ cmd: 'unsubscribe', messageId, unsubscriptions: [topic, `${topic}/nothing`] });
      const unsuback = (await sub.next('unsuback')) as IUnsubackPacket;
      assert.equal(unsuback.messageId, messageId);
      if (v === 5) assert.deepEqual(unsuback.granted, [0x00, 0x11]);
      const pub = pool.add(await rawConnected(tb.port, v));
      await rawPublish(pub, topic, 'a', 1);
      await rawPublish(pub, `${topic}/x`, 'b', 1);
      assert.deepEqual(payloads(await exactly(sub, 1)), ['b']);
    });
  }

  test('[MQTT-3.3.2-1] v5 zero-length topic without a Topic Alias is a protocol error (0x82)', async () => {
    const rc = pool.add(await rawConnected(tb.port, 5));
    rc.send({ cmd: 'publish', topic: '', payload: 'x', qos: 0, retain: false, dup: false } as IPublishPacket);
    await rc.closedByBroker();
    assert.equal((rc.packets.find((p) => p.cmd === 'disconnect') as IDisconnectPacket)?.reasonCode, 0x82);
  });

  test('[MQTT-3.3.4-3] [MQTT-3.3.4-4] v5 overlapping subscriptions: one copy carrying both subscription identifiers', async () => {
    const r = unique('sid');
    const sub = pool.add(await rawConnected(tb.port, 5));
    await rawSubscribe(sub, [{ topic: `${r}/#`, qos: 0 }], 0, { subscriptionIdentifier: 7 });
    await rawSubscribe(sub, [{ topic: `${r}/+`, qos: 1 }], 0, { subscriptionIdentifier: 9 });
    const pub = pool.add(await rawConnected(tb.port, 5));
    await rawPublish(pub, `${r}/t`, 'x', 1);
    const [p] = await exactly(sub, 1);
    assert.equal(p!.qos, 1);
    const ids = p!.properties?.subscriptionIdentifier;
    assert.deepEqual([ids].flat().sort(), [7, 9]);
  });

  test('[MQTT-3.8.2-? 3.8.2.1.2] subscription identifier is sent with matching messages and dropped on re-subscribe without one', async () => {
    const topic = unique('sid1');
    const sub = pool.add(await rawConnected(tb.port, 5));
    await rawSubscribe(sub, [{ topic, qos: 0 }], 0, { subscriptionIdentifier: 42 });
    const pub = pool.add(await rawConnected(tb.port, 5));
    await rawPublish(pub, topic, 'x', 1);
    assert.equal((await nextPublish(sub)).properties?.subscriptionIdentifier, 42);
    await rawSubscribe(sub, [{ topic, qos: 0 }]);
    await rawPublish(pub, topic, 'y', 1);
    assert.equal((await nextPublish(sub)).properties?.subscriptionIdentifier, undefined);
  });
});

describe('wildcard_subscription_available: false', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker({ mqtt: { wildcard_subscription_available: false } });
  });
  after(async () => {
    await tb.stop();
  });

  test('[MQTT-3.9.3 0xA2] v5 wildcard filters are refused, plain ones granted', async () => {
    const sub = pool.add(await rawConnected(tb.port, 5));
    const suback = await rawSubscribe(sub, [{ topic: 'a/+', qos: 1 }, { topic: 'a/b', qos: 1 }, { topic: '$share/g/#', qos: 0 }]);
    assert.deepEqual(suback.granted, [0xa2, 1, 0xa2]);
  });
});

describe('max_qos: 1', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker({ mqtt: { max_qos: 1 } });
  });
  after(async () => {
    await tb.stop();
  });

  for (const v of PROTOCOLS) {
    test(`[MQTT-3.2.2-9..11] SUBACK grants at most QoS 1 and a QoS 2 PUBLISH closes the connection (v${v})`, async () => {
      const rc = pool.add(await rawConnected(tb.port, v));
      assert.deepEqual((await rawSubscribe(rc, 'mq/t', 2)).granted, [1]);
      rc.send({ cmd: 'publish', topic: 'mq/t', payload: 'x', qos: 2, messageId: pid(), retain: false, dup: false } as IPublishPacket);
      await rc.closedByBroker();
      if (v === 5) assert.equal((rc.packets.find((p) => p.cmd === 'disconnect') as IDisconnectPacket)?.reasonCode, 0x9b);
      assert.equal(rc.packets.filter((p) => p.cmd === 'pubrec').length, 0);
    });
  }
});
