/**
 * Inbound PUBLISH [MQTT-3.3]: topic and alias checks, QoS/retain limits,
 * Receive Maximum, authorisation, exactly-once for QoS 2 by packet id, and
 * acknowledgement only once the message is durably stored.
 */
import { isUtf8 } from 'node:buffer';
import type { IPublishPacket } from 'mqtt-packet';
import { MalformedPacketError, ProtocolError, reasonCodeOf } from '../../errors.js';
import type { StoredMessage } from '../../persistence/types.js';
import { isFailureCode, RC } from '../../reason-codes.js';
import { matchTopic, validateTopicName } from '../../topics/index.js';
import type { ConnectionContext, RouteResult } from '../context.js';
import { resolveInboundTopic } from './topic-alias.js';
import { mountTopic } from '../mount-point.js';

const DOLLAR = 0x24;

/**
 * Clients may not publish into the broker's own `$SYS` tree (except bridge
 * state topics) nor to `$share/...` names: refused like an ACL denial, as
 * mosquitto does (its acl__check_dollar). Other `$` topics are allowed.
 */
function dollarTopicReason(topic: string): number {
  if (topic === '$SYS' || topic.startsWith('$SYS/')) {
    return matchTopic('$SYS/broker/connection/+/state', topic) ? RC.SUCCESS : RC.NOT_AUTHORIZED;
  }
  return topic.startsWith('$share/') ? RC.NOT_AUTHORIZED : RC.SUCCESS;
}


