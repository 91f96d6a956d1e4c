/**
 * Hand-written codec for the four acknowledgements of the QoS 1/2 flows
 * (PUBACK, PUBREC, PUBREL, PUBCOMP) in their common 4-byte form: packet id
 * only (MQTT 3.1.1, or 5.0 with reason code 0x00 and no properties, which
 * the spec lets a sender shorten to exactly this [MQTT-3.4.2.1]). At QoS 1
 * each message costs two of them; through mqtt-packet each one is a parser
 * pass with its `debug()` calls, or a generate() with an accumulator.
 *
 * Everything else (reason codes, properties, other lengths, wrong fixed
 * header flags) is decoded by mqtt-packet: the objects here equal its own
 * (unit-tested). Encoding also covers the 5-byte v5 failure form and writes
 * mosquitto's bytes where mqtt-packet's differ (see encodeShortAck).
 */
import { RC } from '../reason-codes.js';
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

/**
 * The short forms of `packet` when it has one: 4 bytes (packet id only) for 3.1.1 and for a v5 success,
 * 5 bytes (packet id and reason code, no property length) for a v5 failure without properties; else
 * undefined. Both as mosquitto writes them (lib/send_mosq.c send__command_with_mid: the reason code only
 * when not 0x00, the property length only with properties) [MQTT-3.4.2-1] [MQTT-3.4.2.2.1]; mqtt-packet
 * would write `xx 04 id id rc 00` for either.
 */
export function encodeShortAck(packet: Packet, v5: boolean): Buffer | undefined {
  const first = FIRST_BYTE[packet.cmd as AckPacket['cmd']];
  if (first === undefined) return undefined;
  const ack = packet as AckPacket;
  if (ack.messageId === undefined || (ack.properties !== undefined && hasAny(ack.properties))) return undefined;
  const reason = v5 ? (ack.reasonCode ?? RC.SUCCESS) : RC.SUCCESS;
  const buf = Buffer.allocUnsafe(reason === RC.SUCCESS ? 4 : 5);
  buf[0] = first;
  buf[1] = buf.length - 2;
  buf[2] = ack.messageId >> 8;
  buf[3] = ack.messageId & 0xff;
  if (reason !== RC.SUCCESS) buf[4] = reason;
  return buf;
}

function hasAny(properties: object): boolean {
  for (const _ in properties) return true;
  return false;
}
