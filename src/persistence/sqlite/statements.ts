/** Every SQL statement the store runs, prepared once after migration (and pinned: see native.ts). */
import type Database from 'better-sqlite3';
import { prepare } from './native.js';

const MESSAGE_COLUMNS = 'topic, payload, msg_qos, msg_retain, properties, received_at, expires_at';
const RETAINED_COLUMNS = `${MESSAGE_COLUMNS}, source_client_id, source_username, source_listener`;
const QUEUE_COLUMNS = `client_id, seq, ${MESSAGE_COLUMNS}, qos, retain, subscription_ids, packet_id, state`;

type StatementName =
  | 'saveSession' | 'deleteSession' | 'deleteQueue' | 'deleteInbound' | 'loadSessions'
  | 'setRetained' | 'deleteRetained' | 'loadRetained'
  | 'enqueue' | 'updateEntry' | 'removeEntry' | 'loadQueue'
  | 'addInbound' | 'removeInbound' | 'loadInbound'
  | 'shiftSessions' | 'shiftRetained' | 'shiftQueue'
  | 'readMaxSeq' | 'readStoreId' | 'writeMaxSeq';

/** Spelled out (not `ReturnType<...>`) so the package's declarations can name it (TS4058). */
export type Statements = Record<StatementName, Database.Statement>;

export function prepareStatements(db: Database.Database): Statements {
  return {
    saveSession: prepare(db, 
      `INSERT OR REPLACE INTO sessions (client_id, protocol_version, expiry_interval, disconnected_at, subscriptions)
       VALUES (@client_id, @protocol_version, @expiry_interval, @disconnected_at, @subscriptions)`,
    ),
    deleteSession: prepare(db, 'DELETE FROM sessions WHERE client_id = ?'),
    deleteQueue: prepare(db, 'DELETE FROM queue WHERE client_id = ?'),
    deleteInbound: prepare(db, 'DELETE FROM inbound_qos2 WHERE client_id = ?'),
    loadSessions: prepare(db, 'SELECT * FROM sessions'),

    // An upsert, not INSERT OR REPLACE: REPLACE deletes the row and inserts it under a new rowid, which
    // rewrites the table's last leaf and the topic index too (6 WAL frames per update, measured with 200
    // retained topics); updating in place changes the one leaf that holds the row (1 frame).
    // The publisher (source_*) is part of the same row update: no extra write per retained message.
    setRetained: prepare(db, 
      `INSERT INTO retained (${RETAINED_COLUMNS})
       VALUES (@topic, @payload, @msg_qos, @msg_retain, @properties, @received_at, @expires_at,
               @source_client_id, @source_username, @source_listener)
       ON CONFLICT (topic) DO UPDATE SET payload = excluded.payload, msg_qos = excluded.msg_qos,
         msg_retain = excluded.msg_retain, properties = excluded.properties,
         received_at = excluded.received_at, expires_at = excluded.expires_at,
         source_client_id = excluded.source_client_id, source_username = excluded.source_username,
         source_listener = excluded.source_listener`,
    ),
    deleteRetained: prepare(db, 'DELETE FROM retained WHERE topic = ?'),
    loadRetained: prepare(db, `SELECT ${RETAINED_COLUMNS} FROM retained`),

    enqueue: prepare(db, 
      `INSERT OR REPLACE INTO queue (${QUEUE_COLUMNS})
       VALUES (@client_id, @seq, @topic, @payload, @msg_qos, @msg_retain, @properties, @received_at, @expires_at,
               @qos, @retain, @subscription_ids, @packet_id, @state)`,
    ),
    updateEntry: prepare(db, 
      'UPDATE queue SET packet_id = COALESCE(?, packet_id), state = ? WHERE client_id = ? AND seq = ?',
    ),
    removeEntry: prepare(db, 'DELETE FROM queue WHERE client_id = ? AND seq = ?'),
    loadQueue: prepare(db, `SELECT ${QUEUE_COLUMNS} FROM queue WHERE client_id = ? ORDER BY seq`),

    addInbound: prepare(db, 'INSERT OR IGNORE INTO inbound_qos2 (client_id, packet_id) VALUES (?, ?)'),
    removeInbound: prepare(db, 'DELETE FROM inbound_qos2 WHERE client_id = ? AND packet_id = ?'),
    loadInbound: prepare(db, 'SELECT packet_id FROM inbound_qos2 WHERE client_id = ? ORDER BY packet_id').pluck(),

    shiftSessions: prepare(db, 'UPDATE sessions SET disconnected_at = disconnected_at + ? WHERE disconnected_at IS NOT NULL'),
    shiftRetained: prepare(db, 'UPDATE retained SET received_at = received_at + ?, expires_at = expires_at + ?'),
    shiftQueue: prepare(db, 'UPDATE queue SET received_at = received_at + ?, expires_at = expires_at + ?'),

    readMaxSeq: prepare(
      db,
      `SELECT max(COALESCE((SELECT value FROM meta WHERE key = 'max_seq'), 0), COALESCE((SELECT max(seq) FROM queue), 0),
                  COALESCE((SELECT max(seq) FROM bridge_queue), 0), COALESCE((SELECT max(seq) FROM bridge_dead_letters), 0))`,
    ).pluck(),
    readStoreId: prepare(db, "SELECT value FROM meta WHERE key = 'store_id'").pluck(),
    writeMaxSeq: prepare(db, "UPDATE meta SET value = ? WHERE key = 'max_seq' AND value < ?"),
  };
}
