/** Every SQL statement the store runs, prepared once after migration. */
import type Database from 'better-sqlite3';

const MESSAGE_COLUMNS = 'topic, payload, msg_qos, msg_retain, properties, received_at, expires_at';
const QUEUE_COLUMNS = `client_id, seq, ${MESSAGE_COLUMNS}, qos, retain, subscription_ids, packet_id, state`;

export function prepareStatements(db: Database.Database) {
  return {
    saveSession: db.prepare(
      `INSERT OR REPLACE INTO sessions (client_id, protocol_version, expiry_interval, disconnected_at, subscriptions)
       VALUES (@client_id, @protocol_version, @expiry_interval, @disconnected_at, @subscriptions)`,
    ),
    deleteSession: db.prepare('DELETE FROM sessions WHERE client_id = ?'),
    deleteQueue: db.prepare('DELETE FROM queue WHERE client_id = ?'),
    deleteInbound: db.prepare('DELETE FROM inbound_qos2 WHERE client_id = ?'),
    loadSessions: db.prepare('SELECT * FROM sessions'),

    setRetained: db.prepare(
      `INSERT OR REPLACE INTO retained (${MESSAGE_COLUMNS})
       VALUES (@topic, @payload, @msg_qos, @msg_retain, @properties, @received_at, @expires_at)`,
    ),
    deleteRetained: db.prepare('DELETE FROM retained WHERE topic = ?'),
    loadRetained: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM retained`),

    enqueue: db.prepare(
      `INSERT OR REPLACE INTO queue (${QUEUE_COLUMNS})
       VALUES (@client_id, @seq, @topic, @payload, @msg_qos, @msg_retain, @properties, @received_at, @expires_at,
               @qos, @retain, @subscription_ids, @packet_id, @state)`,
    ),
    updateEntry: db.prepare(
      'UPDATE queue SET packet_id = COALESCE(?, packet_id), state = ? WHERE client_id = ? AND seq = ?',
    ),
    removeEntry: db.prepare('DELETE FROM queue WHERE client_id = ? AND seq = ?'),
    loadQueue: db.prepare(`SELECT ${QUEUE_COLUMNS} FROM queue WHERE client_id = ? ORDER BY seq`),

    addInbound: db.prepare('INSERT OR IGNORE INTO inbound_qos2 (client_id, packet_id) VALUES (?, ?)'),
    removeInbound: db.prepare('DELETE FROM inbound_qos2 WHERE client_id = ? AND packet_id = ?'),
    loadInbound: db.prepare('SELECT packet_id FROM inbound_qos2 WHERE client_id = ? ORDER BY packet_id').pluck(),

    readMaxSeq: db
      .prepare("SELECT max(COALESCE((SELECT value FROM meta WHERE key = 'max_seq'), 0), COALESCE((SELECT max(seq) FROM queue), 0))")
      .pluck(),
    writeMaxSeq: db.prepare("UPDATE meta SET value = ? WHERE key = 'max_seq' AND value < ?"),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
