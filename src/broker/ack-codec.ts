/**
 * Hand-written codec for the four acknowledgements of the QoS 1/2 flows
 * (PUBACK, PUBREC, PUBREL, PUBCOMP) in their common 4-byte form: packet id
 * only (MQTT 3.1.1, or 5.0 with reason code 0x00 and no properties, which
 * the spec lets a sender shorten to exactly this [MQTT-3.4.2.1]). At QoS 1
 * each message costs two of them; through mqtt-packet each one is a parser
 * pass with its `debug()` calls, or a generate() with an accumulator.
 *
 * Everything else (reason codes, properties, other lengths, wrong fixed
 * header flags) is left to mqtt-packet, which produces exactly what it did
 * before: the objects and bytes here equal mqtt-packet's (unit-tested).
 */
import type { IPubackPacket, IPubcompPacket, IPubrecPacket, IPubrelPacket, Packet } from 'mqtt-packet';

export type AckPacket = IPubackPacket | IPubrecPacket | IPubrelPacket | IPubcompPacket;

/** Fixed header byte of each acknowledgement; PUBREL's flags must be 0b0010 [MQTT-3.6.1-1]. */
const FIRST_BYTE = { puback: 0x40, pubrec: 0x50, pubrel: 0x62, pubcomp: 0x70 } as const;
const CMD_OF: Partial<Record<number, AckPacket['cmd']>> = Object.fromEntries(
  Object.entries(FIRST_BYTE).map(([cmd, first]) => [first, cmd as AckPacket['cmd']]),
);

/**
 * The acknowledgement at `at`, when it is complete and in the 4-byte form;
 * undefined otherwise (then mqtt-packet parses it). Same fields as mqtt-packet.
 */
export function decodeShortAck(chunk: Buffer, at: number, v5: boolean): AckPacket | undefined {
  const cmd = CMD_OF[chunk[at]!];
  if (cmd === undefined || at + 4 > chunk.length || chunk[at + 1] !== 2) return undefined;
  const packet = {
    cmd,
    retain: false,
    qos: cmd === 'pubrel' ? 1 : 0,
    dup: false,
    length: 2,
    topic: null,
    payload: null,
    messageId: (chunk[at + 2]! << 8) | chunk[at + 3]!,
  } as unknown as AckPacket;
  if (v5) packet.reasonCode = 0;
  return packet;
}

/** True when `buf` ends inside what starts as a 4-byte acknowledgement at `at`. */
export function isCutShortAck(buf: Buffer, at: number): boolean {
  const left = buf.length - at;
  return left > 0 && left < 4 && CMD_OF[buf[at]!] !== undefined && (left === 1 || buf[at + 1] === 2);
}

/** The 4-byte form of `packet` when it has one (no properties; v5: reason code 0); else undefined. */
export function encodeShortAck(packet: Packet, v5: boolean): Buffer | undefined {
  const first = FIRST_BYTE[packet.cmd as AckPacket['cmd']];
  if (first === undefined) return undefined;
  const ack = packet as AckPacket;
  if (ack.properties !== undefined || ack.messageId === undefined) return undefined;
  if (v5 && ack.reasonCode !== 0) return undefined; // v5 without a reason code: mqtt-packet writes the long form
  const buf = Buffer.allocUnsafe(4);
  buf[0] = first;
  buf[1] = 2;
  buf[2] = ack.messageId >> 8;
  buf[3] = ack.messageId & 0xff;
  return buf;
}
