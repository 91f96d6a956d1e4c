/**
 * The only place that creates better-sqlite3 objects, and why.
 *
 * better-sqlite3 <= 12 wraps `Database` and `Statement` in Node's raw
 * `node::ObjectWrap`. Since Node 24.19 the ObjectWrap destructor calls
 * `RemoveEnvironmentCleanupHook`, which aborts the process
 * (`Assertion failed: (env) != nullptr`, SIGABRT) when the wrapper is
 * finalised by a garbage collection that runs outside any JS context — an
 * idle GC can hit any statement that became garbage, at a random moment
 * (WiseLibs/better-sqlite3#1515; fixed by the Node-API rewrite in 13.x,
 * which needs Node >= 22). Midge supports Node 20, so it stays on 12.x and
 * never lets these wrappers become garbage: every Database and Statement is
 * created here and kept reachable for the life of the process (a few dozen
 * small objects per store opened; `db.pragma()`, which prepares a throw-away
 * statement per call, is replaced by cached statements).
 */
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';

// Loaded on the first open, not at start: a broker without persistence never
// pays for the native module (about 1.5 MB of RSS).
const require = createRequire(import.meta.url);
let DatabaseClass: typeof Database | undefined;

const pinned = new Map<Database.Database, Map<string, Database.Statement>>();

/** Open a connection that will never be garbage collected. */
export function openConnection(file: string, options?: Database.Options): Database.Database {
  DatabaseClass ??= require('better-sqlite3') as typeof Database;
  const db = new DatabaseClass(file, options);
  pinned.set(db, new Map());
  return db;
}

/** Prepare (once per connection and SQL text) a statement that is never garbage collected. */
export function prepare(db: Database.Database, sql: string): Database.Statement {
  let cache = pinned.get(db);
  if (cache === undefined) pinned.set(db, (cache = new Map()));
  let stmt = cache.get(sql);
  if (stmt === undefined) cache.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}

/** `PRAGMA <source>` returning the first column of the first row (like `db.pragma(s, {simple: true})`). */
export function pragmaValue(db: Database.Database, source: string): unknown {
  return prepare(db, `PRAGMA ${source}`).pluck(true).get();
}

/** `PRAGMA <source>` returning the first column of every row. */
export function pragmaColumn(db: Database.Database, source: string): unknown[] {
  return prepare(db, `PRAGMA ${source}`).pluck(true).all();
}
