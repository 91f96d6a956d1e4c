/**
 * UNSUBSCRIBE [MQTT-3.10]: remove each filter (exact string match
 * [MQTT-3.10.4-1]) and answer UNSUBACK [MQTT-3.10.4-4] with one reason per
 * filter in v5 (0x00 or 0x11 No subscription existed).
 */
import type { IUnsubscribePacket } from 'mqtt-packet';
import { MalformedPacketError, ProtocolError } from '../../errors.js';
import { RC } from '../../reason-codes.js';
import { refuseIllFormed } from './topic-filter.js';
import type { ConnectionContext } from '../context.js';
import { mountFilter } from '../mount-point.js';

export function handleUnsubscribe(conn: ConnectionContext, packet: IUnsubscribePacket): void {
  const broker = conn.broker;
  const session = conn.session!;
  if (!packet.messageId) throw new ProtocolError('UNSUBSCRIBE without packet identifier'); // [MQTT-2.2.1-3]
  // [MQTT-3.10.3-2] at least one filter
  if (packet.unsubscriptions.length === 0) throw new MalformedPacketError('UNSUBSCRIBE without a topic filter');
  // [MQTT-4.7.3-1] [MQTT-4.7.1-1..3] an empty or ill-formed filter is a Malformed Packet (mosquitto: the same)
  for (const filter of packet.unsubscriptions) refuseIllFormed(filter);
  const reasons: number[] = [];
  let changed = false;
  for (const sent of packet.unsubscriptions) {
    const filter = mountFilter(conn.mountPoint, sent); // listener mount_point
    const had = session.subscriptions.delete(filter);
    if (had) {
      broker.subscriptions.remove(session, filter);
      changed = true;
    }
    reasons.push(had ? RC.SUCCESS : RC.NO_SUBSCRIPTION_EXISTED);
  }
  if (changed) broker.saveSession(session);
  // v5 carries one reason code per filter; 3.1.1's UNSUBACK has none
  conn.send({ cmd: 'unsuback', messageId: packet.messageId, granted: conn.protocolVersion === 5 ? reasons : [] });
}
