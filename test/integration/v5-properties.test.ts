/**
 * MQTT v5 message features: PUBLISH properties passed through, Message
 * Expiry Interval, Topic Aliases both ways, No Local, Request Problem
 * Information, and PUBACK/PUBREC reason codes.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IDisconnectPacket, IPubackPacket, IPublishPacket } from 'mqtt-packet';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { connect } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { ClientPool, expectSilence, nextPublish, pid, rawConnected, rawPublish, rawSubscribe, unique } from '../helpers/messages.js';
import { waitFor } from '../helpers/wait.js';

const pool = new ClientPool();
afterEach(() => pool.closeAll());

function publish(topic: string, payload: string | Buffer, qos: 0 | 1 | 2, properties?: IPublishPacket['properties']): IPublishPacket {
  return { cmd: 'publish', topic, payload, qos, retain: false, dup: false, messageId: qos ? pid() : undefined, properties } as IPublishPacket;
}

describe('v5 message properties', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker({ mqtt: { topic_alias_maximum: 4 } });
  });
  after(async () => {
    await tb.stop();
  });

  test('[MQTT-3.3.2-15..20] user properties, content type, payload format, response topic, correlation data reach the subscriber', async () => {
    const topic = unique('props');
    const sub = pool.add(await connect(tb.port, { protocolVersion: 5 }));
    await sub.client.subscribeAsync(topic, { qos: 1 });
    const pub = pool.add(await connect(tb.port, { protocolVersion: 5 }));
    const properties = {
      userProperties: { a: '1', b: ['x', 'y'] },
      contentType: 'application/json',
      payloadFormatIndicator: true,
      responseTopic: 'reply/here',
      correlationData: Buffer.from([1, 2, 3]),
    };
    await pub.client.publishAsync(topic, '{"ok":true}', { qos: 1, properties });
    const [m] = await sub.waitMessages(1);
    const got = m!.packet.properties!;
    assert.deepEqual({ ...got.userProperties }, properties.userProperties); // order and repeats kept [MQTT-3.3.2-18]
    assert.equal(got.contentType, 'application/json');
    assert.equal(got.payloadFormatIndicator, true);
    assert.equal(got.responseTopic, 'reply/here');
    assert.deepEqual(Buffer.from(got.correlationData!), properties.correlationData);
    assert.equal(got.messageExpiryInterval, undefined);
  });

  test('[MQTT-3.3.2-6] Message Expiry Interval of a queued message is decremented by the time it waited', async () => {
    const topic = unique('exp');
    const clientId = unique('expc');
    const opts = { clientId, clean: false, properties: { sessionExpiryInterval: 300 } };
    const sub = pool.add(await rawConnected(tb.port, 5, opts));
    await rawSubscribe(sub, topic, 1);
    sub.send({ cmd: 'disconnect' });
    await waitFor(() => tb.broker.sessions.get(clientId)?.connection === null, 2000, 'offline');
    const pub = pool.add(await rawConnected(tb.port, 5));
    pub.send(publish(topic, 'ages', 1, { messageExpiryInterval: 10 }));
    await pub.next('puback');
    const sentAt = Date.now();
    await waitFor(() => Date.now() - sentAt >= 1100, 3000, 'time to pass'); // the message must wait in the queue
    const again = pool.add(await RawClient.connect(tb.port, 5));
    await again.connect(opts);
    const p = await nextPublish(again);
    const left = p.properties?.messageExpiryInterval;
    assert.ok(left !== undefined && left < 10 && left > 0, `expiry ${left} should be below 10`);
  });

  test('[MQTT-3.3.2-5] an expired queued message is not delivered', async () => {
    const topic = unique('expd');
    const clientId = unique('expdc');
    const opts = { clientId, clean: false, properties: { sessionExpiryInterval: 300 } };
    const sub = pool.add(await rawConnected(tb.port, 5, opts));
    await rawSubscribe(sub, topic, 1);
    sub.send({ cmd: 'disconnect' });
    await waitFor(() => tb.broker.sessions.get(clientId)?.connection === null, 2000, 'offline');
    const pub = pool.add(await rawConnected(tb.port, 5));
    pub.send(publish(topic, 'dies', 1, { messageExpiryInterval: 1 }));
    await pub.next('puback');
    await rawPublish(pub, topic, 'lives', 1);
    const sentAt = Date.now();
    await waitFor(() => Date.now() - sentAt >= 1200, 3000, 'expiry to pass');
    const again = pool.add(await RawClient.connect(tb.port, 5));
    await again.connect(opts);
    const p = await nextPublish(again);
    assert.equal(p.payload.toString(), 'lives');
    again.send({ cmd: 'puback', messageId: p.messageId! });
    await expectSilence(again, 150, 'publish');
  });

  test('[MQTT-3.3.2-5] an expired retained message is not sent to a new subscriber', async () => {
    const topic = unique('expr');
    const pub = pool.add(await rawConnected(tb.port, 5));
    pub.send({ ...publish(topic, 'short', 1, { messageExpiryInterval: 1 }), retain: true });
    await pub.next('puback');
    const sentAt = Date.now();
    await waitFor(() => Date.now() - sentAt >= 1200, 3000, 'expiry to pass');
    const sub = pool.add(await rawConnected(tb.port, 5));
    await rawSubscribe(sub, topic, 1);
    await expectSilence(sub, 150, 'publish');
  });

  test('[MQTT-3.3.2-7..9] inbound Topic Alias: set with a topic, then used with an empty topic', async () => {
    const topic = unique('ali');
    const sub = pool.add(await rawConnected(tb.port, 5));
    await rawSubscribe(sub, topic, 0);
    const rc = pool.add(await rawConnected(tb.port, 5));
    rc.send(publish(topic, 'one', 0, { topicAlias: 2 }));
    rc.send(publish('', 'two', 1, { topicAlias: 2 }));
    assert.equal(((await rc.next('puback')) as IPubackPacket).reasonCode ?? 0, 0);
    const a = await nextPublish(sub);
    const b = await nextPublish(sub);
    assert.deepEqual([a.topic, b.topic], [topic, topic]);
    assert.deepEqual([a.payload.toString(), b.payload.toString()], ['one', 'two']);
  });

  for (const [alias, code, what] of [
    [5, 0x94, 'above topic_alias_maximum'],
    [0, 0x94, 'of 0'],
    [3, 0x82, 'never set, with an empty topic'],
  ] as const) {
    test(`[MQTT-3.3.2-8] [MQTT-3.3.2-9] inbound Topic Alias ${what} -> DISCONNECT 0x${code.toString(16)}`, async () => {
      const rc = pool.add(await rawConnected(tb.port, 5));
      rc.send(publish(alias === 3 ? '' : 'a/b', 'x', 0, { topicAlias: alias }));
      const d = (await rc.next('disconnect')) as IDisconnectPacket;
      assert.equal(d.reasonCode, code);
      assert.ok(d.properties?.reasonString, 'reason string sent when problem information is requested');
      await rc.closedByBroker();
    });
  }

  test('[MQTT-3.1.2-29] Request Problem Information = 0: DISCONNECT carries no Reason String', async () => {
    const rc = pool.add(await rawConnected(tb.port, 5, { properties: { requestProblemInformation: false } }));
    rc.send(publish('a/b', 'x', 0, { topicAlias: 99 }));
    const d = (await rc.next('disconnect')) as IDisconnectPacket;
    assert.equal(d.reasonCode, 0x94);
    assert.equal(d.properties?.reasonString, undefined);
  });

  test('[MQTT-3.3.2-10..12] outbound Topic Alias: second message to the client has an empty topic and the alias', async () => {
    const topic = unique('oali');
    const sub = pool.add(await rawConnected(tb.port, 5, { properties: { topicAliasMaximum: 2 } }));
    await rawSubscribe(sub, topic, 0);
    const pub = pool.add(await rawConnected(tb.port, 5));
    await rawPublish(pub, topic, 'first', 1);
    await rawPublish(pub, topic, 'second', 1);
    const a = await nextPublish(sub);
    const b = await nextPublish(sub);
    assert.equal(a.topic, topic);
    const alias = a.properties?.topicAlias;
    assert.ok(alias !== undefined && alias >= 1 && alias <= 2);
    assert.equal(b.topic, '');
    assert.equal(b.properties?.topicAlias, alias);
  });

  test('[MQTT-3.3.2-8] no outbound aliases beyond the client Topic Alias Maximum, none when it is 0', async () => {
    const base = unique('omax');
    const sub = pool.add(await rawConnected(tb.port, 5, { properties: { topicAliasMaximum: 1 } }));
    const none = pool.add(await rawConnected(tb.port, 5));
    for (const rc of [sub, none]) await rawSubscribe(rc, `${base}/+`, 0);
    const pub = pool.add(await rawConnected(tb.port, 5));
    for (const t of ['a', 'b', 'b']) await rawPublish(pub, `${base}/${t}`, t, 1);
    const got = [await nextPublish(sub), await nextPublish(sub), await nextPublish(sub)];
    assert.deepEqual(got.map((p) => [p.topic, p.properties?.topicAlias]), [[`${base}/a`, 1], [`${base}/b`, undefined], [`${base}/b`, undefined]]);
    const plain = [await nextPublish(none), await nextPublish(none), await nextPublish(none)];
    assert.ok(plain.every((p) => p.topic.startsWith(base) && p.properties?.topicAlias === undefined));
  });

  test('[MQTT-3.8.3-3] No Local: own messages are not sent back, others are; PUBACK 0x00 (mosquitto: a no-local match counts)', async () => {
    const topic = unique('nl');
    const me = pool.add(await rawConnected(tb.port, 5));
    await rawSubscribe(me, [{ topic, qos: 1, nl: true }]);
    const ack = (await rawPublish(me, topic, 'mine', 1)) as IPubackPacket;
    assert.equal(ack.reasonCode ?? 0, 0);
    const other = pool.add(await rawConnected(tb.port, 5));
    await rawPublish(other, topic, 'theirs', 1);
    const p = await nextPublish(me);
    assert.equal(p.payload.toString(), 'theirs');
    me.send({ cmd: 'puback', messageId: p.messageId! });
    await expectSilence(me, 100, 'publish');
  });

  test('[MQTT-3.4.2 / 3.5.2] PUBACK 0x10 with no matching subscribers, 0x00 with one; PUBREC 0x00 (as mosquitto)', async () => {
    const topic = unique('nms');
    const rc = pool.add(await rawConnected(tb.port, 5));
    assert.equal(((await rawPublish(rc, topic, 'x', 1)) as IPubackPacket).reasonCode, 0x10);
    assert.equal(((await rawPublish(rc, topic, 'x', 2)) as IPubackPacket).reasonCode ?? 0, 0);
    const sub = pool.add(await rawConnected(tb.port, 5));
    await rawSubscribe(sub, topic, 0);
    assert.equal(((await rawPublish(rc, topic, 'x', 1)) as IPubackPacket).reasonCode ?? 0, 0);
  });

  test('[MQTT-3.3.2-4] Payload Format Indicator 1 with invalid UTF-8 -> PUBACK 0x99, not delivered', async () => {
    const topic = unique('pfi');
    const sub = pool.add(await rawConnected(tb.port, 5));
    await rawSubscribe(sub, topic, 0);
    const rc = pool.add(await rawConnected(tb.port, 5));
    rc.send(publish(topic, Buffer.from([0xff, 0xfe]), 1, { payloadFormatIndicator: true }));
    assert.equal(((await rc.next('puback')) as IPubackPacket).reasonCode, 0x99);
    await expectSilence(sub, 100, 'publish');
  });

  for (const [what, properties] of [
    ['a Subscription Identifier', { subscriptionIdentifier: 3 }],
    ['a Response Topic with a wildcard', { responseTopic: 'reply/#' }],
  ] as const) {
    test(`[MQTT-3.3.4-6] [MQTT-3.3.2-14] PUBLISH from a client with ${what} is a protocol error (0x82)`, async () => {
      const rc = pool.add(await rawConnected(tb.port, 5));
      rc.send(publish('a/b', 'x', 1, properties));
      const d = (await rc.next('disconnect')) as IDisconnectPacket;
      assert.equal(d.reasonCode, 0x82);
      await rc.closedByBroker();
    });
  }

  test('3.1.1 subscriber gets the message of a v5 publisher without properties', async () => {
    const topic = unique('v4p');
    const sub = pool.add(await rawConnected(tb.port, 4));
    await rawSubscribe(sub, topic, 1);
    const pub = pool.add(await rawConnected(tb.port, 5));
    pub.send(publish(topic, 'hi', 1, { userProperties: { k: 'v' }, messageExpiryInterval: 60, contentType: 'text/plain' }));
    await pub.next('puback');
    const p = await nextPublish(sub);
    assert.equal(p.payload.toString(), 'hi');
    assert.equal(p.properties, undefined);
  });
});
