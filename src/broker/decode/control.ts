/** PINGREQ, DISCONNECT and AUTH (spec 3.12, 3.14, 3.15). */
import type { IAuthPacket, IDisconnectPacket, IPingreqPacket } from 'mqtt-packet';
import { MalformedPacketError, ProtocolError } from '../../errors.js';
import { AUTH_CODES, DISCONNECT_CODES } from '../../reason-codes.js';
import { readProperties } from './properties.js';
import { Reader } from './reader.js';

export function decodePingreq(start: number, end: number): IPingreqPacket {
  if (end !== start) throw new MalformedPacketError(`PINGREQ with remaining length ${end - start}`); // 3.12: no variable header
  return { cmd: 'pingreq', retain: false, qos: 0, dup: false, length: 0, topic: null, payload: null } as unknown as IPingreqPacket;
}

export function decodeDisconnect(buf: Buffer, start: number, end: number, version: number): IDisconnectPacket {
  const length = end - start;
  const packet = { cmd: 'disconnect', retain: false, qos: 0, dup: false, length, topic: null, payload: null } as unknown as IDisconnectPacket;
  if (version !== 5) {
    if (length !== 0) throw new MalformedPacketError(`DISCONNECT with remaining length ${length}`); // 3.14 (3.1.1): no variable header
    return packet;
  }
  const r = new Reader(buf, start, end, 'DISCONNECT');
  const reasonCode = length > 0 ? r.u8('reason code') : 0; // 3.14.2.1: no Reason Code means 0x00
  if (!DISCONNECT_CODES.has(reasonCode)) throw new MalformedPacketError(`DISCONNECT reason code 0x${reasonCode.toString(16)}`);
  packet.reasonCode = reasonCode;
  const properties = length > 1 ? readProperties(r, 'disconnect') : undefined; // 3.14.2.2.1: may be left out
  if (properties) packet.properties = properties;
  // bytes after the properties: Protocol Error, as mosquitto (handle_disconnect.c)
  if (r.pos !== end) throw new ProtocolError(`DISCONNECT has ${end - r.pos} bytes after its last field`);
  return packet;
}

export function decodeAuth(buf: Buffer, start: number, end: number): IAuthPacket {
  const r = new Reader(buf, start, end, 'AUTH');
  const length = end - start;
  const reasonCode = length > 0 ? r.u8('reason code') : 0; // 3.15.2.1: no Reason Code means 0x00
  // 3.15.2.1: 0x00, 0x18 or 0x19 (mosquitto: Protocol Error)
  if (!AUTH_CODES.has(reasonCode)) throw new ProtocolError(`AUTH reason code 0x${reasonCode.toString(16)}`);
  const packet = { cmd: 'auth', retain: false, qos: 0, dup: false, length, topic: null, payload: null, reasonCode } as unknown as IAuthPacket;
  const properties = length > 1 ? readProperties(r, 'auth') : undefined;
  if (properties) packet.properties = properties;
  r.expectEnd();
  return packet;
}
