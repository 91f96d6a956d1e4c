/**
 * AUTH [MQTT-3.15]: no enhanced authentication method is configured, so a
 * client never gives one in CONNECT (that is refused with CONNACK 0x8C) and
 * any AUTH packet is a Protocol Error (4.12: "It is a Protocol
 * Error for the Client to send an AUTH packet if it did not include an
 * Authentication Method in the CONNECT"): DISCONNECT 0x82, as mosquitto.
 * (0x8C Bad authentication method is not a valid DISCONNECT reason code.)
 */
import type { IAuthPacket } from 'mqtt-packet';
import { ProtocolError } from '../../errors.js';
import { RC } from '../../reason-codes.js';
import type { ConnectionContext } from '../context.js';

export function handleAuth(_conn: ConnectionContext, _packet: IAuthPacket): void {
  throw new ProtocolError('AUTH without an authentication method in CONNECT (enhanced authentication is not configured)', RC.PROTOCOL_ERROR);
}
