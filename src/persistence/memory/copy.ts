/** Snapshot copies for the memory store's copy contract (see memory-store.ts). */
import type { MessageProperties, RetainedMessage, StoredMessage } from '../types.js';

/** Shallow copy without the keys whose value is undefined. */
export function defined<T extends object>(obj: T): T {
  const out = { ...obj };
  for (const key of Object.keys(out) as Array<keyof T>) {
    if (out[key] === undefined) delete out[key];
  }
  return out;
}

function copyProperties(p: MessageProperties): MessageProperties {
  const out = defined(p);
  if (p.userProperties !== undefined) {
    out.userProperties = Object.fromEntries(
      Object.entries(p.userProperties).map(([k, v]) => [k, Array.isArray(v) ? [...v] : v]),
    );
  }
  return out;
}

export function copyMessage(m: StoredMessage): StoredMessage {
  const out: StoredMessage = {
    topic: m.topic,
    payload: m.payload,
    qos: m.qos,
    retain: m.retain,
    receivedAt: m.receivedAt,
  };
  if (m.properties !== undefined) out.properties = copyProperties(m.properties);
  if (m.expiresAt !== undefined) out.expiresAt = m.expiresAt;
  return out;
}

export function copyRetained(m: RetainedMessage): RetainedMessage {
  const out: RetainedMessage = copyMessage(m);
  if (m.source !== undefined) out.source = defined(m.source);
  return out;
}
