import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, type TestContext } from 'node:test';
import type Database from 'better-sqlite3';
import { StoreError } from '../../src/errors.js';
import { MemoryStore } from '../../src/persistence/memory/memory-store.js';
import { openStore } from '../../src/persistence/open-store.js';
import type { SqliteStoreOptions, StoreLogger } from '../../src/persistence/sqlite/options.js';
import { openConnection, pragmaValue, prepare } from '../../src/persistence/sqlite/native.js';
import { MIGRATIONS, migrate } from '../../src/persistence/sqlite/schema.js';
import { SqliteStore } from '../../src/persistence/sqlite/sqlite-store.js';
import type { OutboundEntry, Store } from '../../src/persistence/types.js';

interface Line { level: 'info' | 'warn' | 'error'; obj: Record<string, unknown>; msg: string }

/** A logger that records what it is told. */
function capture(): { lines: Line[]; logger: StoreLogger } {
  const lines: Line[] = [];
  const log = (level: Line['level']) => (obj: object, msg?: string) =>
    void lines.push({ level, obj: obj as Record<string, unknown>, msg: msg ?? '' });
  return { lines, logger: { info: log('info'), warn: log('warn'), error: log('error') } };
}

function tempFile(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'midge-faults-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'midge.db');
}

function open(t: TestContext, options: SqliteStoreOptions): SqliteStore {
  const store = new SqliteStore(options);
  t.after(() => store.close());
  return store;
}

function entry(seq: number, payloadBytes = 64): OutboundEntry {
  const message = { topic: `q/${seq}`, payload: Buffer.alloc(payloadBytes, seq & 0xff), qos: 1 as const, retain: false, receivedAt: 1 };
  return { seq, message, qos: 1, retain: false, state: 'queued' };
}

function durable(store: Store): Promise<Error | undefined> {
  return new Promise((resolve) => store.whenDurable(resolve));
}

function rawExec(file: string, sql: string): void {
  openConnection(file).exec(sql).close();
}

const isCode = (code: string) => (err: unknown) => err instanceof StoreError && err.code === code;

describe('SqliteStore: corrupt files', () => {
  it('moves a garbage file (and its WAL) aside, logs an error and starts with a fresh, working store', async (t) => {
    const file = tempFile(t);
    const garbage = randomBytes(16384);
    writeFileSync(file, garbage);
    writeFileSync(`${file}-wal`, randomBytes(4096));
    const { lines, logger } = capture();
    const s = open(t, { file, logger });
    const movedAside = s.stats().movedAside;
    assert.ok(movedAside !== undefined && movedAside.startsWith(`${file}.corrupt-`), String(movedAside));
    assert.deepEqual(readFileSync(movedAside), garbage, 'the old file is kept byte for byte');
    assert.ok(existsSync(`${movedAside}-wal`), 'the old WAL moved with it');
    const errors = lines.filter((l) => l.level === 'error');
    assert.equal(errors.length, 1);
    assert.match(errors[0].msg, /corrupt.*moved it to .*EMPTY store/);
    assert.equal(errors[0].obj.movedTo, movedAside);
    s.enqueue('c', entry(1));
    assert.equal(await durable(s), undefined);
    assert.deepEqual(s.loadQueue('c'), [entry(1)]);
  });

  it('moves a file with damaged pages aside (quick_check at open)', (t) => {
    const file = tempFile(t);
    const s = new SqliteStore({ file, logger: capture().logger });
    for (let i = 0; i < 200; i++) s.setRetained({ topic: `t/${i}`, payload: Buffer.alloc(500, i), qos: 1, retain: true, receivedAt: 1 });
    s.close();
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(4 * 4096, 0x55), 0, 4 * 4096, 2 * 4096);
    closeSync(fd);
    const { lines, logger } = capture();
    const s2 = open(t, { file, logger });
    assert.ok(s2.stats().movedAside);
    assert.equal(lines.filter((l) => l.level === 'error').length, 1);
    assert.deepEqual(s2.loadRetained(), []);
  });
});

