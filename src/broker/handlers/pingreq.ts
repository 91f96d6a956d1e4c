/** PINGREQ [MQTT-3.12.4-1]: the server MUST answer PINGRESP. */
import type { Connection } from '../connection.js';

export function handlePingreq(conn: Connection): void {
  conn.send({ cmd: 'pingresp' });
}
