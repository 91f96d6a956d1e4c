/** PUBREL [MQTT-3.6]: release an inbound QoS 2 packet id and answer PUBCOMP [MQTT-4.3.3-11]. */
import type { IPubrelPacket } from 'mqtt-packet';
import { RC } from '../../reason-codes.js';
import type { ConnectionContext } from '../context.js';

export function handlePubrel(conn: ConnectionContext, packet: IPubrelPacket): void {
  const session = conn.session!;
  const broker = conn.broker;
  const packetId = packet.messageId ?? 0;
  const known = session.inboundQos2.delete(packetId);
  conn.unreleasedQos2?.delete(packetId); // no longer counts against our Receive Maximum
  if (known) broker.journalInboundQos2(session, packetId, false);
  const reasonCode = conn.protocolVersion === 5 && !known ? RC.PACKET_IDENTIFIER_NOT_FOUND : undefined;
  const pubcomp = { cmd: 'pubcomp' as const, messageId: packetId, reasonCode };
  // a persistent session's release must be stored before PUBCOMP: after a crash a
  // still-known id would make the client's next message with that id a "duplicate"
  const send = () => conn.send(pubcomp);
  if (!(known && session.persistent)) {
    conn.acks.send(send); // behind PUBRECs still waiting for the store [MQTT-4.6.0-2]
    return;
  }
  const go = conn.acks.reserve();
  broker.store.whenDurable(() => go(send));
}
