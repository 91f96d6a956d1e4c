/**
 * The bridge outbound queue part of the Store contract, run against every
 * implementation: order, paging, removal, stats, dead letters, purge,
 * isolation between bridges, the store-wide seq and store id, and (durable
 * stores) survival across reopen.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { BridgeQueueEntry, Store } from '../../src/persistence/types.js';

const T0 = 1_700_000_000_000;

function bq(seq: number, topic = `up/${seq}`, payload = `p${seq}`): BridgeQueueEntry {
  return { seq, message: { topic, payload: Buffer.from(payload), qos: 1, retain: false, receivedAt: T0 + seq } };
}

const durable = (s: Store) => new Promise<void>((resolve, reject) => s.whenDurable((err) => (err ? reject(err) : resolve())));

export function bridgeQueueConformance(name: string, make: () => Store | Promise<Store>, reopen?: (s: Store) => Store): void {
  async function open(t: TestContext): Promise<Store> {
    const store = await make();
    t.after(() => store.close());
    return store;
  }

  describe(`${name}: bridge queues`, () => {
    it('loads in seq order, pages with afterSeq and limit', async (t) => {
      const s = await open(t);
      for (const seq of [3, 5, 8, 13, 21]) s.bridgeQueue.enqueue('cloud', bq(seq));
      const q = s.bridgeQueue;
      assert.deepEqual(q.load('cloud', 0, 100).map((e) => e.seq), [3, 5, 8, 13, 21]);
      assert.deepEqual(q.load('cloud', 5, 2).map((e) => e.seq), [8, 13]);
      assert.deepEqual(q.load('cloud', 21, 10), []);
      const first = q.load('cloud', 0, 1)[0]!;
      assert.equal(first.message.topic, 'up/3');
      assert.equal(first.message.payload.toString(), 'p3');
      assert.equal(first.message.qos, 1);
      assert.equal(first.message.receivedAt, T0 + 3);
      assert.equal(s.maxSeq(), 21, 'bridge entries advance the store-wide seq');
    });

    it('keeps properties and expiry byte-exact', async (t) => {
      const s = await open(t);
      const e = bq(1);
      e.message.properties = { contentType: 'application/json', userProperties: { a: '1', many: ['x', 'y'] }, correlationData: Buffer.from([0, 255]) };
      e.message.expiresAt = T0 + 60_000;
      e.message.retain = true;
      s.bridgeQueue.enqueue('cloud', e);
      assert.deepEqual(s.bridgeQueue.load('cloud', 0, 1)[0], e);
    });

    it('remove, stats (count, topic+payload bytes, oldest) and isolation between bridges', async (t) => {
      const s = await open(t);
      const q = s.bridgeQueue;
      q.enqueue('a', bq(1, 'x', '12345')); // 1 + 5 bytes
      q.enqueue('a', bq(2, 'ÿy', '')); // 3 + 0 bytes (topic counted in UTF-8)
      q.enqueue('b', bq(3));
      assert.deepEqual(q.stats('a'), { messages: 2, bytes: 9, oldestAt: T0 + 1 });
      q.remove('a', 1);
      assert.deepEqual(q.stats('a'), { messages: 1, bytes: 3, oldestAt: T0 + 2 });
      assert.deepEqual(q.stats('none'), { messages: 0, bytes: 0, oldestAt: undefined });
      assert.deepEqual(q.load('b', 0, 10).map((e) => e.seq), [3]);
      assert.deepEqual(q.bridges(), ['a', 'b']);
    });

    it('dead letters: moved out of the queue, newest first, counted', async (t) => {
      const s = await open(t);
      const q = s.bridgeQueue;
      for (const seq of [1, 2, 3]) q.enqueue('aws', bq(seq));
      q.deadLetter('aws', bq(1), 'payload too large', T0 + 100);
      q.deadLetter('aws', bq(3), 'topic has 9 levels', T0 + 200);
      assert.deepEqual(q.load('aws', 0, 10).map((e) => e.seq), [2]);
      assert.equal(q.deadLetterCount('aws'), 2);
      const dead = q.loadDeadLetters('aws', 10);
      assert.deepEqual(dead.map((d) => [d.seq, d.reason, d.failedAt]), [[3, 'topic has 9 levels', T0 + 200], [1, 'payload too large', T0 + 100]]);
      assert.equal(dead[0]!.message.payload.toString(), 'p3');
      assert.deepEqual(q.loadDeadLetters('aws', 1).map((d) => d.seq), [3]);
      q.remove('aws', 2);
      assert.deepEqual(q.bridges(), ['aws'], 'a bridge with only dead letters is still listed');
    });

    it('purge removes the queue of one bridge and returns the count', async (t) => {
      const s = await open(t);
      const q = s.bridgeQueue;
      for (let seq = 1; seq <= 5; seq++) q.enqueue('a', bq(seq));
      q.enqueue('b', bq(6));
      assert.equal(q.purge('a'), 5);
      assert.equal(q.purge('a'), 0);
      assert.deepEqual(q.load('b', 0, 10).map((e) => e.seq), [6]);
    });

    it('remembers the last state of each bridge', async (t) => {
      const s = await open(t);
      assert.equal(s.bridgeQueue.loadState('x'), undefined);
      s.bridgeQueue.saveState('x', 'connecting', T0);
      s.bridgeQueue.saveState('x', 'connected', T0 + 5);
      assert.deepEqual(s.bridgeQueue.loadState('x'), { state: 'connected', since: T0 + 5 });
      assert.deepEqual(s.bridgeQueue.bridges(), ['x']);
    });

    it('shiftTimes moves receive and expiry times of queued entries', async (t) => {
      const s = await open(t);
      const e = bq(1);
      e.message.expiresAt = T0 + 1000;
      s.bridgeQueue.enqueue('a', e);
      s.bridgeQueue.enqueue('a', bq(2));
      s.shiftTimes(-500);
      const [x, y] = s.bridgeQueue.load('a', 0, 10);
      assert.equal(x!.message.receivedAt, T0 + 1 - 500);
      assert.equal(x!.message.expiresAt, T0 + 500);
      assert.equal(y!.message.receivedAt, T0 + 2 - 500);
      assert.equal(y!.message.expiresAt, undefined);
    });

    it('has a store id', async (t) => {
      const s = await open(t);
      assert.match(s.storeId, /^[0-9a-z]+$/);
    });

    if (reopen === undefined) return;

    it('survives reopen: entries, dead letters, seq high-water mark and store id', async (t) => {
      const s = await open(t);
      const q = s.bridgeQueue;
      for (let seq = 1; seq <= 4; seq++) q.enqueue('cloud', bq(seq));
      q.remove('cloud', 1);
      q.deadLetter('cloud', bq(2), 'never', T0);
      q.enqueue('cloud', bq(40));
      q.remove('cloud', 40); // the seq high-water mark must remember 40
      await durable(s);
      const id = s.storeId;
      const s2 = reopen(s);
      t.after(() => s2.close());
      assert.deepEqual(s2.bridgeQueue.load('cloud', 0, 10).map((e) => e.seq), [3, 4]);
      assert.equal(s2.bridgeQueue.deadLetterCount('cloud'), 1);
      assert.ok(s2.maxSeq() >= 40, `maxSeq ${s2.maxSeq()} after reopen`);
      assert.equal(s2.storeId, id);
    });
  });
}
