/**
 * GroupCommit's sync scheduling, with the sync function in the test's hand
 * (the store's real one is an fdatasync of the WAL: sqlite-durable.test.ts;
 * the power cut itself: npm run powercut). A sync's completion is what
 * releases acknowledgements, so the order of completions is what is tested.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCommit, type GroupCommitOptions } from '../../src/persistence/sqlite/group-commit.js';

interface Harness {
  gc: GroupCommit;
  /** Syncs started and not yet ended, oldest first. */
  running: Array<(err?: Error) => void>;
  /** Queue one write, wait for it, commit it now; resolves with the callback's error (or 'ok'). */
  write(): Promise<string>;
}

function harness(options: Partial<GroupCommitOptions> = {}): Harness {
  const running: Array<(err?: Error) => void> = [];
  const gc = new GroupCommit({
    maxBatchOps: 1000, windowMs: 0, lazyMs: 1000, retryInitialMs: 10, retryMaxMs: 10,
    commit: () => undefined,
    sync: (done) => running.push(done),
    onError: () => {}, onRecovered: () => {},
    ...options,
  });
  const write = (): Promise<string> => {
    gc.push(() => {});
    const result = new Promise<string>((resolve) => gc.whenDurable((err) => resolve(err ? err.message : 'ok')));
    gc.flush();
    return result;
  };
  return { gc, running, write };
}

const settled = async <T>(p: Promise<T>): Promise<T | 'pending'> => Promise.race([p, new Promise<'pending'>((r) => setImmediate(() => r('pending')))]);

describe('GroupCommit syncs', () => {
  it('a commit made while one sync runs starts a second at once; either ending releases what it covers', async () => {
    const h = harness();
    const a = h.write();
    assert.equal(h.running.length, 1);
    const b = h.write();
    assert.equal(h.running.length, 2, 'the second sync did not wait for the first');
    const c = h.write();
    assert.equal(h.running.length, 2, 'at most two at once');
    h.running.splice(1, 1)[0]!(); // the second ends first: it covers a and b (both committed before it started)
    assert.equal(await settled(a), 'ok');
    assert.equal(await settled(b), 'ok');
    assert.equal(await settled(c), 'pending', 'c was committed after both syncs started');
    assert.equal(h.running.length, 2, 'c got a sync as soon as one ended');
    h.running.shift()!(); // the first ends: covers nothing of c
    assert.equal(await settled(c), 'pending');
    h.running.shift()!();
    assert.equal(await settled(c), 'ok');
    assert.equal(h.gc.counters.syncs, 3);
  });

  it('with maxSyncs 1 a commit made during a sync waits for it to end', async () => {
    const h = harness({ maxSyncs: 1 });
    const a = h.write();
    const b = h.write();
    assert.equal(h.running.length, 1);
    h.running.shift()!();
    assert.equal(await settled(a), 'ok');
    assert.equal(await settled(b), 'pending', 'b was committed after the sync started');
    assert.equal(h.running.length, 1);
    h.running.shift()!();
    assert.equal(await settled(b), 'ok');
  });

  it('a sync that ran while another failed is not trusted: its acknowledgements fail too', async () => {
    const h = harness();
    const a = h.write();
    const b = h.write();
    const [first, second] = h.running.splice(0, 2);
    first!(new Error('EIO'));
    assert.match(String(await settled(a)), /sync failed: EIO/);
    second!(); // Linux reports a writeback error once: this success may cover lost pages
    assert.match(String(await settled(b)), /sync failed: a concurrent sync failed/);
    const c = h.write(); // a sync started after the failure is trusted again
    h.running.shift()!();
    assert.equal(await settled(c), 'ok');
    assert.equal(h.gc.counters.failedSyncs, 1);
  });

  it('a callback for commits a running sync covers starts no new sync', async () => {
    const h = harness();
    const a = h.write();
    const again = new Promise<string>((resolve) => h.gc.whenDurable((err) => resolve(err ? err.message : 'ok')));
    assert.equal(h.running.length, 1, 'nothing new was committed: the running sync covers it');
    h.running.shift()!();
    assert.deepEqual([await settled(a), await settled(again)], ['ok', 'ok']);
  });
});

