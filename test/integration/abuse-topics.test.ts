/**
 * Topic-space abuse: deep topic levels, thousands of subscriptions from one
 * client, retained-message floods. Limits are enforced, nothing overflows a
 * stack, state is released afterwards, and a probe client stays fast.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IDisconnectPacket, IPublishPacket, ISubscription } from 'mqtt-packet';
import { startBroker } from '../helpers/broker.js';
import { connect } from '../helpers/clients.js';
import { rawConnected, rawSubscribe } from '../helpers/messages.js';
import { describeProbe, startProbe } from '../helpers/probe.js';
import { waitFor } from '../helpers/wait.js';

test('deep topic levels: beyond max_topic_levels refused (PUBLISH 0x90, SUBSCRIBE 0x8F); unlimited, 32,768 levels route without trouble', async (t) => {
  const tb = await startBroker(); // max_topic_levels 201: mosquitto's limit of 200 '/' separators
  t.after(() => tb.stop());
  const levels = (n: number) => Array.from({ length: n }, (_, i) => `l${i}`).join('/');
  const deep = levels(202);
  const sub = await rawConnected(tb.port, 5);
  t.after(() => sub.destroy());
  const suback = await rawSubscribe(sub, [{ topic: deep, qos: 0 }, { topic: `${deep}/#`, qos: 0 }, { topic: levels(201), qos: 0 }, { topic: `${levels(200)}/#`, qos: 0 }]);
  assert.deepEqual(suback.granted, [0x8f, 0x8f, 0, 0], 'Topic Filter invalid beyond 201 levels, granted up to 201 (as mosquitto)');
  const pub = await rawConnected(tb.port, 5);
  pub.send({ cmd: 'publish', topic: deep, payload: Buffer.from('x'), qos: 0, retain: false, dup: false } as IPublishPacket);
  const d = (await pub.next('disconnect')) as IDisconnectPacket;
  assert.equal(d.reasonCode, 0x90, 'Topic Name invalid');

  const open = await startBroker({ mqtt: { max_topic_levels: 0 } });
  t.after(() => open.stop());
  const huge = 'a/'.repeat(32767) + 'z'; // 32,768 levels, 65,535 bytes: the longest topic there is
  const all = await connect(open.port, { clientId: 'deep-all' });
  t.after(() => all.end(true));
  await all.client.subscribeAsync(['#', `${'+/'.repeat(32767)}z`, `${'a/'.repeat(32767)}+`], { qos: 0 });
  const publisher = await connect(open.port, { clientId: 'deep-pub' });
  t.after(() => publisher.end(true));
  await publisher.client.publishAsync(huge, 'deep', { qos: 1, retain: true });
  const [got] = await all.waitMessages(1);
  assert.equal(got!.topic, huge);
  assert.equal(all.messages.length, 1, 'overlapping subscriptions: one copy');
  const late = await connect(open.port, { clientId: 'deep-late' });
  t.after(() => late.end(true));
  await late.client.subscribeAsync(`${'a/'.repeat(100)}#`, { qos: 0 });
  await late.waitMessages(1);
});

test('thousands of subscriptions per client: 5,000 filters, each delivering once; all released on disconnect', async (t) => {
  const tb = await startBroker();
  t.after(() => tb.stop());
  const probe = await startProbe(tb.port);
  const rc = await rawConnected(tb.port, 4, { clientId: 'many-subs' });
  t.after(() => rc.destroy());
  const started = performance.now();
  for (let batch = 0; batch < 50; batch++) {
    const subs: ISubscription[] = [];
    for (let i = 0; i < 100; i++) {
      const n = batch * 100 + i;
      // exact filters, single-level wildcards and multi-level wildcards, all distinct
      subs.push({ topic: n % 3 === 0 ? `dev/${n}/t` : n % 3 === 1 ? `dev/${n}/+` : `dev/${n}/#`, qos: 1 });
    }
    const suback = await rawSubscribe(rc, subs);
    assert.ok(suback.granted.every((g) => g === 1));
  }
  const subscribeMs = performance.now() - started;
  assert.equal(tb.broker.sessions.get('many-subs')!.subscriptions.size, 5000);
  const pub = await connect(tb.port, { clientId: 'many-pub' });
  t.after(() => pub.end(true));
  for (const n of [0, 1, 2, 4999]) await pub.client.publishAsync(`dev/${n}/t`, String(n), { qos: 1 });
  const got: string[] = [];
  while (got.length < 4) {
    const p = (await rc.next('publish')) as IPublishPacket;
    got.push(p.payload.toString());
    rc.send({ cmd: 'puback', messageId: p.messageId! });
  }
  assert.deepEqual(got, ['0', '1', '2', '4999']);
  const r = await probe.stop();
  t.diagnostic(`5,000 SUBSCRIBEs in ${subscribeMs.toFixed(0)} ms; probe ${describeProbe(r)}`);
  assert.equal(r.failures, 0, describeProbe(r));
  rc.destroy();
  await waitFor(() => !tb.broker.sessions.has('many-subs'), 3000, 'clean session gone');
  assert.equal(tb.broker.subscriptions.size, 0, 'every subscription released');
});

test('retained-message flood: 20,000 retained topics stored and delivered to a wildcard subscriber; cleared again by empty payloads', async (t) => {
  const tb = await startBroker();
  t.after(() => tb.stop());
  const baseline = tb.broker.retained.size;
  const probe = await startProbe(tb.port);
  const pub = await rawConnected(tb.port, 4, { clientId: 'ret-flood' });
  t.after(() => pub.destroy());
  const flood = (payload: (i: number) => Buffer) => {
    for (let i = 0; i < 20_000; i++) {
      pub.send({ cmd: 'publish', topic: `ret/${i % 100}/${i}`, payload: payload(i), qos: 0, retain: true, dup: false } as IPublishPacket);
    }
  };
  flood((i) => Buffer.from(`v${i}`));
  await waitFor(() => tb.broker.retained.size === baseline + 20_000, 10000, `20,000 retained (have ${tb.broker.retained.size - baseline})`);
  const sub = await connect(tb.port, { clientId: 'ret-sub' });
  t.after(() => sub.end(true));
  await sub.client.subscribeAsync('ret/#', { qos: 0 });
  await sub.waitMessages(20_000, 20000);
  assert.equal(new Set(sub.messages.map((m) => m.topic)).size, 20_000);
  const r = await probe.stop();
  t.diagnostic(`retained flood of 20,000 topics: probe ${describeProbe(r)}`);
  assert.equal(r.failures, 0, describeProbe(r));
  // the same topics again replace, they do not add
  flood((i) => Buffer.from(`w${i}`));
  flood(() => Buffer.alloc(0));
  pub.send({ cmd: 'pingreq' });
  await pub.next('pingresp', 10000);
  await waitFor(() => tb.broker.retained.size === baseline, 10000, 'retained cleared');
});
