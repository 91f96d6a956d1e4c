/**
 * Acknowledgements of messages we sent: PUBACK (QoS 1 done), PUBREC (QoS 2
 * step one: answer PUBREL [MQTT-4.3.3-4]), PUBCOMP (QoS 2 done). Each frees
 * a window slot and lets queued messages go.
 */
import type { IPubackPacket, IPubcompPacket, IPubrecPacket } from 'mqtt-packet';
import { ProtocolError } from '../../errors.js';
import { isFailureCode, RC } from '../../reason-codes.js';
import type { ConnectionContext } from '../context.js';
import { completeInflight, drain } from '../delivery.js';

export function handlePuback(conn: ConnectionContext, packet: IPubackPacket): void {
  const session = conn.session!;
  const entry = session.inflight.get(packet.messageId ?? 0);
  if (!entry) {
    conn.log.debug({ clientId: conn.clientId, packetId: packet.messageId }, 'PUBACK for unknown packet id ignored');
    return;
  }
  // [MQTT-4.3.2] a QoS 1 flow only: PUBACK for a QoS 2 message is a Protocol Error (mosquitto: the same)
  if (entry.qos !== 1) throw new ProtocolError(`PUBACK for QoS ${entry.qos} message ${packet.messageId}`);
  completeInflight(conn.broker, session, entry);
  drain(conn.broker, session);
}

export function handlePubrec(conn: ConnectionContext, packet: IPubrecPacket): void {
  const session = conn.session!;
  const broker = conn.broker;
  const entry = session.inflight.get(packet.messageId ?? 0);
  // [MQTT-4.3.3] a QoS 2 flow only: PUBREC answering a QoS 1 message is a Protocol Error (mosquitto: the same)
  if (entry && entry.qos !== 2) throw new ProtocolError(`PUBREC for QoS ${entry.qos} message ${packet.messageId}`);
  if (!entry) {
    // [MQTT-4.3.3-? ] unknown id: v5 answers PUBREL 0x92 Packet Identifier not found
    conn.send({ cmd: 'pubrel', messageId: packet.messageId ?? 0, reasonCode: conn.protocolVersion === 5 ? RC.PACKET_IDENTIFIER_NOT_FOUND : undefined });
    return;
  }
  if (packet.reasonCode !== undefined && isFailureCode(packet.reasonCode)) {
    // v5: the receiver refused the message; the flow ends here [MQTT-4.3.3-4 note]
    completeInflight(broker, session, entry);
    drain(broker, session);
    return;
  }
  const pubrel = { cmd: 'pubrel' as const, messageId: packet.messageId };
  if (entry.state !== 'pubrel') {
    entry.state = 'pubrel'; // [MQTT-4.3.3-4] the message is now owned by the receiver: keep only the id
    if (session.persistent) {
      broker.journalUpdate(session, entry);
      // PUBREL only once 'pubrel' is stored: after a crash the PUBLISH must not be sent
      // again (as new, to a receiver that already released its id) [MQTT-4.3.3-5].
      // With messages queued behind a full window the subscriber's delivery waits for this
      // commit: urgent, else the commit window would cap it at one window per commit window.
      broker.store.whenDurable(() => conn.send(pubrel), { urgent: session.queue.length > 0 });
      return;
    }
  }
  conn.send(pubrel);
}

export function handlePubcomp(conn: ConnectionContext, packet: IPubcompPacket): void {
  const session = conn.session!;
  const entry = session.inflight.get(packet.messageId ?? 0);
  if (!entry) {
    conn.log.debug({ clientId: conn.clientId, packetId: packet.messageId }, 'PUBCOMP for unknown packet id ignored');
    return;
  }
  // [MQTT-4.3.3] PUBCOMP answers our PUBREL: for a QoS 1 message, or before PUBREC, it is a Protocol Error
  if (entry.state !== 'pubrel') throw new ProtocolError(`PUBCOMP for message ${packet.messageId} not released`);
  completeInflight(conn.broker, session, entry);
  drain(conn.broker, session);
}