describe('SqliteStore: schema migrations', () => {
  it('initialises an empty (0-byte) file to the current version', (t) => {
    const file = tempFile(t);
    writeFileSync(file, '');
    const { lines, logger } = capture();
    const s = open(t, { file, logger });
    assert.equal(s.stats().schemaVersion, MIGRATIONS[MIGRATIONS.length - 1].version);
    assert.equal(s.stats().movedAside, undefined);
    assert.ok(lines.some((l) => l.level === 'info' && l.obj.from === 0));
    s.saveSession({ clientId: 'c', protocolVersion: 5, expiryInterval: 10, subscriptions: [] });
    assert.equal(s.loadSessions().length, 1);
  });

  it('upgrades a v0 file that holds unrelated tables and leaves them alone', (t) => {
    const file = tempFile(t);
    rawExec(file, "CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('keep me')");
    open(t, { file, logger: capture().logger }).close();
    const check = openConnection(file, { readonly: true });
    t.after(() => check.close());
    assert.equal(pragmaValue(check, 'user_version'), MIGRATIONS[MIGRATIONS.length - 1].version);
    assert.equal(prepare(check, 'SELECT x FROM notes').pluck().get(), 'keep me');
  });

  it('upgrades a version 1 database (before bridge queues) and keeps its data', (t) => {
    const file = tempFile(t);
    const v1 = openConnection(file);
    migrate(v1, MIGRATIONS.slice(0, 1));
    prepare(v1, "INSERT INTO sessions VALUES ('old', 4, 60, NULL, '[]')").run();
    prepare(v1, "UPDATE meta SET value = 77 WHERE key = 'max_seq'").run();
    v1.close();
    const s = open(t, { file, logger: capture().logger });
    assert.deepEqual(s.loadSessions().map((x) => x.clientId), ['old']);
    assert.equal(s.maxSeq(), 77);
    assert.match(s.storeId, /^[0-9a-z]+$/);
    s.bridgeQueue.enqueue('cloud', { seq: 78, message: { topic: 't', payload: Buffer.from('x'), qos: 1, retain: false, receivedAt: 1 } });
    assert.equal(s.bridgeQueue.stats('cloud').messages, 1);
  });

  it('upgrades a version 2 database (before retained sources): its retained messages keep everything and have no source', (t) => {
    const file = tempFile(t);
    const v2 = openConnection(file);
    migrate(v2, MIGRATIONS.slice(0, 2));
    prepare(v2, "INSERT INTO retained VALUES ('old/topic', x'0102', 1, 1, NULL, 5, NULL)").run();
    v2.close();
    const s = open(t, { file, logger: capture().logger });
    assert.equal(s.stats().schemaVersion, 3);
    assert.deepEqual(s.loadRetained(), [{ topic: 'old/topic', payload: Buffer.from([1, 2]), qos: 1, retain: true, receivedAt: 5 }]);
    s.setRetained({ topic: 'old/topic', payload: Buffer.from('new'), qos: 0, retain: true, receivedAt: 6, source: { clientId: 'c', username: 'u', listenerIndex: 1 } });
    assert.deepEqual(s.loadRetained()[0]!.source, { clientId: 'c', username: 'u', listenerIndex: 1 });
  });

  it('refuses a file from a newer schema version and does not touch it', (t) => {
    const file = tempFile(t);
    rawExec(file, 'PRAGMA user_version = 99');
    assert.throws(() => new SqliteStore({ file, logger: capture().logger }), isCode('GW_ERR_STORE_VERSION'));
    assert.deepEqual(readdirSync(join(file, '..')).filter((n) => n.includes('corrupt')), []);
  });

  it('runs later migrations in order, each atomically with its version bump', (t) => {
    const db = openConnection(':memory:');
    t.after(() => db.close());
    const last = MIGRATIONS[MIGRATIONS.length - 1].version;
    const next = { version: last + 1, description: 'test', up: (d: Database.Database) => d.exec('ALTER TABLE sessions ADD COLUMN extra TEXT') };
    const broken = { version: last + 2, description: 'fails', up: (d: Database.Database) => d.exec('CREATE TABLE half (x); SELECT * FROM nowhere') };
    assert.equal(migrate(db), 0);
    assert.throws(() => migrate(db, [...MIGRATIONS, next, broken]));
    assert.equal(pragmaValue(db, 'user_version'), last + 1, 'the next one committed, the broken one rolled back');
    assert.equal(prepare(db, "SELECT count(*) FROM sqlite_master WHERE name = 'half'").pluck().get(), 0);
  });
});

