/**
 * Opening the database file: WAL, synchronous mode, integrity check,
 * migrations — and recovery from a corrupt file. A file SQLite cannot read
 * ("file is not a database", SQLITE_CORRUPT, a failed quick_check) is
 * renamed to `<name>.corrupt-<timestamp>` (with its `-wal`, so the old log
 * can never be replayed into the new file), an error is logged, and a fresh
 * database is created in its place. The gateway therefore starts with an
 * empty store instead of crash-looping; the old file is kept for forensics.
 */
import { closeSync, existsSync, fdatasyncSync, fstatSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { ERR, StoreError } from '../../errors.js';
import { WAL_CHECKPOINT_FRAMES } from './checkpointer.js';
import type { SqliteStoreOptions, StoreLogger } from './options.js';
import { openConnection, pragmaColumn, pragmaValue } from './native.js';
import { migrate } from './schema.js';
import { isCorruptionError, toStoreError } from './sqlite-errors.js';

export interface OpenedDatabase {
  db: Database.Database;
  /** `wal` normally; anything else means the file system refused WAL. */
  journalMode: string;
  /** `user_version` found before migrating (0 = new or empty file). */
  previousVersion: number;
  /** Where a corrupt file was moved to, if that happened. */
  movedAside?: string;
  /** `synchronous: full` in WAL mode: commits are made durable by syncing the WAL (durable-wal.ts), not inside SQLite. */
  durableWal: boolean;
}

/**
 * Page size of a new database. Each commit appends the pages it changed to
 * the WAL; a queued message changes one leaf page, so small pages mean few
 * bytes per commit: measured on ext4 through a loop device, one message per
 * commit wrote 11.0 KB per commit with 4096-byte pages and 4.2 KB with
 * 1024-byte pages (close to the one 4 KiB block any flush costs). An
 * existing file keeps the page size it was made with.
 */
export const NEW_DATABASE_PAGE_SIZE = 1024;

/** Raised for a failed `quick_check`, handled like SQLITE_CORRUPT. */
class IntegrityCheckFailed extends Error {}

export function openDatabase(opts: SqliteStoreOptions, logger: StoreLogger): OpenedDatabase {
  try {
    probe(opts);
    return openOnce(opts, logger);
  } catch (err) {
    if (!isCorruptionError(err) && !(err instanceof IntegrityCheckFailed)) {
      throw toStoreError(err, `cannot open database ${opts.file}`);
    }
    const movedAside = moveAside(opts.file);
    logger.error(
      { err, file: opts.file, movedTo: movedAside, code: ERR.STORE_CORRUPT },
      `database ${opts.file} is corrupt (${(err as Error).message}); moved it to ${movedAside} and starting with an EMPTY store (sessions, retained messages and queues are lost)`,
    );
    try {
      return { ...openOnce(opts, logger), movedAside };
    } catch (err2) {
      throw toStoreError(err2, `cannot create a fresh database ${opts.file}`);
    }
  }
}

function openOnce(opts: SqliteStoreOptions, logger: StoreLogger): OpenedDatabase {
  let db: Database.Database | undefined;
  try {
    const fresh = !existsSync(opts.file) || statSync(opts.file).size === 0;
    db = openConnection(opts.file, { timeout: 5000 });
    if (fresh) db.exec(`PRAGMA page_size = ${NEW_DATABASE_PAGE_SIZE}`);
    const journalMode = String(pragmaValue(db, 'journal_mode = WAL'));
    if (journalMode !== 'wal') {
      logger.warn({ file: opts.file, journalMode }, 'file system does not support WAL; durability guarantees are weaker');
    }
    const durableWal = journalMode === 'wal' && opts.synchronous !== 'normal';
    // durableWal: SQLite's own sync would block the event loop; the WAL is synced in the thread pool instead
    db.exec(`PRAGMA synchronous = ${opts.synchronous !== 'normal' && !durableWal ? 'FULL' : 'NORMAL'}`);
    // Keep a big transaction's WAL from staying on disk forever.
    db.exec('PRAGMA journal_size_limit = 33554432');
    const previousVersion = migrate(db);
    if (opts.maxPageCount !== undefined) setMaxPageCount(db, opts.maxPageCount);
    if (journalMode === 'wal') preallocateWal(db, opts.file);
    return { db, journalMode, previousVersion, durableWal };
  } catch (err) {
    try {
      db?.close();
    } catch {
      // closing a handle to a broken file may fail too; nothing to do
    }
    throw err;
  }
}

/**
 * Check an existing file through a READ-ONLY connection first: closing it
 * never checkpoints or deletes the WAL, so a corrupt file is moved aside
 * exactly as it was found. Throws a corruption error if it is unreadable.
 */
function probe(opts: SqliteStoreOptions): void {
  if (!existsSync(opts.file) || statSync(opts.file).size === 0) return;
  const db = openConnection(opts.file, { readonly: true, fileMustExist: true });
  try {
    pragmaValue(db, 'schema_version'); // reads the header: SQLITE_NOTADB for garbage
    if (opts.integrityCheck !== false) {
      const problems = (pragmaColumn(db, 'quick_check') as string[]).filter((r) => r !== 'ok');
      if (problems.length > 0) throw new IntegrityCheckFailed(`quick_check: ${problems.slice(0, 3).join('; ')}`);
    }
  } finally {
    db.close();
  }
}

/**
 * Give the WAL its full size before the first commit. A flush that grows a
 * file also changes its size and block map, which ext4 journals: measured on
 * a loop device, one small commit then wrote 8.8 KB; into a file that
 * already has its size, 3.7 KB (the data block alone). So, with the WAL
 * empty (a TRUNCATE checkpoint moves everything into the database first),
 * the file is written with zeros up to the size it reaches between two
 * automatic checkpoints, and synced. SQLite reads a WAL whose header is not
 * valid (zeros) as empty and starts it afresh at the first commit; frames
 * are only ever trusted up to the first one whose checksum does not match,
 * so the zeros beyond are never read as data.
 */
function preallocateWal(db: Database.Database, file: string): void {
  const busy = (pragmaColumn(db, 'wal_checkpoint(TRUNCATE)') as number[])[0];
  if (busy !== 0) return; // another connection reads: leave the WAL as it is
  const pages = WAL_CHECKPOINT_FRAMES;
  const pageSize = pragmaValue(db, 'page_size') as number;
  const bytes = WAL_HEADER_BYTES + pages * (pageSize + WAL_FRAME_HEADER_BYTES);
  const wal = `${file}-wal`;
  // Another process may use the database (`midge queue` beside a running midge): hold SQLite's write
  // lock while filling, so nobody appends frames meanwhile, and fill only a WAL that is still empty.
  db.exec('BEGIN IMMEDIATE');
  try {
    const fd = openSync(wal, existsSync(wal) ? 'r+' : 'w', 0o600);
    try {
      if (fstatSync(fd).size !== 0) return; // written since the checkpoint: in use, leave it
      const zeros = Buffer.alloc(Math.min(bytes, 1 << 20));
      for (let at = 0; at < bytes; at += zeros.length) writeSync(fd, zeros, 0, Math.min(zeros.length, bytes - at), at);
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } finally {
    db.exec('COMMIT');
  }
}

const WAL_HEADER_BYTES = 32;
const WAL_FRAME_HEADER_BYTES = 24;

export function setMaxPageCount(db: Database.Database, pages: number): number {
  if (!Number.isInteger(pages) || pages < 1) {
    throw new StoreError(`maxPageCount must be a positive integer, got ${pages}`, ERR.STORE);
  }
  return pragmaValue(db, `max_page_count = ${pages}`) as number;
}

/** Rename `file` (and its WAL) to `<file>.corrupt-<timestamp>`; drop the shared-memory index. */
function moveAside(file: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let target = `${file}.corrupt-${stamp}`;
  for (let n = 1; existsSync(target); n++) target = `${file}.corrupt-${stamp}-${n}`;
  try {
    if (existsSync(file)) renameSync(file, target);
    for (const suffix of ['-wal', '-journal']) {
      if (existsSync(file + suffix)) renameSync(file + suffix, target + suffix);
    }
    rmSync(`${file}-shm`, { force: true });
  } catch (err) {
    throw new StoreError(`database ${file} is corrupt and could not be moved aside: ${(err as Error).message}`, ERR.STORE_CORRUPT, {
      cause: err,
    });
  }
  return target;
}
