/**
 * Runs in a worker thread (checkpointer.ts): a PASSIVE checkpoint of the
 * database (up to three passes) through a connection of its own, then exits. SQLite copies the
 * WAL's pages into the database file and syncs both (the checkpoint syncs
 * the WAL before it copies and the database after, whatever the main
 * connection's setting), here, off the broker's event loop. PASSIVE never
 * waits for the main connection, which keeps committing meanwhile.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openConnection, prepare } from './native.js';

const { file } = workerData as { file: string };
let result: { busy: number; log: number; checkpointed: number } | { error: string } = { error: 'no checkpoint ran' };
try {
  const db = openConnection(file, { fileMustExist: true }); // pinned: see native.ts
  try {
    // SQLite's default synchronous (FULL) on this connection: the checkpoint syncs the WAL and the database.
    // The store keeps committing meanwhile; a frame written during a pass keeps the WAL from starting
    // again at the next commit, so a few more passes copy what came in (each much shorter than the first).
    for (let pass = 0; pass < 3; pass++) {
      result = prepare(db, 'PRAGMA wal_checkpoint(PASSIVE)').get() as { busy: number; log: number; checkpointed: number };
      if (result.busy !== 0 || result.checkpointed >= result.log) break;
    }
  } finally {
    db.close(); // not the last connection (the store's stays open): no checkpoint, the WAL stays
  }
} catch (err) {
  result = { error: (err as Error).message };
}
parentPort?.postMessage(result);
