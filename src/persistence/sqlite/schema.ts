/**
 * Schema and migrations. The schema version lives in `PRAGMA user_version`
 * (0 = empty / never initialised). Each migration brings the database from
 * `version - 1` to `version` and runs in its own transaction together with
 * the `user_version` bump, so a power cut leaves either the old or the new
 * version, never a half-migrated file. Append new migrations; never edit
 * one that has shipped.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { ERR, StoreError } from '../../errors.js';
import { pragmaValue } from './native.js';

export interface Migration {
  version: number;
  description: string;
  up(db: BetterSqlite3.Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'sessions, retained, queue, inbound_qos2, meta',
    up(db) {
      db.exec(`
        CREATE TABLE sessions (
          client_id        TEXT PRIMARY KEY NOT NULL,
          protocol_version INTEGER NOT NULL,
          expiry_interval  INTEGER NOT NULL,
          disconnected_at  INTEGER,
          subscriptions    TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE retained (
          topic       TEXT PRIMARY KEY NOT NULL,
          payload     BLOB NOT NULL,
          msg_qos     INTEGER NOT NULL,
          msg_retain  INTEGER NOT NULL,
          properties  TEXT,
          received_at INTEGER NOT NULL,
          expires_at  INTEGER
        );

        CREATE TABLE queue (
          client_id        TEXT NOT NULL,
          seq              INTEGER NOT NULL,
          topic            TEXT NOT NULL,
          payload          BLOB NOT NULL,
          msg_qos          INTEGER NOT NULL,
          msg_retain       INTEGER NOT NULL,
          properties       TEXT,
          received_at      INTEGER NOT NULL,
          expires_at       INTEGER,
          qos              INTEGER NOT NULL,
          retain           INTEGER NOT NULL,
          subscription_ids TEXT,
          packet_id        INTEGER,
          state            TEXT NOT NULL,
          PRIMARY KEY (client_id, seq)
        );

        CREATE TABLE inbound_qos2 (
          client_id TEXT NOT NULL,
          packet_id INTEGER NOT NULL,
          PRIMARY KEY (client_id, packet_id)
        ) WITHOUT ROWID;

        -- Small key/value table; 'max_seq' keeps the highest seq ever
        -- enqueued so it survives the removal of every queue row.
        CREATE TABLE meta (
          key   TEXT PRIMARY KEY NOT NULL,
          value INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO meta (key, value) VALUES ('max_seq', 0);
      `);
    },
  },
  {
    version: 2,
    description: 'bridge outbound queues, dead letters, bridge state, store id',
    up(db) {
      db.exec(`
        CREATE TABLE bridge_queue (
          bridge      TEXT NOT NULL,
          seq         INTEGER NOT NULL,
          topic       TEXT NOT NULL,
          payload     BLOB NOT NULL,
          msg_qos     INTEGER NOT NULL,
          msg_retain  INTEGER NOT NULL,
          properties  TEXT,
          received_at INTEGER NOT NULL,
          expires_at  INTEGER,
          PRIMARY KEY (bridge, seq)
        );

        CREATE TABLE bridge_dead_letters (
          bridge      TEXT NOT NULL,
          seq         INTEGER NOT NULL,
          topic       TEXT NOT NULL,
          payload     BLOB NOT NULL,
          msg_qos     INTEGER NOT NULL,
          msg_retain  INTEGER NOT NULL,
          properties  TEXT,
          received_at INTEGER NOT NULL,
          expires_at  INTEGER,
          reason      TEXT NOT NULL,
          failed_at   INTEGER NOT NULL,
          PRIMARY KEY (bridge, seq)
        );

        -- last known connection state of each bridge, for midge queue
        CREATE TABLE bridge_state (
          bridge TEXT PRIMARY KEY NOT NULL,
          state  TEXT NOT NULL,
          since  INTEGER NOT NULL
        ) WITHOUT ROWID;

        -- random 48-bit id of this database: upstream message ids are store_id + seq
        INSERT OR IGNORE INTO meta (key, value) VALUES ('store_id', abs(random()) % 281474976710656);
      `);
    },
  },
  {
    version: 3,
    description: 'the publisher of each retained message (check_retain_source)',
    // ADD COLUMN changes only the table's definition, not its rows: existing retained messages read the new
    // columns as NULL (no source: never re-checked, as mosquitto treats a message without source_id)
    up(db) {
      db.exec(`
        ALTER TABLE retained ADD COLUMN source_client_id TEXT;
        ALTER TABLE retained ADD COLUMN source_username TEXT;
        ALTER TABLE retained ADD COLUMN source_listener INTEGER;
      `);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/**
 * Bring `db` up to SCHEMA_VERSION. Returns the version found before
 * migrating. A file from a newer Midge is refused (not touched).
 */
export function migrate(db: BetterSqlite3.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const found = pragmaValue(db, 'user_version') as number;
  const latest = migrations.length === 0 ? 0 : migrations[migrations.length - 1].version;
  if (found > latest) {
    throw new StoreError(
      `database schema version ${found} is newer than this Midge understands (${latest}); refusing to open it`,
      ERR.STORE_VERSION,
    );
  }
  for (const m of migrations) {
    if (m.version <= found) continue;
    db.transaction(() => {
      m.up(db);
      db.exec(`PRAGMA user_version = ${m.version}`);
    }).immediate();
  }
  return found;
}
