/**
 * What one upstream PUBLISH carries, built from one queued message or a
 * batch of them: the payload (with the optional `_mid` field), the message
 * id, the MQTT 5 properties and the profile's view of it. Pure.
 */
import type { BridgeQueueEntry } from '../persistence/types.js';
import type { BridgePlan } from '../config/bridge-plan.js';
import type { BridgeMessage } from '../clouds/registry.js';

export interface OutgoingPayload {
  id: string;
  payload: Buffer;
  message: BridgeMessage;
}

/** `{"a":1}` → `{"_mid":"id","a":1}` for JSON objects; any other payload is returned unchanged. */
export function withIdField(payload: Buffer, id: string): Buffer {
  const text = payload.toString('utf8');
  if (!text.trimStart().startsWith('{')) return payload;
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return payload;
    return Buffer.from(JSON.stringify({ _mid: id, ...(value as Record<string, unknown>) }));
  } catch {
    return payload;
  }
}

/** The JSON text a message becomes inside a batch: its JSON (with `_mid` when asked), or its text as a JSON string. */
export function batchElement(entry: BridgeQueueEntry, plan: BridgePlan, storeId: string): string {
  const payload = plan.messageId.payloadField ? withIdField(entry.message.payload, messageId(storeId, entry)) : entry.message.payload;
  const text = payload.toString('utf8');
  try {
    JSON.parse(text);
    return text;
  } catch {
    return JSON.stringify(text);
  }
}

export function messageId(storeId: string, first: BridgeQueueEntry, last: BridgeQueueEntry = first): string {
  return first === last ? `${storeId}-${first.seq}` : `${storeId}-${first.seq}-${last.seq}`;
}

export function toBridgeMessage(e: BridgeQueueEntry, payload: Buffer, id: string): BridgeMessage {
  const m = e.message;
  const user = m.properties?.userProperties;
  const properties: Record<string, string> = {};
  if (user) for (const [k, v] of Object.entries(user)) properties[k] = Array.isArray(v) ? v.join(',') : v;
  return {
    topic: m.topic,
    payload,
    qos: m.qos,
    retain: m.retain,
    messageId: id,
    ...(m.properties?.contentType !== undefined ? { contentType: m.properties.contentType } : {}),
    ...(Object.keys(properties).length > 0 ? { properties } : {}),
  };
}

/**
 * The payload for a batch (one entry: its own payload). A single message
 * that `_mid` would push over the profile's payload limit goes without it.
 */
export function buildPayload(batch: readonly BridgeQueueEntry[], plan: BridgePlan, storeId: string): OutgoingPayload {
  const first = batch[0]!;
  const id = messageId(storeId, first, batch[batch.length - 1]);
  let payload: Buffer;
  if (batch.length > 1) {
    payload = Buffer.from(`[${batch.map((e) => batchElement(e, plan, storeId)).join(',')}]`);
  } else {
    payload = first.message.payload;
    if (plan.messageId.payloadField) {
      const withId = withIdField(payload, id);
      if (withId.length <= plan.profile.maxPayloadBytes) payload = withId;
    }
  }
  return { id, payload, message: toBridgeMessage(first, payload, id) };
}

export function v5Properties(e: BridgeQueueEntry, id: string, addId: boolean): Record<string, unknown> | undefined {
  const p = e.message.properties;
  const userProperties: Record<string, string | string[]> = { ...(p?.userProperties ?? {}) };
  if (addId) userProperties['midge-id'] = id;
  const out: Record<string, unknown> = {};
  if (Object.keys(userProperties).length > 0) out.userProperties = userProperties;
  if (p?.contentType !== undefined) out.contentType = p.contentType;
  if (p?.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = p.payloadFormatIndicator;
  if (p?.responseTopic !== undefined) out.responseTopic = p.responseTopic;
  if (p?.correlationData !== undefined) out.correlationData = p.correlationData;
  if (e.message.expiresAt !== undefined) out.messageExpiryInterval = Math.max(1, Math.ceil((e.message.expiresAt - Date.now()) / 1000));
  return Object.keys(out).length > 0 ? out : undefined;
}
