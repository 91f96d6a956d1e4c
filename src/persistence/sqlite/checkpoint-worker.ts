/**
 * Runs in a worker thread (checkpointer.ts): one PASSIVE checkpoint of the
 * database through a connection of its own, then exits. SQLite copies the
 * WAL's pages into the database file and syncs both (the checkpoint syncs
 * the WAL before it copies and the database after, whatever the main
 * connection's setting), here, off the broker's event loop. PASSIVE never
 * waits for the main connection, which keeps committing meanwhile.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const { file } = workerData as { file: string };
let result: { busy: number; log: number; checkpointed: number } | { error: string } = { error: 'no checkpoint ran' };
try {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('synchronous = NORMAL'); // a checkpoint syncs WAL and database at NORMAL and above
    // The store keeps committing meanwhile; a frame written during a pass keeps the WAL from starting
    // again at the next commit, so a few more passes copy what came in (each much shorter than the first).
    for (let pass = 0; pass < 3; pass++) {
      result = (db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>)[0]!;
      if (result.busy !== 0 || result.checkpointed >= result.log) break;
    }
  } finally {
    db.close(); // not the last connection (the store's stays open): no checkpoint, the WAL stays
  }
} catch (err) {
  result = { error: (err as Error).message };
}
parentPort?.postMessage(result);
