/**
 * The one suite every Store implementation must pass. `make` returns a fresh, empty store; `reopen`
 * (durable stores only) closes a store and returns a new one on the same data (restart tests).
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { StoreError } from '../../src/errors.js';
import type { MessageProperties, OutboundEntry, SessionRecord, StoredMessage, Store } from '../../src/persistence/types.js';

const T0 = 1_700_000_000_000;
/** 1 MiB holding every byte value. */
const BIG = Buffer.alloc(1 << 20, Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i)));
const FULL_PROPS: MessageProperties = {
  payloadFormatIndicator: true,
  messageExpiryInterval: 3600,
  contentType: 'application/json; charset=utf-8',
  responseTopic: 'réponse/🌍/回答',
  correlationData: Buffer.from([0, 1, 2, 0x7f, 0x80, 0xfe, 0xff]),
  userProperties: { a: '1', multi: ['x', 'y', 'ü'], empty: '', 'ключ': 'значение' },
};

function msg(over: Partial<StoredMessage> = {}): StoredMessage {
  return { topic: 'a/b', payload: Buffer.from('hello'), qos: 1, retain: false, receivedAt: T0, ...over };
}

function entry(seq: number, over: Partial<OutboundEntry> = {}): OutboundEntry {
  return { seq, message: msg({ topic: `q/${seq}` }), qos: 1, retain: false, state: 'queued', ...over };
}

function session(clientId: string, over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    clientId,
    protocolVersion: 5,
    expiryInterval: 0xffffffff,
    subscriptions: [
      { filter: 'sensors/+/temp', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 },
      { filter: '$share/g1/jobs/#', qos: 2, noLocal: true, retainAsPublished: true, retainHandling: 2, subscriptionId: 268435455 },
    ],
    ...over,
  };
}

/** Stores return sessions and retained messages in no particular order: sort them by this. */
const by = <K extends string>(key: K) => (a: Record<K, string>, b: Record<K, string>): number => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0);

function durable(store: Store): Promise<void> {
  return new Promise((resolve, reject) => store.whenDurable((err) => (err ? reject(err) : resolve())));
}

