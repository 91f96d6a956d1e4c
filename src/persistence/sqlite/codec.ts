/**
 * Row <-> record encoding for the SQLite store. Payloads are BLOBs; v5
 * properties, subscriptions and subscription ids are JSON text. Buffers
 * inside properties (`correlationData`) are stored as base64 strings so a
 * round trip is byte-exact. Optional fields that are absent come back
 * absent (never `undefined`/`null` keys), matching the memory store.
 */
import type {
  MessageProperties,
  OutboundEntry,
  OutboundState,
  QoS,
  RetainedMessage,
  SessionRecord,
  StoredMessage,
  SubscriptionRecord,
} from '../types.js';

/** Encode v5 properties as JSON; `null` when there are none. */
export function encodeProperties(properties: MessageProperties | undefined): string | null {
  if (properties === undefined) return null;
  const cd = properties.correlationData;
  return JSON.stringify(cd === undefined ? properties : { ...properties, correlationData: cd.toString('base64') });
}

export function decodeProperties(text: string | null): MessageProperties | undefined {
  if (text === null) return undefined;
  const parsed = JSON.parse(text) as MessageProperties & { correlationData?: unknown };
  if (typeof parsed.correlationData === 'string') {
    parsed.correlationData = Buffer.from(parsed.correlationData, 'base64');
  }
  return parsed;
}

/** Column values of the message part of a row (retained and queue tables). */
export interface MessageRow {
  topic: string;
  payload: Buffer;
  msg_qos: number;
  msg_retain: number;
  properties: string | null;
  received_at: number;
  expires_at: number | null;
}

export function encodeMessage(m: StoredMessage): MessageRow {
  return {
    topic: m.topic,
    payload: m.payload,
    msg_qos: m.qos,
    msg_retain: m.retain ? 1 : 0,
    properties: encodeProperties(m.properties),
    received_at: m.receivedAt,
    expires_at: m.expiresAt ?? null,
  };
}

export function decodeMessage(row: MessageRow): StoredMessage {
  const m: StoredMessage = {
    topic: row.topic,
    payload: row.payload,
    qos: row.msg_qos as QoS,
    retain: row.msg_retain === 1,
    receivedAt: row.received_at,
  };
  const properties = decodeProperties(row.properties);
  if (properties !== undefined) m.properties = properties;
  if (row.expires_at !== null) m.expiresAt = row.expires_at;
  return m;
}

/** A retained row: the message and its publisher (all NULL for the broker's own messages and rows from before schema 3). */
export interface RetainedRow extends MessageRow {
  source_client_id: string | null;
  source_username: string | null;
  source_listener: number | null;
}

export function encodeRetained(m: RetainedMessage): RetainedRow {
  const row = encodeMessage(m) as RetainedRow;
  row.source_client_id = m.source?.clientId ?? null;
  row.source_username = m.source?.username ?? null;
  row.source_listener = m.source?.listenerIndex ?? null;
  return row;
}

export function decodeRetained(row: RetainedRow): RetainedMessage {
  const m: RetainedMessage = decodeMessage(row);
  if (row.source_client_id === null) return m;
  m.source = { clientId: row.source_client_id };
  if (row.source_username !== null) m.source.username = row.source_username;
  if (row.source_listener !== null) m.source.listenerIndex = row.source_listener;
  return m;
}

export interface QueueRow extends MessageRow {
  client_id: string;
  seq: number;
  qos: number;
  retain: number;
  subscription_ids: string | null;
  packet_id: number | null;
  state: string;
}

export function encodeEntry(clientId: string, e: OutboundEntry): QueueRow {
  const m = e.message;
  // one flat literal (no spread): this runs once per message queued for a persistent session
  return {
    topic: m.topic,
    payload: m.payload,
    msg_qos: m.qos,
    msg_retain: m.retain ? 1 : 0,
    properties: m.properties === undefined ? null : encodeProperties(m.properties),
    received_at: m.receivedAt,
    expires_at: m.expiresAt ?? null,
    client_id: clientId,
    seq: e.seq,
    qos: e.qos,
    retain: e.retain ? 1 : 0,
    subscription_ids: e.subscriptionIds === undefined ? null : JSON.stringify(e.subscriptionIds),
    packet_id: e.packetId ?? null,
    state: e.state,
  };
}

export function decodeEntry(row: QueueRow): OutboundEntry {
  const e: OutboundEntry = {
    seq: row.seq,
    message: decodeMessage(row),
    qos: row.qos as QoS,
    retain: row.retain === 1,
    state: row.state as OutboundState,
  };
  if (row.subscription_ids !== null) e.subscriptionIds = JSON.parse(row.subscription_ids) as number[];
  if (row.packet_id !== null) e.packetId = row.packet_id;
  return e;
}

export interface SessionRow {
  client_id: string;
  protocol_version: number;
  expiry_interval: number;
  disconnected_at: number | null;
  subscriptions: string;
}

export function encodeSession(s: SessionRecord): SessionRow {
  return {
    client_id: s.clientId,
    protocol_version: s.protocolVersion,
    expiry_interval: s.expiryInterval,
    disconnected_at: s.disconnectedAt ?? null,
    subscriptions: JSON.stringify(s.subscriptions),
  };
}

export function decodeSession(row: SessionRow): SessionRecord {
  const s: SessionRecord = {
    clientId: row.client_id,
    protocolVersion: row.protocol_version as 3 | 4 | 5,
    expiryInterval: row.expiry_interval,
    subscriptions: JSON.parse(row.subscriptions) as SubscriptionRecord[],
  };
  if (row.disconnected_at !== null) s.disconnectedAt = row.disconnected_at;
  return s;
}
