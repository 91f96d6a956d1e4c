/**
 * PUBACK, PUBREC, PUBREL, PUBCOMP (spec 3.4-3.7): the 2-byte form (3.1.1,
 * and v5 success), and v5's reason code with optional properties.
 */
import type { IPubackPacket, IPubcompPacket, IPubrecPacket, IPubrelPacket } from 'mqtt-packet';
import { MalformedPacketError, ProtocolError } from '../../errors.js';
import { PUBACK_CODES, PUBREL_CODES } from '../../reason-codes.js';
import { readProperties } from './properties.js';
import { Reader } from './reader.js';

export type AckPacket = IPubackPacket | IPubrecPacket | IPubrelPacket | IPubcompPacket;
export type AckCmd = AckPacket['cmd'];

export function decodeAck(cmd: AckCmd, first: number, buf: Buffer, start: number, end: number, version: number): AckPacket {
  const length = end - start;
  // 3.1.1: exactly a packet identifier (mosquitto: Malformed for any other length)
  if (version !== 5 && length !== 2) throw new MalformedPacketError(`${cmd.toUpperCase()} with remaining length ${length}`);
  if (length < 2) throw new MalformedPacketError(`${cmd.toUpperCase()} too short for its packet identifier`);
  const packet = {
    cmd,
    retain: false,
    qos: cmd === 'pubrel' ? 1 : 0,
    dup: cmd === 'pubrel' && (first & 8) !== 0, // 3.1 PUBREL may be resent with DUP
    length,
    topic: null,
    payload: null,
    messageId: (buf[start]! << 8) | buf[start + 1]!,
  } as unknown as AckPacket;
  if (version === 5) {
    if (length === 2) {
      packet.reasonCode = 0; // 3.4.2.1: the short form means Success
      return packet;
    }
    const r = new Reader(buf, start + 2, end, cmd.toUpperCase());
    const reasonCode = length > 2 ? r.u8('reason code') : 0;
    const codes = cmd === 'puback' || cmd === 'pubrec' ? PUBACK_CODES : PUBREL_CODES;
    // [MQTT-3.4.2-1] [MQTT-3.6.2-1] a reason code the packet does not define: Protocol Error, as mosquitto
    if (!codes.has(reasonCode)) throw new ProtocolError(`${r.name} reason code 0x${reasonCode.toString(16)}`);
    packet.reasonCode = reasonCode;
    // 3.4.2.2.1: no Property Length when the packet ends after the reason code
    const properties = length > 3 ? readProperties(r, cmd) : undefined;
    if (properties) packet.properties = properties;
    r.expectEnd();
  }
  return packet;
}