describe('SqliteStore: disk full', () => {
  /** Enqueue 10 entries per turn until a commit fails; returns the acknowledged seqs and the error. */
  async function fillUntilFull(s: SqliteStore): Promise<{ acked: number[]; failed: number[]; err: Error }> {
    const acked: number[] = [];
    for (let seq = 1; seq < 5000; ) {
      const batch = Array.from({ length: 10 }, () => seq++);
      for (const n of batch) s.enqueue('c', entry(n, 1000));
      const err = await durable(s);
      if (err) return { acked, failed: batch, err };
      acked.push(...batch);
    }
    throw new Error('the store never became full');
  }

  it('reports GW_ERR_STORE_FULL, keeps working, and commits everything once space is available', async (t) => {
    const file = tempFile(t);
    const { lines, logger } = capture();
    // A long first retry so that the test, not the timer, decides when to retry.
    const s = open(t, { file, logger, maxPageCount: 40, retryInitialMs: 60_000 });
    const { acked, failed, err } = await fillUntilFull(s);
    assert.ok(acked.length > 0);
    assert.ok(isCode('GW_ERR_STORE_FULL')(err), String(err));
    assert.equal((err as StoreError).reasonCode, 0x97, 'a full disk maps to Quota exceeded');
    const st = s.stats();
    assert.deepEqual([st.failing, st.storeFullErrors, st.pendingOps, st.lastError?.code], [true, 1, failed.length, 'GW_ERR_STORE_FULL']);
    assert.equal(lines.filter((l) => l.level === 'error' && l.obj.code === 'GW_ERR_STORE_FULL').length, 1);

    // Still accepting writes; a retry while still full reports the error again.
    s.enqueue('c', entry(9000));
    const again = durable(s);
    assert.ok(isCode('GW_ERR_STORE_FULL')(s.flush()));
    assert.ok(isCode('GW_ERR_STORE_FULL')(await again));
    assert.throws(() => s.loadQueue('c'), isCode('GW_ERR_STORE_FULL'), 'reads cannot skip the queued writes');
    assert.equal(s.stats().storeFullErrors, 3, 'the flush and the read each tried once more');

    // Space becomes available: the retry commits the failed batch and what came after it, in order.
    s.setMaxPageCount(100_000);
    const ok = durable(s);
    assert.equal(s.flush(), undefined);
    assert.equal(await ok, undefined);
    assert.equal(s.stats().failing, false);
    assert.ok(lines.some((l) => l.level === 'info' && /succeed again/.test(l.msg)));
    const expected = [...acked, ...failed, 9000];
    assert.deepEqual(s.loadQueue('c').map((e) => e.seq), expected);

    s.close();
    const s2 = open(t, { file, logger });
    assert.deepEqual(s2.loadQueue('c').map((e) => e.seq), expected);
    assert.deepEqual(s2.loadQueue('c')[0], entry(1, 1000));
  });

  it('retries on its own with backoff and recovers without help from the caller', async (t) => {
    const file = tempFile(t);
    const s = open(t, { file, logger: capture().logger, maxPageCount: 40, retryInitialMs: 1, retryMaxMs: 4 });
    const { acked, failed } = await fillUntilFull(s);
    s.setMaxPageCount(100_000);
    assert.equal(await durable(s), undefined, 'the timer retry commits the batch');
    assert.deepEqual(s.loadQueue('c').map((e) => e.seq), [...acked, ...failed]);
  });

  it('closing while still full logs the uncommitted writes instead of throwing; acknowledged data survives', async (t) => {
    const file = tempFile(t);
    const { lines, logger } = capture();
    const s = new SqliteStore({ file, logger, maxPageCount: 40, retryInitialMs: 60_000 });
    const { acked } = await fillUntilFull(s);
    const pending = durable(s);
    s.enqueue('c', entry(9999));
    s.close();
    assert.ok((await pending) instanceof StoreError);
    const lost = lines.find((l) => l.level === 'error' && typeof l.obj.lostOps === 'number');
    assert.ok(lost, 'the loss of unacknowledged writes is logged');
    const s2 = open(t, { file, logger });
    assert.deepEqual(s2.loadQueue('c').map((e) => e.seq), acked);
  });
});

