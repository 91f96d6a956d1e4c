/**
 * persistence.inflight_wait_ms: a QoS 1 message already sent to a connected
 * persistent subscriber is written to the store only if the subscriber does
 * not acknowledge it in time; the publisher's PUBACK comes once the message
 * is durable here OR acknowledged by every subscriber it was in flight to,
 * and PUBACKs keep their order [MQTT-4.6.0-2]. Raw 3.1.1 clients, the real
 * SQLite store.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { IPubackPacket } from 'mqtt-packet';
import { openConnection, prepare } from '../../src/persistence/sqlite/native.js';
import { SqliteStore } from '../../src/persistence/sqlite/sqlite-store.js';
import { startBroker } from '../helpers/broker.js';
import type { RawClient } from '../helpers/raw-client.js';
import { expectSilence, nextPublish, rawConnected, rawSubscribe } from '../helpers/messages.js';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

async function setup(t: TestContext, settleWaitMs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'midge-settle-'));
  const file = join(dir, 'midge.db');
  // a long commit window would hide the wait: 0 makes every batch eager, as with closed-loop publishers
  const store = new SqliteStore({ file, logger: quiet, commitWindowMs: 0, settleWaitMs });
  const tb = await startBroker({ store, persistence: { enabled: true } });
  const clients: RawClient[] = [];
  t.after(async () => {
    for (const c of clients) c.destroy();
    await tb.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const client = async (clientId: string, filter?: string): Promise<RawClient> => {
    const c = await rawConnected(tb.port, 4, { clientId, clean: filter === undefined });
    clients.push(c);
    if (filter !== undefined) await rawSubscribe(c, filter, 1);
    return c;
  };
  /** Queue rows of `clientId` as a second connection sees them: what a power cut would leave. */
  const rowsOf = (clientId: string): number => {
    const db = openConnection(file, { readonly: true });
    try {
      return (prepare(db, 'SELECT count(*) AS n FROM queue WHERE client_id = ?').get(clientId) as { n: number }).n;
    } finally {
      db.close();
    }
  };
  return { tb, store, client, rowsOf };
}

const sendPublish = (c: RawClient, topic: string, messageId: number) =>
  c.send({ cmd: 'publish', topic, payload: Buffer.from(`m${messageId}`), qos: 1, retain: false, dup: false, messageId });

test('acknowledged by the subscriber within the wait: the publisher is acknowledged after it, and nothing is written', async (t) => {
  const { store, client, rowsOf } = await setup(t, 2000);
  const sub = await client('settle-sub', 'settle/#');
  const pub = await client('settle-pub');
  const before = store.stats();
  sendPublish(pub, 'settle/a', 11);
  const got = await nextPublish(sub);
  await expectSilence(pub, 100, 'puback'); // neither written nor acknowledged yet: no PUBACK
  const t0 = performance.now();
  sub.send({ cmd: 'puback', messageId: got.messageId! });
  const ack = (await pub.next('puback')) as IPubackPacket;
  assert.equal(ack.messageId, 11);
  assert.ok(performance.now() - t0 < 1000, 'released by the subscriber\'s PUBACK, not by the end of the 2 s wait');
  const after = store.stats();
  assert.equal(after.committedOps - before.committedOps, 0, 'the message was never written');
  assert.ok(after.cancelledOps > before.cancelledOps, 'its row was cancelled');
  assert.equal(rowsOf('settle-sub'), 0);
});

test('with inflight_wait_ms 0 the same message is written before the publisher is acknowledged', async (t) => {
  const { store, client } = await setup(t, 0);
  const sub = await client('settle-sub0', 'settle/#');
  const pub = await client('settle-pub0');
  const before = store.stats();
  sendPublish(pub, 'settle/a', 12);
  await nextPublish(sub);
  const ack = (await pub.next('puback')) as IPubackPacket; // no subscriber PUBACK: released by the flush
  assert.equal(ack.messageId, 12);
  assert.ok(store.stats().committedOps > before.committedOps, 'written at the end of the turn');
});

test('a subscriber that does not acknowledge: the publisher waits for the write, and the row is on disk when PUBACK comes', async (t) => {
  const { client, rowsOf } = await setup(t, 50);
  const sub = await client('silent-sub', 'silent/#');
  const pub = await client('silent-pub');
  sendPublish(pub, 'silent/a', 13);
  await nextPublish(sub); // never acknowledged
  const ack = (await pub.next('puback')) as IPubackPacket;
  assert.equal(ack.messageId, 13);
  assert.equal(rowsOf('silent-sub'), 1, 'acknowledged to the publisher only once stored');
});

test('PUBACKs keep their order when a later message is settled before an earlier one is written [MQTT-4.6.0-2]', async (t) => {
  const { client } = await setup(t, 300);
  const slow = await client('order-slow', 'order/slow');
  const fast = await client('order-fast', 'order/fast');
  const pub = await client('order-pub');
  sendPublish(pub, 'order/slow', 21);
  sendPublish(pub, 'order/fast', 22);
  await nextPublish(slow); // not acknowledged: 21 waits for its write (300 ms + a flush)
  const second = await nextPublish(fast);
  fast.send({ cmd: 'puback', messageId: second.messageId! }); // 22 may go now, but 21 is before it
  await expectSilence(pub, 100, 'puback');
  const first = (await pub.next('puback')) as IPubackPacket;
  const next = (await pub.next('puback')) as IPubackPacket;
  assert.deepEqual([first.messageId, next.messageId], [21, 22]);
});
