/**
 * The SQLite store's write path: acknowledgements wait for a sync of the
 * WAL (synchronous full, the default), the commit window shares one commit
 * between writers, and a row removed before it was committed is never
 * written. Real files; the power cut itself is tested in a VM (npm run powercut).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { SqliteStoreOptions } from '../../src/persistence/sqlite/options.js';
import { SEQ_BLOCK, SqliteStore } from '../../src/persistence/sqlite/sqlite-store.js';
import type { OutboundEntry, Store } from '../../src/persistence/types.js';

const quiet = { info() {}, warn() {}, error() {} };

function open(t: TestContext, options: Partial<SqliteStoreOptions> = {}, file?: string): SqliteStore {
  if (file === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'midge-durable-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    file = join(dir, 'midge.db');
  }
  const store = new SqliteStore({ file, logger: quiet, ...options });
  t.after(() => store.close());
  return store;
}

function entry(seq: number): OutboundEntry {
  const message = { topic: `q/${seq}`, payload: Buffer.alloc(64, seq & 0xff), qos: 1 as const, retain: false, receivedAt: 1 };
  return { seq, message, qos: 1, retain: false, state: 'queued' };
}

function durable(store: Store): Promise<Error | undefined> {
  return new Promise((resolve) => store.whenDurable(resolve));
}

/**
 * Frames of the current WAL generation (SQLite's documented WAL format: a 32-byte header whose
 * salts every valid frame repeats at bytes 8-15 of its 24-byte frame header).
 */