describe('SqliteStore: group commit', () => {
  it('commits all writes of one event-loop turn in one transaction, then calls back', async (t) => {
    const s = open(t, { file: tempFile(t), logger: capture().logger });
    const before = s.stats();
    for (let seq = 1; seq <= 1000; seq++) s.enqueue('c', entry(seq));
    s.saveSession({ clientId: 'c', protocolVersion: 5, expiryInterval: 60, subscriptions: [] });
    s.addInboundQos2('c', 1);
    assert.equal(s.stats().commits, before.commits, 'nothing committed synchronously');
    assert.equal(s.stats().pendingOps, 1002);
    const seen = await new Promise<number>((resolve, reject) =>
      s.whenDurable((err) => {
        if (err) return reject(err);
        // Committed: another connection sees every row.
        const other = openConnection(s.file, { readonly: true });
        try {
          resolve(prepare(other, 'SELECT count(*) FROM queue').pluck().get() as number);
        } finally {
          other.close();
        }
      }),
    );
    assert.equal(seen, 1000);
    const after = s.stats();
    assert.equal(after.commits - before.commits, 1);
    assert.equal(after.committedOps - before.committedOps, 1002);
    assert.equal(after.largestBatch, 1002);
    assert.equal(after.pendingOps, 0);
  });

  it('commits early in chunks when a turn queues more than maxBatchOps; callbacks stay in order', async (t) => {
    const s = open(t, { file: tempFile(t), logger: capture().logger, maxBatchOps: 100 });
    const order: number[] = [];
    for (let seq = 1; seq <= 250; seq++) {
      s.enqueue('c', entry(seq));
      if (seq % 50 === 0) s.whenDurable((err) => order.push(err ? -seq : seq));
    }
    assert.equal(s.stats().commits, 2, 'two synchronous commits of 101 writes');
    assert.equal(s.stats().pendingOps, 48);
    await durable(s);
    assert.equal(s.stats().commits, 3);
    assert.deepEqual(order, [50, 100, 150, 200, 250]);
  });

  it('drops a single bad write (reported, logged), commits the rest of its batch', async (t) => {
    const { lines, logger } = capture();
    const s = open(t, { file: tempFile(t), logger });
    const bad = entry(2);
    bad.message.topic = null as unknown as string; // violates NOT NULL
    s.enqueue('c', entry(1));
    s.enqueue('c', bad);
    s.enqueue('c', entry(3));
    const err = await durable(s);
    assert.ok(isCode('GW_ERR_STORE')(err), String(err));
    assert.equal(s.stats().droppedOps, 1);
    assert.equal(s.stats().failing, false);
    assert.equal(lines.filter((l) => l.level === 'error').length, 1);
    assert.deepEqual(s.loadQueue('c').map((e) => e.seq), [1, 3]);
  });
});

describe('SqliteStore: settings, openStore, Node 24 workaround', () => {
  it('creates better-sqlite3 connections and statements only through native.ts (which pins them)', () => {
    // Compiled sources sit next to this file's tree in every build layout.
    const dir = fileURLToPath(new URL('../../src/persistence/sqlite/', import.meta.url));
    const offenders = readdirSync(dir)
      .filter((name) => name.endsWith('.js') && name !== 'native.js')
      .filter((name) => /\.pragma\(|new Database\(|\.prepare\(/.test(readFileSync(join(dir, name), 'utf8')));
    assert.deepEqual(offenders, []);
  });

  it('uses WAL and 1 KiB pages; synchronous full by default (SQLite at NORMAL, the WAL synced by the store), normal on request', (t) => {
    const full = open(t, { file: tempFile(t), logger: capture().logger });
    const normal = open(t, { file: tempFile(t), logger: capture().logger, synchronous: 'normal' }).stats();
    assert.deepEqual([full.stats().journalMode, full.stats().synchronous, normal.synchronous], ['wal', 'full', 'normal']);
    const check = openConnection(full.file, { readonly: true });
    t.after(() => check.close());
    assert.equal(pragmaValue(check, 'page_size'), 1024);
  });

  it('openStore: SQLite in <path>/midge.db with the directory created 0700; memory when disabled', (t) => {
    const root = join(tempFile(t), '..');
    const path = join(root, 'nested', 'data');
    const store = openStore({ enabled: true, path, synchronous: 'full' }, capture().logger);
    t.after(() => store.close());
    assert.ok(store instanceof SqliteStore);
    assert.equal(store.file, join(path, 'midge.db'));
    assert.equal(statSync(path).mode & 0o777, 0o700);
    assert.equal(store.stats().synchronous, 'full');
    const off = openStore({ enabled: false, path: join(root, 'unused'), synchronous: 'normal' }, capture().logger);
    assert.ok(off instanceof MemoryStore);
    assert.equal(existsSync(join(root, 'unused')), false);
  });
});
