/**
 * Hand-written PUBLISH decoder for the common case, ahead of mqtt-packet's
 * generic parser: complete PUBLISH packets at the start of a chunk, without
 * properties (MQTT 3.1/3.1.1, or 5.0 with an empty property list). The
 * generic parser costs a BufferList append, a copy and about ten `debug()`
 * calls (each allocating its argument array) per packet.
 *
 * Anything else (another packet type, a packet cut by the chunk end, v5
 * properties, QoS 3, lengths that do not add up) stops the fast path: the
 * caller hands the rest of the chunk to mqtt-packet, which then decides
 * exactly as it always did (including its error messages). Topic strings
 * get the same checks as strict-strings.ts applies to mqtt-packet.
 */
import { isUtf8 } from 'node:buffer';
import type { IPublishPacket } from 'mqtt-packet';
import { decodeShortAck, isCutShortAck } from './ack-codec.js';
import type { AckPacket } from './ack-codec.js';

export interface PublishSink {
  onPacket(packet: IPublishPacket | AckPacket): void;
  /** A topic that is ill-formed UTF-8 or contains U+0000 ([MQTT-1.5.4-1/2]). */
  onStringProblem(problem: string): void;
}

/**
 * Decodes the complete PUBLISH packets (and 4-byte acknowledgements,
 * ack-codec.ts) at the start of `chunk`, giving each to `sink`. Returns
 * the offset of the first byte not consumed (the chunk's length when all
 * were), or -1 after `sink.onStringProblem`.
 */
export function decodePublishes(chunk: Buffer, v5: boolean, sink: PublishSink): number {
  let at = 0;
  const end = chunk.length;
  while (at < end) {
    const first = chunk[at]!;
    if (first >> 4 !== 3) {
      const ack = decodeShortAck(chunk, at, v5);
      if (ack === undefined) return at;
      at += 4;
      sink.onPacket(ack);
      continue;
    }
    const qos = (first >> 1) & 3;
    if (qos === 3) return at;
    // Remaining Length (at most 4 bytes)
    let p = at + 1;
    let length = 0;
    let mul = 1;
    let done = false;
    for (let i = 0; i < 4 && p < end; i++) {
      const b = chunk[p++]!;
      length += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) {
        done = true;
        break;
      }
    }
    const packetEnd = p + length;
    if (!done || packetEnd > end || length < 2) return at;
    const topicLength = (chunk[p]! << 8) | chunk[p + 1]!;
    let q = p + 2 + topicLength;
    if (q > packetEnd) return at;
    let messageId: number | undefined;
    if (qos > 0) {
      if (q + 2 > packetEnd) return at;
      messageId = (chunk[q]! << 8) | chunk[q + 1]!;
      q += 2;
    }
    if (v5) {
      if (q >= packetEnd || chunk[q] !== 0) return at; // properties: the generic parser
      q += 1;
    }
    const topicBytes = chunk.subarray(p + 2, p + 2 + topicLength);
    if (!isUtf8(topicBytes)) {
      sink.onStringProblem('ill-formed UTF-8 string');
      return -1;
    }
    if (topicBytes.includes(0)) {
      sink.onStringProblem('UTF-8 string contains U+0000');
      return -1;
    }
    // a copy, as mqtt-packet makes: a retained or queued payload must not pin the whole socket chunk
    const payload = Buffer.allocUnsafe(packetEnd - q);
    chunk.copy(payload, 0, q, packetEnd);
    const packet: IPublishPacket = {
      cmd: 'publish',
      retain: (first & 1) !== 0,
      qos: qos as 0 | 1 | 2,
      dup: (first & 8) !== 0,
      length,
      topic: topicBytes.toString('utf8'),
      payload,
    };
    if (messageId !== undefined) packet.messageId = messageId;
    at = packetEnd;
    sink.onPacket(packet);
  }
  return at;
}

/**
 * True when the bytes from `at` to the end of `buf` are the start of a
 * PUBLISH (QoS 0-2) that the end of `buf` cut short (its Remaining Length
 * is incomplete or says the packet goes on), or of a 4-byte acknowledgement.
 */
export function isCutPublish(buf: Buffer, at: number): boolean {
  if (isCutShortAck(buf, at)) return true;
  const first = buf[at];
  if (first === undefined || first >> 4 !== 3 || ((first >> 1) & 3) === 3) return false;
  let p = at + 1;
  let length = 0;
  let mul = 1;
  for (let i = 0; i < 4; i++) {
    if (p >= buf.length) return true; // Remaining Length not complete yet
    const b = buf[p++]!;
    length += (b & 0x7f) * mul;
    mul *= 128;
    if ((b & 0x80) === 0) return p + length > buf.length;
  }
  return false; // a fifth length byte: malformed, for mqtt-packet to refuse
}
