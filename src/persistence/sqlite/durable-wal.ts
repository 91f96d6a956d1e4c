/**
 * Durability of committed transactions without blocking the event loop.
 *
 * SQLite runs with `synchronous = NORMAL` in WAL mode: a commit appends its
 * frames to the `-wal` file (SQLite's documented name for it) and returns
 * without waiting for the disk; the file can never be corrupted by a power
 * cut, but the last commits may be rolled back. `sync()` then runs
 * `fdatasync` on the WAL in libuv's thread pool: once it returns, every
 * frame written before it, the commits' included, is on stable storage and
 * survives a power cut. This is what `synchronous = FULL` does inside the
 * commit, moved off the event loop so the broker keeps serving while the
 * disk works, and shared by every commit made in the meantime.
 *
 * The first sync also syncs the directory (the WAL file's entry is new) and
 * the database file (written at creation and by migrations).
 */
import { closeSync, fdatasync, fdatasyncSync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

export class DurableWal {
  private fd: number | undefined;

  constructor(private readonly dbFile: string) {}

  /** fdatasync the WAL in the thread pool; `done` gets the error, if any. */
  sync(done: (err?: Error) => void): void {
    let fd: number;
    try {
      fd = this.open();
    } catch (err) {
      done(err as Error);
      return;
    }
    fdatasync(fd, (err) => done(err ?? undefined));
  }

  /** The same, synchronously (at close). */
  syncNow(): void {
    fdatasyncSync(this.open());
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
  }

  private open(): number {
    if (this.fd !== undefined) return this.fd;
    const fd = openSync(`${this.dbFile}-wal`, 'r');
    try {
      syncPath(this.dbFile, 'r');
      syncPath(dirname(this.dbFile), 'r');
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.fd = fd;
    return fd;
  }
}

function syncPath(path: string, flags: string): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
