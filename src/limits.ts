/**
 * Size limits and the one way a message's size is counted. A leaf module
 * (no imports) so the broker, the bridge, the store and the config schema
 * can all read it without depending on each other.
 */

/** Largest MQTT packet: 268,435,455 bytes of remaining length plus a 5-byte fixed header. */
export const MAX_PACKET_SIZE = 268435460;

/** Largest remaining length of an MQTT packet (the variable-length integer's maximum). */
export const MAX_REMAINING_LENGTH = 268435455;

/**
 * Bytes a message accounts for against a byte quota (persistence.max_store_bytes,
 * bridges[].max_queue_bytes): its topic in UTF-8 plus its payload, the bytes
 * the store holds. Protocol overhead and properties are not counted.
 */
export function messageBytes(message: { readonly topic: string; readonly payload: Uint8Array }): number {
  return Buffer.byteLength(message.topic) + message.payload.length;
}

/** Bytes a queued entry of a persistent session accounts for against persistence.max_store_bytes. */
export function storedSize(entry: { readonly message: { readonly topic: string; readonly payload: Uint8Array } }): number {
  return messageBytes(entry.message);
}
