/**
 * Hand-written PUBLISH encoder for the common case: no properties (MQTT
 * 3.1/3.1.1, or 5.0 with an empty property list). mqtt-packet's generic
 * `generate` allocates an accumulator, an EventEmitter and a debug call's
 * argument arrays per packet; this writes the bytes into one buffer.
 *
 * Fan-out: a message delivered at QoS 0 is the same bytes for every
 * subscriber of one protocol family and retain flag, so the last message's
 * encodings are kept (one entry: a publish reaches its subscribers one after
 * another) and the same Buffer is written to each socket.
 */
import type { StoredMessage } from '../persistence/types.js';

/** Bytes of the Remaining Length varint for `n`. */
function varintLength(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}

/**
 * PUBLISH without properties. `v5` adds the empty property length byte.
 * `packetId` is written for QoS 1 and 2 only.
 */
export function encodePublish(topic: string, payload: Buffer, qos: number, retain: boolean, dup: boolean, packetId: number, v5: boolean): Buffer {
  const topicLength = Buffer.byteLength(topic);
  const remaining = 2 + topicLength + (qos > 0 ? 2 : 0) + (v5 ? 1 : 0) + payload.length;
  const buf = Buffer.allocUnsafe(1 + varintLength(remaining) + remaining);
  buf[0] = 0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 0x01 : 0);
  let at = 1;
  let n = remaining;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    buf[at++] = byte;
  } while (n > 0);
  buf[at++] = topicLength >> 8;
  buf[at++] = topicLength & 0xff;
  at += buf.write(topic, at, 'utf8');
  if (qos > 0) {
    buf[at++] = packetId >> 8;
    buf[at++] = packetId & 0xff;
  }
  if (v5) buf[at++] = 0;
  payload.copy(buf, at);
  return buf;
}

let cachedMessage: StoredMessage | undefined;
/** Index: (v5 ? 2 : 0) + (retain ? 1 : 0). */
const cachedBytes: Array<Buffer | undefined> = [undefined, undefined, undefined, undefined];

/** A QoS 0 PUBLISH of `message` without properties, shared between the subscribers of one fan-out. */
export function encodeQos0Shared(message: StoredMessage, retain: boolean, v5: boolean): Buffer {
  if (cachedMessage !== message) {
    cachedMessage = message;
    cachedBytes.fill(undefined);
  }
  const slot = (v5 ? 2 : 0) + (retain ? 1 : 0);
  return (cachedBytes[slot] ??= encodePublish(message.topic, message.payload, 0, retain, false, 0, v5));
}
