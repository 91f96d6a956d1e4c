/**
 * OutboundQueue and payload building on the memory store: order through
 * the window and paging, counters after a purge behind its back, a store
 * that cannot be read refuses instead of losing, the `_mid` field never
 * pushes a message over the profile limit, and a malformed Azure property
 * bag does not throw.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OutboundQueue } from '../../src/bridge/outbound-queue.js';
import { buildPayload } from '../../src/bridge/payload.js';
import { planBridge } from '../../src/config/bridge-plan.js';
import { parsePropertyBag } from '../../src/clouds/registry.js';
import { validateConfig } from '../../src/config/validate.js';
import { MemoryStore } from '../../src/persistence/memory/memory-store.js';
import type { BridgeQueueEntry, BridgeQueueStore } from '../../src/persistence/types.js';

const unlimited = { maxMessages: 0, maxBytes: 0, policy: 'drop-oldest' as const, ttlMs: 0 };
const entry = (seq: number, payload = `p${seq}`): BridgeQueueEntry => ({ seq, message: { topic: 't', payload: Buffer.from(payload), qos: 1, retain: false, receivedAt: Date.now() } });

describe('OutboundQueue', () => {
  it('hands out every entry once, in order, across the in-memory window and disk pages', () => {
    const store = new MemoryStore();
    for (let i = 1; i <= 2500; i++) store.bridgeQueue.enqueue('b', entry(i)); // on disk before the queue exists
    const q = new OutboundQueue('b', store.bridgeQueue, unlimited);
    for (let i = 2501; i <= 2600; i++) q.enqueue(entry(i));
    const seen: number[] = [];
    for (let batch = q.take(7); batch.length > 0; batch = q.take(7)) for (const e of batch) seen.push(e.seq);
    assert.deepEqual(seen, Array.from({ length: 2600 }, (_, i) => i + 1));
    for (const s of seen) q.ack(s);
    assert.equal(q.messages, 0);
    assert.deepEqual(store.bridgeQueue.load('b', 0, 10), []);
  });

  it('a purge behind its back: counters resync and late acks do not go negative', () => {
    const store = new MemoryStore();
    const q = new OutboundQueue('b', store.bridgeQueue, unlimited);
    for (let i = 1; i <= 2000; i++) q.enqueue(entry(i));
    const first = q.take(5); // loads a page of 1000 into the window
    store.bridgeQueue.purge('b'); // `midge queue purge` from another process
    const rest = q.take(5000); // what was already loaded may still go (documented); then the empty page resyncs
    assert.equal(rest.length, 995);
    assert.equal(q.messages, 0);
    for (const e of [...first, ...rest]) q.ack(e.seq);
    assert.equal(q.messages, 0, 'acks of purged rows do not count again');
    assert.equal(q.bytes, 0);
    q.enqueue(entry(2001));
    assert.deepEqual(q.take(10).map((e) => e.seq), [2001]);
    q.ack(2001);
    assert.equal(q.messages, 0);
  });

  it('drop-oldest with a store that cannot be read refuses the new message instead of losing one', () => {
    const store = new MemoryStore();
    const failing: BridgeQueueStore = Object.create(store.bridgeQueue, {
      load: { value: () => { throw new Error('disk full'); } },
    }) as BridgeQueueStore;
    const q = new OutboundQueue('b', failing, { ...unlimited, maxMessages: 2 });
    assert.equal(q.enqueue(entry(1)), true);
    assert.equal(q.enqueue(entry(2)), true);
    assert.equal(q.enqueue(entry(3)), false);
    assert.equal(q.dropped.rejected, 1);
    assert.deepEqual(store.bridgeQueue.load('b', 0, 10).map((e) => e.seq), [1, 2]);
  });
});

describe('payload building', () => {
  it('_mid is left out when it would push a message over the profile payload limit', () => {
    const plan = planBridge(validateConfig({ bridges: [{ name: 'a', type: 'aws', aws_endpoint: 'x.iot.eu-west-1.amazonaws.com', thing_name: 't', certfile: '/dev/null', keyfile: '/dev/null', message_id: 'payload-field', topics: ['t out 1'] }] }).bridges[0]!);
    const fits = JSON.stringify({ v: 'x'.repeat(100) });
    assert.match(buildPayload([entry(1, fits)], plan, 's').payload.toString(), /^\{"_mid":"s-1","v":/);
    const atLimit = JSON.stringify({ v: 'x'.repeat(plan.profile.maxPayloadBytes - 8) });
    assert.equal(Buffer.byteLength(atLimit), plan.profile.maxPayloadBytes);
    assert.equal(buildPayload([entry(2, atLimit)], plan, 's').payload.toString(), atLimit);
  });

  it('a malformed escape in an Azure property bag is kept, not thrown', () => {
    assert.deepEqual(parsePropertyBag('a=%E0%A4%A&k=v'), { a: '%E0%A4%A', k: 'v' });
  });
});