export function storeConformance(name: string, make: () => Store | Promise<Store>, reopen?: (s: Store) => Store): void {
  async function open(t: TestContext): Promise<Store> {
    const store = await make();
    t.after(() => store.close());
    return store;
  }

  function reopened(t: TestContext, s: Store): Store {
    const store = reopen!(s);
    t.after(() => store.close());
    return store;
  }

  /** One of everything, sorted as `by` sorts. */
  function fixture() {
    return {
      sessions: [session('dev-1', { disconnectedAt: T0 + 5 }), session('дев-2 🚀', { protocolVersion: 4, expiryInterval: 0, subscriptions: [] })],
      retained: [
        msg({ topic: 'bin', payload: BIG, qos: 0, retain: true }),
        { ...msg({ topic: 'status/ü', retain: true, properties: FULL_PROPS, expiresAt: T0 + 1000 }), source: { clientId: 'дев-2 🚀', username: 'ü-user', listenerIndex: 2 } },
      ],
      queue: [
        entry(3, { message: msg({ properties: FULL_PROPS }), subscriptionIds: [1, 7] }),
        entry(4, { qos: 2, packetId: 17, state: 'sent' }),
        entry(9, { qos: 2, packetId: 18, state: 'pubrel', retain: true }),
      ],
    };
  }

  function populate(s: Store): void {
    const f = fixture();
    for (const r of f.sessions) s.saveSession(r);
    for (const m of f.retained) s.setRetained(m);
    for (const e of f.queue) s.enqueue('dev-1', e);
    s.addInboundQos2('dev-1', 65535);
    s.addInboundQos2('dev-1', 1);
  }

  function checkPopulated(s: Store, maxSeq = 9): void {
    const f = fixture();
    assert.deepEqual(s.loadSessions().sort(by('clientId')), f.sessions);
    assert.deepEqual(s.loadRetained().sort(by('topic')), f.retained);
    assert.deepEqual(s.loadQueue('dev-1'), f.queue);
    assert.deepEqual(s.loadInboundQos2('dev-1'), [1, 65535]);
    // after a reopen a store may continue above a reserved block of ids (SQLite: SEQ_BLOCK), never below
    assert.ok(s.maxSeq() >= maxSeq, `maxSeq ${s.maxSeq()} >= ${maxSeq}`);
  }

  describe(`Store conformance: ${name}`, () => {
    it('starts empty', async (t) => {
      const s = await open(t);
      const all = [s.loadSessions(), s.loadRetained(), s.loadQueue('nobody'), s.loadInboundQos2('nobody'), s.maxSeq()];
      assert.deepEqual(all, [[], [], [], [], 0]);
    });

    it('round-trips everything: sessions, retained (v5 properties, 1 MiB binary, unicode), queue, inbound QoS 2', async (t) => {
      const s = await open(t);
      populate(s);
      await durable(s);
      checkPopulated(s);
    });

    it('saveSession replaces the session and its subscriptions', async (t) => {
      const s = await open(t);
      s.saveSession(session('c'));
      const subscriptions: SessionRecord['subscriptions'] = [{ filter: 'x/#', qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 1 }];
      const replaced = session('c', { protocolVersion: 3, expiryInterval: 60, disconnectedAt: T0, subscriptions });
      s.saveSession(replaced);
      assert.deepEqual(s.loadSessions(), [replaced]);
    });

    it('deleteSession cascades to the queue and inbound QoS 2 state of that client only', async (t) => {
      const s = await open(t);
      for (const c of ['gone', 'kept']) {
        s.saveSession(session(c));
        s.enqueue(c, entry(c === 'gone' ? 1 : 2));
        s.addInboundQos2(c, 5);
      }
      s.enqueue('queue-only', entry(3));
      s.deleteSession('gone');
      s.deleteSession('queue-only'); // no session row: still cascades
      s.deleteSession('never-existed');
      await durable(s);
      assert.deepEqual(s.loadSessions(), [session('kept')]);
      assert.deepEqual([s.loadQueue('gone'), s.loadQueue('queue-only'), s.loadInboundQos2('gone')], [[], [], []]);
      assert.deepEqual([s.loadQueue('kept'), s.loadInboundQos2('kept')], [[entry(2)], [5]]);
    });

    it('retained: set replaces per topic, delete removes, deleting a missing topic is a no-op', async (t) => {
      const s = await open(t);
      s.setRetained(msg({ topic: 't/1', retain: true, payload: Buffer.from('old') }));
      s.setRetained(msg({ topic: 't/2', retain: true }));
      s.setRetained(msg({ topic: 't/1', retain: true, payload: Buffer.alloc(0), qos: 2, properties: {} }));
      s.deleteRetained('t/2');
      s.deleteRetained('missing');
      await durable(s);
      assert.deepEqual(s.loadRetained(), [msg({ topic: 't/1', retain: true, payload: Buffer.alloc(0), qos: 2, properties: {} })]);
    });

    it('retained: the publisher (client id, user name, listener) is kept with the message and replaced with it', async (t) => {
      const s = await open(t);
      const source = { clientId: 'sensor-1', username: 'alice', listenerIndex: 0 };
      s.setRetained({ ...msg({ topic: 'a', retain: true }), source });
      s.setRetained({ ...msg({ topic: 'b', retain: true }), source: { clientId: 'no-user' } });
      s.setRetained({ ...msg({ topic: 'c', retain: true }), source });
      s.setRetained(msg({ topic: 'c', retain: true, payload: Buffer.from('from the broker') }));
      s.setRetained({ ...msg({ topic: 'a', retain: true, payload: Buffer.from('new') }), source: { clientId: 'sensor-2', listenerIndex: 3 } });
      source.username = 'changed after the call';
      await durable(s);
      assert.deepEqual(s.loadRetained().sort(by('topic')), [
        { ...msg({ topic: 'a', retain: true, payload: Buffer.from('new') }), source: { clientId: 'sensor-2', listenerIndex: 3 } },
        { ...msg({ topic: 'b', retain: true }), source: { clientId: 'no-user' } },
        msg({ topic: 'c', retain: true, payload: Buffer.from('from the broker') }),
      ]);
    });

    it('queue: per client, in seq order whatever the insertion order; same (client, seq) replaces; remove', async (t) => {
      const s = await open(t);
      for (const seq of [5, 1, 3, 7]) s.enqueue('a', entry(seq));
      s.enqueue('b', entry(2));
      s.enqueue('b', entry(5));
      s.enqueue('a', entry(3, { qos: 0 }));
      assert.deepEqual(s.loadQueue('a'), [entry(1), entry(3, { qos: 0 }), entry(5), entry(7)]);
      s.removeEntry('a', 5);
      s.removeEntry('a', 42); // missing: no-op
      s.removeEntry('nobody', 1);
      await durable(s);
      assert.deepEqual(s.loadQueue('a'), [entry(1), entry(3, { qos: 0 }), entry(7)]);
      assert.deepEqual(s.loadQueue('b'), [entry(2), entry(5)]);
    });

    it('updateEntry changes state and packet id, keeps the packet id when omitted, ignores missing entries', async (t) => {
      const s = await open(t);
      s.enqueue('c', entry(1, { qos: 2 }));
      s.enqueue('c', entry(2));
      s.updateEntry('c', 1, { packetId: 42, state: 'sent' });
      assert.deepEqual(s.loadQueue('c')[0], entry(1, { qos: 2, packetId: 42, state: 'sent' }));
      s.updateEntry('c', 1, { state: 'pubrel' });
      s.updateEntry('c', 99, { packetId: 1, state: 'sent' });
      s.updateEntry('other', 2, { packetId: 1, state: 'sent' });
      await durable(s);
      assert.deepEqual(s.loadQueue('c'), [entry(1, { qos: 2, packetId: 42, state: 'pubrel' }), entry(2)]);
      assert.deepEqual(s.loadQueue('other'), []);
    });

    it('inbound QoS 2: add is idempotent, remove, ascending order, per client', async (t) => {
      const s = await open(t);
      for (const id of [300, 7, 65535, 7]) s.addInboundQos2('c', id);
      s.addInboundQos2('d', 7);
      s.removeInboundQos2('c', 300);
      s.removeInboundQos2('c', 12345);
      s.removeInboundQos2('nobody', 1);
      await durable(s);
      assert.deepEqual(s.loadInboundQos2('c'), [7, 65535]);
      assert.deepEqual(s.loadInboundQos2('d'), [7]);
    });

    it('maxSeq is the highest seq ever enqueued, even after removals and lower enqueues', async (t) => {
      const s = await open(t);
      s.enqueue('a', entry(10));
      s.enqueue('b', entry(4));
      s.removeEntry('a', 10);
      s.deleteSession('b');
      await durable(s);
      assert.equal(s.maxSeq(), 10);
      s.enqueue('a', entry(2 ** 40));
      assert.equal(s.maxSeq(), 2 ** 40);
    });

    it('whenDurable calls back asynchronously, without error, in registration order', async (t) => {
      const s = await open(t);
      const order: string[] = [];
      const done = new Promise<void>((resolve) => {
        s.whenDurable((err) => order.push(`idle:${err}`));
        s.enqueue('c', entry(1));
        s.whenDurable((err) => order.push(`w1:${err}`));
        s.addInboundQos2('c', 1);
        s.whenDurable((err) => order.push(`w2:${err}`));
        s.whenDurable(() => resolve());
      });
      assert.deepEqual(order, [], 'no callback runs synchronously');
      await done;
      assert.deepEqual(order, ['idle:undefined', 'w1:undefined', 'w2:undefined']);
    });

    it('reads see writes issued in the same turn', async (t) => {
      const s = await open(t);
      s.saveSession(session('c'));
      s.enqueue('c', entry(1));
      assert.deepEqual([s.loadSessions(), s.loadQueue('c')], [[session('c')], [entry(1)]]);
      s.removeEntry('c', 1);
      assert.deepEqual(s.loadQueue('c'), []);
    });

    it('later mutation of passed or loaded objects does not change the stored state', async (t) => {
      const s = await open(t);
      const sess = session('c');
      const props: MessageProperties = { userProperties: { k: ['v1'] }, contentType: 'text/plain' };
      const e = entry(1, { message: msg({ properties: props }), subscriptionIds: [3] });
      const r = msg({ topic: 'r', retain: true, properties: { responseTopic: 'x' } });
      s.saveSession(sess);
      s.enqueue('c', e);
      s.setRetained(r);
      sess.subscriptions[0].qos = 0;
      sess.subscriptions.push({ filter: 'x', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 });
      (props.userProperties!.k as string[]).push('v2');
      props.contentType = 'changed';
      e.message.topic = 'changed';
      e.subscriptionIds!.push(4);
      r.properties!.responseTopic = 'changed';
      await durable(s);
      const loaded = s.loadQueue('c');
      const expect = entry(1, { message: msg({ properties: { userProperties: { k: ['v1'] }, contentType: 'text/plain' } }), subscriptionIds: [3] });
      assert.deepEqual(loaded, [expect]);
      assert.deepEqual(s.loadSessions(), [session('c')]);
      assert.deepEqual(s.loadRetained(), [msg({ topic: 'r', retain: true, properties: { responseTopic: 'x' } })]);
      loaded[0].message.topic = 'mutated';
      loaded[0].subscriptionIds!.push(9);
      s.loadSessions()[0].subscriptions.pop();
      assert.deepEqual(s.loadQueue('c'), [expect]);
      assert.deepEqual(s.loadSessions(), [session('c')]);
    });

    it('close is idempotent; afterwards writes throw GW_ERR_STORE_CLOSED and whenDurable reports an error', async (t) => {
      const s = await open(t);
      s.close();
      s.close();
      const closed = (err: unknown) => err instanceof StoreError && err.code === 'GW_ERR_STORE_CLOSED';
      assert.throws(() => s.enqueue('c', entry(1)), closed);
      assert.throws(() => s.loadSessions(), StoreError);
      assert.ok(closed(await new Promise<Error | undefined>((resolve) => s.whenDurable(resolve))));
    });

    it('shiftTimes moves disconnect, receive and expiry times (clock step); connected sessions and no-expiry messages keep undefined', async (t) => {
      const s = await open(t);
      s.saveSession(session('off', { disconnectedAt: T0 }));
      s.saveSession(session('on'));
      s.setRetained(msg({ topic: 'r/exp', expiresAt: T0 + 10 }));
      s.setRetained(msg({ topic: 'r/plain' }));
      s.enqueue('off', entry(1, { message: msg({ topic: 'q/exp', expiresAt: T0 + 20 }) }));
      s.enqueue('off', entry(2));
      s.shiftTimes(-3600_000);
      const sessions = s.loadSessions().sort(by('clientId'));
      assert.deepEqual(sessions.map((x) => x.disconnectedAt), [T0 - 3600_000, undefined]);
      const retained = s.loadRetained().sort(by('topic'));
      assert.deepEqual(retained.map((m) => [m.receivedAt, m.expiresAt]), [[T0 - 3600_000, T0 + 10 - 3600_000], [T0 - 3600_000, undefined]]);
      assert.deepEqual(s.loadQueue('off').map((e) => [e.message.receivedAt, e.message.expiresAt]), [[T0 - 3600_000, T0 + 20 - 3600_000], [T0 - 3600_000, undefined]]);
    });

    if (reopen === undefined) return;

    it('survives close and reopen', async (t) => {
      const s = await open(t);
      populate(s);
      s.enqueue('dev-1', entry(50));
      s.removeEntry('dev-1', 50); // maxSeq must remember 50 across the restart
      await durable(s);
      checkPopulated(reopened(t, s), 50);
    });

    it('survives reopen with writes that were never awaited (close commits them)', async (t) => {
      const s = await open(t);
      populate(s);
      checkPopulated(reopened(t, s));
    });

    it('deletions and updates survive reopen', async (t) => {
      const s = await open(t);
      populate(s);
      await durable(s);
      s.deleteSession('дев-2 🚀');
      s.deleteRetained('bin');
      s.removeEntry('dev-1', 3);
      s.updateEntry('dev-1', 4, { state: 'pubrel' });
      s.removeInboundQos2('dev-1', 1);
      await durable(s);
      const s2 = reopened(t, s);
      assert.deepEqual(s2.loadSessions(), [session('dev-1', { disconnectedAt: T0 + 5 })]);
      assert.deepEqual(s2.loadRetained().map((m) => m.topic), ['status/ü']);
      assert.deepEqual(s2.loadQueue('dev-1').map((e) => [e.seq, e.state, e.packetId]), [[4, 'pubrel', 17], [9, 'pubrel', 18]]);
      assert.deepEqual(s2.loadInboundQos2('dev-1'), [65535]);
      assert.ok(s2.maxSeq() >= 9, `maxSeq ${s2.maxSeq()} after reopen`);
    });
  });
}