export function handlePublish(conn: ConnectionContext, packet: IPublishPacket): void {
  const broker = conn.broker;
  const cfg = broker.config.mqtt;
  const session = conn.session!;
  const v5 = conn.protocolVersion === 5;
  broker.stats.messagesReceived++;
  broker.stats.publishReceived++;
  const qos = packet.qos;
  if (qos === 0 && packet.dup) throw new MalformedPacketError('QoS 0 PUBLISH with DUP set'); // [MQTT-3.3.1-2]
  if (qos > 0 && !packet.messageId) throw new ProtocolError('QoS > 0 PUBLISH without packet identifier'); // [MQTT-2.2.1-3]
  if (qos > cfg.max_qos) throw new ProtocolError(`QoS ${qos} above maximum ${cfg.max_qos}`, RC.QOS_NOT_SUPPORTED); // [MQTT-3.2.2-11]
  if (packet.retain && !cfg.retain_available) throw new ProtocolError('retain not available', RC.RETAIN_NOT_SUPPORTED); // [MQTT-3.2.2-14]
  broker.stats.publishReceivedByQos[qos]++;
  const sent = v5 ? resolveInboundTopic(conn, packet) : packet.topic;
  const invalid = validateTopicName(sent, { maxLevels: cfg.max_topic_levels || undefined });
  if (invalid) throw new ProtocolError(`invalid topic name: ${invalid}`, RC.TOPIC_NAME_INVALID); // [MQTT-3.3.2-2]
  const topic = mountTopic(conn.mountPoint, sent); // listener mount_point, as mosquitto: before the ACL check

  if (v5 && qos > 0 && cfg.max_inflight_messages > 0) {
    // [MQTT-3.3.4-8] more unacknowledged QoS>0 PUBLISHes than our Receive Maximum. The quota is per
    // network connection (4.9): QoS 2 ids left unreleased by an earlier connection do not count.
    const unreleased = conn.unreleasedQos2?.size ?? 0;
    if (conn.inboundUnacked + unreleased >= cfg.max_inflight_messages && !(qos === 2 && session.inboundQos2.has(packet.messageId!))) {
      throw new ProtocolError('Receive Maximum exceeded', RC.RECEIVE_MAXIMUM_EXCEEDED);
    }
  }
  if (qos === 2 && session.inboundQos2.has(packet.messageId!)) {
    // duplicate of a QoS 2 message not yet released: acknowledge again, deliver nothing [MQTT-4.3.3-10]
    conn.send({ cmd: 'pubrec', messageId: packet.messageId! });
    return;
  }

  const props = packet.properties;
  if (v5 && props) {
    // [MQTT-3.3.4-6] a client must not send a Subscription Identifier in PUBLISH
    if (props.subscriptionIdentifier !== undefined) throw new ProtocolError('PUBLISH from a client carries a subscription identifier');
    // [MQTT-3.3.2-13] [MQTT-3.3.2-14] the Response Topic is a topic name: no wildcards
    if (props.responseTopic !== undefined && validateTopicName(props.responseTopic) !== null) {
      throw new ProtocolError(`invalid response topic: ${validateTopicName(props.responseTopic)}`);
    }
  }
  const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
  let reason: number = topic.charCodeAt(0) === DOLLAR ? dollarTopicReason(topic) : RC.SUCCESS;
  if (cfg.max_payload_size > 0 && payload.length > cfg.max_payload_size) reason = RC.UNSPECIFIED_ERROR; // message_size_limit: mosquitto sends 0x95, not a valid PUBACK/PUBREC code
  if (reason === RC.SUCCESS && v5 && props?.payloadFormatIndicator && !isUtf8(payload)) reason = RC.PAYLOAD_FORMAT_INVALID; // [MQTT-3.3.2-4] optional check
  const info = broker.hooks.authorizePublish ? broker.clientInfo(conn) : null;
  if (reason === RC.SUCCESS && info && !broker.hooks.authorizePublish!(info, topic)) reason = RC.NOT_AUTHORIZED;

  let stored = false;
  let inflight: RouteResult['inflight'];
  if (reason === RC.SUCCESS) {
    const message: StoredMessage = { topic, payload, qos, retain: packet.retain, receivedAt: broker.clock.now() };
    if (props) {
      const { topicAlias: _alias, subscriptionIdentifier: _ids, ...rest } = props;
      for (const _ in rest) {
        message.properties = rest;
        break;
      }
      if (props.messageExpiryInterval !== undefined) message.expiresAt = message.receivedAt + props.messageExpiryInterval * 1000;
    }
    if (broker.hooks.onPublish) broker.hooks.onPublish(message, info ?? broker.clientInfo(conn)); // info is only built above when authorizePublish needs it
    const routed = broker.router.publish(message, session);
    stored = routed.stored;
    inflight = routed.inflight;
    // [MQTT-3.4.2.1] 0x10 is optional: as mosquitto (handle_publish.c), on PUBACK only, and only when no
    // subscription matched at all; a no-local match or a PUBREC is 0x00
    if (routed.matched === 0 && qos === 1 && v5) reason = RC.NO_MATCHING_SUBSCRIBERS;
    // not stored for some persistent session or bridge: persistence.max_store_bytes or a bridge queue bound reached
    if (routed.quotaHit && v5) reason = RC.QUOTA_EXCEEDED;
  } else {
    broker.stats.publishDropped++;
    broker.log.debug({ clientId: conn.clientId, topic, reason }, 'publish refused');
  }
  if (qos === 0) return;
  if (qos === 2 && !isFailureCode(reason)) {
    session.inboundQos2.add(packet.messageId!);
    if (broker.journalInboundQos2(session, packet.messageId!, true)) stored = true; // exactly-once survives a restart
    if (v5) (conn.unreleasedQos2 ??= new Set()).add(packet.messageId!);
  }
  // v3.1.1 has no negative acks: an unauthorised PUBLISH is acked and dropped (mosquitto does the same)
  const ack = {
    cmd: qos === 1 ? ('puback' as const) : ('pubrec' as const),
    messageId: packet.messageId!,
    reasonCode: v5 ? reason : undefined,
  };
  if (qos === 1) conn.inboundUnacked++;
  const send = () => {
    if (qos === 1) conn.inboundUnacked--;
    conn.send(ack);
  };
  if (!stored && inflight === undefined) {
    conn.acks.send(send); // behind acknowledgements still waiting for the store [MQTT-4.6.0-2]
    return;
  }
  // acknowledge only once stored, or once every receiver it is in flight to has acknowledged it
  const go = conn.acks.reserve();
  broker.store.whenDurable(
    (err) => {
      if (err) {
        storeFailed(conn, err, qos, packet.messageId!);
        if (!v5) {
          if (qos === 1) conn.inboundUnacked--;
          conn.close(); // 3.1.1 cannot say "not stored": the client resends after reconnecting
          return;
        }
        ack.reasonCode = reasonCodeOf(err); // 0x97 for a full disk, else 0x80
      }
      go(send);
    },
    stored ? undefined : { inflight },
  );
}

/** A commit failed: count and log it; a refused QoS 2 id is not kept for exactly-once. */
function storeFailed(conn: ConnectionContext, err: Error, qos: number, packetId: number): void {
  const broker = conn.broker;
  const session = conn.session!;
  const n = ++broker.stats.storeErrors;
  if (n === 1 || n % 100 === 0) {
    broker.log.error({ err: err.message, code: (err as { code?: string }).code, failures: n }, 'store write failed: publish not acknowledged as stored');
  }
  if (qos === 2 && session.inboundQos2.delete(packetId)) {
    broker.journalInboundQos2(session, packetId, false);
    conn.unreleasedQos2?.delete(packetId);
  }
}
