/**
 * DISCONNECT [MQTT-3.14]: a normal disconnect (v5 reason 0x00) discards the
 * will [MQTT-3.14.4-3]; 0x04 or an error reason keeps it; v5 may update the
 * session expiry, but not from 0 [MQTT-3.14.2-2].
 */
import type { IDisconnectPacket } from 'mqtt-packet';
import { ProtocolError } from '../../errors.js';
import { RC } from '../../reason-codes.js';
import type { ConnectionContext } from '../context.js';

export function handleDisconnect(conn: ConnectionContext, packet: IDisconnectPacket): void {
  const session = conn.session!;
  const expiry = packet.properties?.sessionExpiryInterval;
  if (conn.protocolVersion === 5 && expiry !== undefined) {
    if (session.expiryInterval === 0 && expiry !== 0) {
      throw new ProtocolError('session expiry changed from 0 in DISCONNECT'); // [MQTT-3.14.2-2]
    }
    session.expiryInterval = Math.min(expiry, conn.broker.config.mqtt.max_session_expiry_interval);
  }
  // [MQTT-3.14.4-3] only reason 0x00 discards the will; 0x04 asks for it, and any error code is not a
  // normal disconnection either (3.1.2.5: "without first sending a DISCONNECT packet with a Reason Code 0x00")
  conn.cleanDisconnect = conn.protocolVersion !== 5 || (packet.reasonCode ?? RC.NORMAL_DISCONNECTION) === RC.NORMAL_DISCONNECTION;
  conn.log.debug({ clientId: conn.clientId, reasonCode: packet.reasonCode }, 'client sent DISCONNECT');
  conn.close(); // [MQTT-3.14.4-1] the server closes the connection; no DISCONNECT back
}
