/** PINGREQ [MQTT-3.12.4-1]: the server MUST answer PINGRESP. */
import type { ConnectionContext } from '../context.js';

export function handlePingreq(conn: ConnectionContext): void {
  conn.send({ cmd: 'pingresp' });
}
