/**
 * Bounded disk: persistence.max_store_bytes (drop queued QoS 0 first, then
 * refuse with v5 0x97) and a full disk (SQLite max_page_count): no crash,
 * nothing acknowledged lost, writing resumes when space returns.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { IPubackPacket, IPublishPacket } from 'mqtt-packet';
import { SqliteStore } from '../../src/persistence/sqlite/sqlite-store.js';
import { RC } from '../../src/reason-codes.js';
import { startBroker } from '../helpers/broker.js';
import { connect } from '../helpers/clients.js';
import { rawConnected, rawPublish, rawSubscribe } from '../helpers/messages.js';
import { waitFor } from '../helpers/wait.js';

const persistentV5 = { clean: false, properties: { sessionExpiryInterval: 3600 } };

/** Leave a persistent v5 session subscribed to `filter` behind, offline. */
async function offlineSubscriber(port: number, clientId: string, filter: string, qos: 0 | 1 | 2 = 1): Promise<void> {
  const sub = await rawConnected(port, 5, { clientId, ...persistentV5 });
  await rawSubscribe(sub, filter, qos);
  sub.send({ cmd: 'disconnect' });
  await sub.closedByBroker();
}

test('persistence.max_store_bytes: past the bound new messages are not stored and v5 publishers get 0x97', async (t) => {
  const tb = await startBroker({ persistence: { max_store_bytes: 1000 } });
  t.after(() => tb.stop());
  await offlineSubscriber(tb.port, 'bounded-sub', 'b/#');
  const pub = await rawConnected(tb.port, 5);
  t.after(() => pub.destroy());
  const codes: number[] = [];
  for (let i = 0; i < 20; i++) {
    const ack = (await rawPublish(pub, 'b/t', Buffer.alloc(97, i), 1)) as IPubackPacket; // 100 bytes with the topic
    codes.push(ack.reasonCode ?? 0);
  }
  assert.deepEqual(codes.slice(0, 10), Array(10).fill(RC.SUCCESS), 'the first 1000 bytes fit');
  assert.deepEqual(codes.slice(10), Array(10).fill(RC.QUOTA_EXCEEDED), 'then 0x97 Quota exceeded');
  assert.equal(tb.broker.stats.droppedStoreFull, 10);
  assert.equal(tb.broker.storedBytes, 1000);

  const back = await connect(tb.port, { clientId: 'bounded-sub', protocolVersion: 5, ...persistentV5 });
  t.after(() => back.end(true));
  const got = await back.waitMessages(10);
  assert.deepEqual(got.map((m) => m.payload[0]), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'exactly the acknowledged ones, in order');
  await waitFor(() => tb.broker.storedBytes === 0, 3000, 'the store to empty once delivered');
});

test('persistence.max_store_bytes: queued QoS 0 messages are dropped first to make room', async (t) => {
  const tb = await startBroker({ persistence: { max_store_bytes: 500 }, mqtt: { queue_qos0_messages: true } });
  t.after(() => tb.stop());
  await offlineSubscriber(tb.port, 'q0-sub', 'z/#', 1);
  const pub = await rawConnected(tb.port, 5);
  t.after(() => pub.destroy());
  for (let i = 0; i < 5; i++) await rawPublish(pub, 'z/0', Buffer.alloc(97, i), 0); // 5 x 100 bytes: full
  await waitFor(() => tb.broker.storedBytes === 500, 2000, 'QoS 0 messages queued');
  const ack = (await rawPublish(pub, 'z/1', Buffer.alloc(97, 0xaa), 1)) as IPubackPacket;
  assert.equal(ack.reasonCode ?? 0, RC.SUCCESS, 'QoS 1 accepted by dropping a QoS 0 message');
  assert.equal(tb.broker.stats.droppedStoreFull, 1);
  const back = await connect(tb.port, { clientId: 'q0-sub', protocolVersion: 5, ...persistentV5 });
  t.after(() => back.end(true));
  const got = await back.waitMessages(5);
  assert.deepEqual(got.map((m) => `${m.topic}:${m.payload[0]}`), ['z/0:1', 'z/0:2', 'z/0:3', 'z/0:4', 'z/1:170'], 'the oldest QoS 0 went');
});

test('disk full (SQLite max_page_count): 0x97 / no ack, broker keeps running, recovers when space returns', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'midge-full-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new SqliteStore({ file: join(dir, 'midge.db'), logger: { info() {}, warn() {}, error() {} }, retryInitialMs: 20, retryMaxMs: 50 });
  const tb = await startBroker({ store });
  t.after(async () => {
    await tb.stop();
    store.close();
  });
  await offlineSubscriber(tb.port, 'full-sub', 'f/#');
  store.setMaxPageCount(1); // SQLite raises it to the pages in use now: no room to grow
  const pub = await rawConnected(tb.port, 5);
  t.after(() => pub.destroy());
  const acked: number[] = [];
  let refused = 0;
  for (let i = 0; i < 400 && refused === 0; i++) {
    const ack = (await rawPublish(pub, 'f/t', Buffer.alloc(2000, i % 251), 1)) as IPubackPacket;
    if ((ack.reasonCode ?? 0) === RC.SUCCESS) acked.push(i);
    else {
      assert.equal(ack.reasonCode, RC.QUOTA_EXCEEDED, 'a full disk is reported as 0x97');
      refused++;
    }
  }
  assert.equal(refused, 1, 'the disk filled up');
  assert.ok(tb.broker.stats.storeErrors >= 1);

  // a 3.1.1 publisher cannot be told: it gets no PUBACK and its connection is closed
  const old = await rawConnected(tb.port, 4);
  old.send({ cmd: 'publish', topic: 'f/t', payload: Buffer.from('v3'), qos: 1, retain: false, dup: false, messageId: 7 } as IPublishPacket);
  await old.closedByBroker(5000);
  assert.equal(old.packets.filter((p) => p.cmd === 'puback').length, 0, 'no PUBACK for an unstored message');

  store.setMaxPageCount(1_000_000); // space returns
  const after = (await rawPublish(pub, 'f/t', Buffer.from('after'), 1)) as IPubackPacket;
  assert.equal(after.reasonCode ?? 0, RC.SUCCESS, 'writes succeed again');

  const back = await connect(tb.port, { clientId: 'full-sub', protocolVersion: 5, ...persistentV5 });
  t.after(() => back.end(true));
  await back.waitMessages(acked.length + 1, 10000);
  await waitFor(() => back.messages.some((m) => m.payload.toString() === 'after'), 5000, 'the message sent after recovery');
  const firstBytes = new Set(back.messages.filter((m) => m.payload.length === 2000).map((m) => m.payload[0]));
  const lost = acked.filter((i) => !firstBytes.has(i % 251));
  assert.deepEqual(lost, [], 'every acknowledged message is delivered');
});
