/**
 * Hand-written encoder for the four acknowledgements of the QoS 1/2 flows
 * (PUBACK, PUBREC, PUBREL, PUBCOMP) in their short forms: packet id only
 * (MQTT 3.1.1, or 5.0 with reason code 0x00 and no properties, which the
 * spec lets a sender shorten to exactly this [MQTT-3.4.2.1]), and the 5-byte
 * v5 failure form. At QoS 1 each message costs two of them; through
 * mqtt-packet each one is a generate() with an accumulator. The bytes are
 * mosquitto's where mqtt-packet's differ (see encodeShortAck). Decoding is
 * decode/acks.ts.
 */
import { RC } from '../reason-codes.js';
import type { Packet } from 'mqtt-packet';
import type { AckPacket } from './decode/acks.js';

/** Fixed header byte of each acknowledgement; PUBREL's flags must be 0b0010 [MQTT-3.6.1-1]. */
const FIRST_BYTE = { puback: 0x40, pubrec: 0x50, pubrel: 0x62, pubcomp: 0x70 } as const;

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

/**
 * A v5 DISCONNECT without properties as mosquitto writes it (lib/send_disconnect.c): `e0 01 rc`, no
 * property length (which the spec lets a sender omit when the remaining length is 1 [MQTT-3.14.2.2.1]);
 * mqtt-packet writes `e0 02 rc 00`. Undefined for anything else.
 */
export function encodeShortDisconnect(packet: Packet, v5: boolean): Buffer | undefined {
  if (packet.cmd !== 'disconnect' || !v5) return undefined;
  if (packet.properties !== undefined && hasAny(packet.properties)) return undefined;
  const reason = packet.reasonCode ?? RC.NORMAL_DISCONNECTION;
  return reason === RC.NORMAL_DISCONNECTION ? Buffer.from([0xe0, 0x00]) : Buffer.from([0xe0, 0x01, reason]);
}

function hasAny(properties: object): boolean {
  for (const _ in properties) return true;
  return false;
}
