/**
 * AUTH [MQTT-3.15]: no enhanced authentication method is configured, so an
 * AUTH packet is refused clearly: DISCONNECT 0x8C Bad authentication method.
 */
import type { IAuthPacket } from 'mqtt-packet';
import { ProtocolError } from '../../errors.js';
import { RC } from '../../reason-codes.js';
import type { Connection } from '../connection.js';

export function handleAuth(_conn: Connection, _packet: IAuthPacket): void {
  throw new ProtocolError('enhanced authentication (AUTH) is not configured on this broker', RC.BAD_AUTHENTICATION_METHOD);
}