describe('GroupCommit settling: a message its receivers acknowledged needs no flush', () => {
  /** Queue an insert under `key` and wait for it, settled by `key` (no flush). */
  const inflight = (h: Harness, key: string, commits: string[]): Promise<string> => {
    h.gc.push(() => commits.push(key), { key, insert: true });
    return new Promise<string>((resolve) => h.gc.whenDurable((err) => resolve(err ? err.message : 'ok'), { keys: [key] }));
  };
  const removed = (h: Harness, key: string): void => {
    if (!h.gc.cancel(key)) h.gc.push(() => {});
    h.gc.settle(key);
  };

  it('acknowledged within the wait: released at once, never written, no sync', async () => {
    const commits: string[] = [];
    const h = harness({ settleWaitMs: 50, commit: (ops) => void ops.forEach((op) => op()) });
    const a = inflight(h, 'c/1', commits);
    assert.equal(await settled(a), 'pending', 'an eager batch of settle-able waiters is not committed at the end of its turn');
    removed(h, 'c/1');
    assert.equal(await settled(a), 'ok');
    await new Promise((r) => setTimeout(r, 80)); // past the wait: nothing is left to commit for it
    assert.deepEqual(commits, []);
    assert.equal(h.running.length, 0, 'no sync');
    assert.equal(h.gc.counters.cancelledOps, 1);
  });

  it('not acknowledged within the wait: written, released by the sync', async () => {
    const commits: string[] = [];
    const h = harness({ settleWaitMs: 20, commit: (ops) => void ops.forEach((op) => op()) });
    const a = inflight(h, 'c/1', commits);
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(commits, ['c/1'], 'written when the wait ended');
    assert.equal(await settled(a), 'pending', 'committed, not yet synced');
    h.running.shift()!();
    assert.equal(await settled(a), 'ok');
  });

  it('acknowledged after it was written but before the sync ended: released without the sync', async () => {
    const commits: string[] = [];
    const h = harness({ settleWaitMs: 0, commit: (ops) => void ops.forEach((op) => op()) });
    const a = inflight(h, 'c/1', commits);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(commits, ['c/1']);
    assert.equal(h.running.length, 1);
    removed(h, 'c/1');
    assert.equal(await settled(a), 'ok', 'the receiver holds it: the flush no longer matters to the publisher');
    h.running.shift()!(); // ends later: nothing released twice
    assert.equal(await settled(a), 'ok');
  });

  it('every key must settle; a waiter without keys in the batch brings the commit back to the end of the turn', async () => {
    const commits: string[] = [];
    const h = harness({ settleWaitMs: 1000, commit: (ops) => void ops.forEach((op) => op()) });
    h.gc.push(() => commits.push('c/1'), { key: 'c/1', insert: true });
    h.gc.push(() => commits.push('d/1'), { key: 'd/1', insert: true });
    const a = new Promise<string>((resolve) => h.gc.whenDurable((err) => resolve(err ? err.message : 'ok'), { keys: ['c/1', 'd/1'] }));
    removed(h, 'c/1');
    assert.equal(await settled(a), 'pending', 'one of two receivers acknowledged');
    h.gc.push(() => commits.push('retained'));
    const b = new Promise<string>((resolve) => h.gc.whenDurable((err) => resolve(err ? err.message : 'ok')));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(commits, ['d/1', 'retained'], 'committed at the end of the turn, without the cancelled row');
    h.running.shift()!();
    assert.deepEqual([await settled(a), await settled(b)], ['ok', 'ok']);
  });

  it('an urgent waiter (a stalled delivery) ends a patient commit window at the end of the turn', async () => {
    const commits: string[] = [];
    const h = harness({ windowMs: 300, commit: (ops) => void ops.forEach((op) => op()) });
    // the first batch waits the whole window (the commit window's probe for an open-loop stream)
    h.gc.push(() => commits.push('x'));
    h.gc.whenDurable(() => {});
    h.gc.push(() => commits.push('pubrel state'));
    h.gc.whenDurable(() => {}, { urgent: true });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(commits, ['x', 'pubrel state'], 'not held for the 300 ms window');
    h.gc.close();
  });

  it('a failed commit fails a waiter that had not settled', async () => {
    const h = harness({ settleWaitMs: 1, commit: () => { throw new Error('disk I/O error'); } });
    const a = inflight(h, 'c/1', []);
    assert.match(await a, /disk I\/O error/);
    h.gc.close();
  });
});