function walFrames(file: string, pageSize: number): number {
  const wal = readFileSync(`${file}-wal`);
  if (wal.length < 32 || (wal.readUInt32BE(0) & 0xfffffffe) !== 0x377f0682) return 0; // no header yet (zeros)
  const salt = wal.subarray(16, 24);
  let frames = 0;
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (!wal.subarray(at + 8, at + 16).equals(salt)) break;
    frames++;
  }
  return frames;
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('SqliteStore write path', () => {
  it('synchronous full: a callback runs only after a WAL sync that followed its commit', async (t) => {
    const s = open(t, { commitWindowMs: 0 });
    s.enqueue('c', entry(1));
    let called = false;
    const done = durable(s).then((err) => {
      called = true;
      return err;
    });
    await turn();
    await turn();
    const afterCommit = s.stats();
    assert.equal(afterCommit.commits, 1, 'committed at the end of the turn');
    assert.equal(await done, undefined);
    assert.ok(called);
    assert.ok(s.stats().syncs >= 1, 'the WAL was synced before the callback');
  });

  it('synchronous normal: callbacks run after the commit, nothing is synced', async (t) => {
    const s = open(t, { synchronous: 'normal', commitWindowMs: 0 });
    s.enqueue('c', entry(1));
    assert.equal(await durable(s), undefined);
    assert.equal(s.stats().commits, 1);
    assert.equal(s.stats().syncs, 0);
  });

  it('the commit window shares one commit and one sync between acknowledgements of different turns', async (t) => {
    const s = open(t, { commitWindowMs: 300 });
    // an open-loop stream (a write every 100 ms, not an answer to the last acknowledgement) makes the window patient
    let seq = 0;
    while (s.stats().commitMode === 'eager') {
      s.enqueue('warm', entry(++seq));
      void durable(s);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await durable(s);
    const before = s.stats();
    s.enqueue('a', entry(++seq));
    const first = durable(s);
    await new Promise((resolve) => setTimeout(resolve, 20));
    s.enqueue('b', entry(++seq));
    const second = durable(s);
    assert.deepEqual(await Promise.all([first, second]), [undefined, undefined]);
    const after = s.stats();
    assert.equal(after.commits - before.commits, 1);
    assert.equal(after.syncs - before.syncs, 1);
    assert.equal(after.committedOps - before.committedOps, 2);
  });

  it('with the window at 0 the same two acknowledgements take two commits (the window is what shares them)', async (t) => {
    const s = open(t, { commitWindowMs: 0 });
    s.enqueue('a', entry(1));
    const first = durable(s);
    await new Promise((resolve) => setTimeout(resolve, 20));
    s.enqueue('b', entry(2));
    await Promise.all([first, durable(s)]);
    assert.equal(s.stats().commits, 2);
  });

  it('a queued message acknowledged before its commit is never written; one acknowledged after is deleted', async (t) => {
    const s = open(t, { commitWindowMs: 50 });
    s.enqueue('c', entry(1));
    s.updateEntry('c', 1, { packetId: 7, state: 'sent' });
    const acked = durable(s);
    s.removeEntry('c', 1); // the subscriber's PUBACK arrived within the window
    assert.equal(await acked, undefined);
    assert.equal(s.stats().cancelledOps, 2);
    assert.equal(s.stats().committedOps, 0);
    s.enqueue('c', entry(2));
    await durable(s);
    s.removeEntry('c', 2);
    await durable(s);
    assert.deepEqual(s.loadQueue('c'), []);
    assert.equal(s.stats().committedOps, 2, 'insert, then delete');
  });

  it('the same for a bridge queue row acknowledged upstream within the window', async (t) => {
    const s = open(t, { commitWindowMs: 50 });
    const message = { topic: 'up', payload: Buffer.from('x'), qos: 1 as const, retain: false, receivedAt: 1 };
    s.bridgeQueue.enqueue('cloud', { seq: 1, message });
    const acked = durable(s);
    s.bridgeQueue.remove('cloud', 1);
    await acked;
    assert.equal(s.stats().committedOps, 0);
    assert.equal(s.bridgeQueue.stats('cloud').messages, 0);
  });

  it('a second store opened on a live database (midge queue beside midge) leaves the first one\'s WAL alone; nothing is lost', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'midge-durable-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'midge.db');
    const live = new SqliteStore({ file, logger: quiet, commitWindowMs: 0 });
    for (let seq = 1; seq <= 100; seq++) live.enqueue('c', entry(seq));
    await durable(live);
    const cli = new SqliteStore({ file, logger: quiet });
    assert.equal(cli.loadQueue('c').length, 100);
    for (let seq = 101; seq <= 200; seq++) live.enqueue('c', entry(seq));
    await durable(live);
    assert.equal(cli.loadQueue('c').length, 200, 'the other connection sees the live writes');
    cli.close();
    for (let seq = 201; seq <= 300; seq++) live.enqueue('c', entry(seq));
    await durable(live);
    live.close();
    const again = open(t, {}, file);
    assert.deepEqual(again.loadQueue('c').map((e) => e.seq), Array.from({ length: 300 }, (_, i) => i + 1));
  });

  it('a retained update rewrites the one page that holds it (an upsert, not a delete and insert under a new rowid)', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'midge-durable-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'midge.db');
    const s = open(t, { commitWindowMs: 0 }, file);
    // with its publisher, as the broker stores it (mqtt.check_retain_source): the same one row update
    const source = (n: number) => ({ clientId: `sensor-${n}`, username: 'sensors', listenerIndex: 0 });
    const retained = (topic: string, n: number) => ({ topic, payload: Buffer.alloc(64, n), qos: 1 as const, retain: true, receivedAt: n, source: source(n) });
    for (let i = 0; i < 200; i++) s.setRetained(retained(`home/sensor/${i}/state`, i));
    await durable(s);
    const before = walFrames(file, 1024);
    for (let n = 1; n <= 10; n++) {
      s.setRetained(retained('home/sensor/7/state', n));
      await durable(s);
    }
    const perUpdate = (walFrames(file, 1024) - before) / 10;
    assert.ok(before > 0 && perUpdate <= 1, `WAL frames per retained update: ${perUpdate} (INSERT OR REPLACE: 6)`);
    assert.equal(s.loadRetained().find((m) => m.topic === 'home/sensor/7/state')?.payload[0], 10);
    assert.deepEqual(s.loadRetained().find((m) => m.topic === 'home/sensor/7/state')?.source, source(10));
    assert.equal(s.loadRetained().length, 200);
  });

  it('WAL checkpoints run in a worker thread, not inside a commit on the event loop; the WAL then starts again', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'midge-durable-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'midge.db');
    const s = open(t, { commitWindowMs: 0 }, file);
    let seq = 0;
    while (walFrames(file, 1024) < 1000) { // the commit that crosses 1,000 frames starts the worker
      for (let i = 0; i < 50; i++) s.enqueue('c', entry(++seq));
      await durable(s);
    }
    for (let waited = 0; s.stats().checkpoints!.background === 0; waited += 10) {
      assert.ok(waited < 30_000, `no background checkpoint: ${JSON.stringify(s.stats().checkpoints)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(s.stats().checkpoints!.blocking, 0, 'no commit waited for a checkpoint');
    s.enqueue('c', entry(++seq));
    await durable(s);
    assert.ok(walFrames(file, 1024) < 10, `the WAL started again after the checkpoint (${walFrames(file, 1024)} frames)`);
    s.close();
    const again = open(t, {}, file);
    assert.equal(again.loadQueue('c').length, seq, 'every message is still there');
  });

  it('ids are reserved in blocks: after rows that were all cancelled, a reopened store continues above every id used', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'midge-durable-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'midge.db');
    const s = new SqliteStore({ file, logger: quiet, commitWindowMs: 0 });
    const used = SEQ_BLOCK + 10;
    for (let seq = 1; seq <= used; seq++) {
      s.enqueue('c', entry(seq));
      s.removeEntry('c', seq);
      if (seq % 1000 === 0) await durable(s);
    }
    await durable(s);
    assert.equal(s.stats().committedOps, 0, 'no row was ever written');
    s.close();
    const again = open(t, {}, file);
    assert.ok(again.maxSeq() >= used, `maxSeq ${again.maxSeq()} >= ${used}`);
  });
});
