/**
 * Getting messages to one session: send now when the client is connected and
 * its window has room, otherwise queue within limits; drain the queue as acks
 * free the window; resend in-flight messages on reconnect [MQTT-4.4.0-1].
 */
import type { IPublishPacket } from 'mqtt-packet';
import type { OutboundEntry, QoS, QueueRef, StoredMessage } from '../persistence/types.js';
import { storedSize } from '../limits.js';
import type { BrokerContext } from './context.js';
import type { ClientLink } from './client-link.js';
import { droppedUnreadable, mayRead } from './read-access.js';
import type { Session } from './session.js';
import { encodePublish, encodeQos0Shared } from './publish-encode.js';
import { unmountTopic } from './mount-point.js';

/**
 * What became of a message for one session: sent now (QoS 0, or in flight
 * and not stored: a clean session), queued in memory, `stored` (written to
 * the store: the publisher's ack waits for it), dropped (limits, expiry),
 * refused for lack of store room (`quota`), or a `QueueRef`: written to the
 * store AND in flight to the connected client, so the publisher's ack waits
 * for the write or for this client's acknowledgement, whichever is first.
 */
export type Delivery = 'sent' | 'queued' | 'stored' | 'dropped' | 'quota' | QueueRef;

export function deliver(
  broker: BrokerContext,
  session: Session,
  message: StoredMessage,
  qos: QoS,
  retain: boolean,
  subscriptionIds: number[] | undefined,
): Delivery {
  const conn = session.connection;
  const online = conn !== null && conn.state === 'connected';
  if (qos === 0 && online) {
    if (!qos0HasRoom(broker, session)) {
      session.dropped++;
      broker.stats.droppedQueueFull++;
      return 'dropped';
    }
    if (conn.socket.writableLength > broker.outboundLimit) {
      // slow consumer (mqtt.max_outbound_buffer): drop, or disconnect per slow_consumer_policy
      broker.stats.droppedSlowConsumer++;
      if (broker.config.mqtt.slow_consumer_policy === 'disconnect') conn.dropSlowConsumer();
      return 'dropped';
    }
    sendPublish(broker, conn, { seq: 0, message, qos, retain, subscriptionIds, state: 'queued' }, 0, false);
    return 'sent';
  }
  if (qos === 0 && !(broker.config.mqtt.queue_qos0_messages && session.persistent)) return 'dropped';
  const entry: OutboundEntry = { seq: broker.nextSeq(), message, qos, retain, subscriptionIds, state: 'queued' };
  if (session.persistent && !storeHasRoom(broker, storedSize(entry))) {
    refuseForStore(broker, session, entry);
    return 'quota';
  }
  if (online && qos > 0 && session.queue.length === 0 && hasRoom(broker, session, windowOf(broker, conn))) {
    const packetId = session.allocatePacketId();
    if (packetId !== 0) {
      entry.packetId = packetId;
      entry.state = 'sent';
      session.inflight.set(packetId, entry);
      broker.journalEnqueue(session, entry);
      if (!sendPublish(broker, conn, entry, packetId, false)) {
        completeInflight(broker, session, entry); // discarded (expired, too large, outside the mount point)
        return 'dropped';
      }
      return session.persistent ? { clientId: session.clientId, seq: entry.seq } : 'sent';
    }
  }
  if (!admit(broker, session, entry)) return 'dropped';
  session.queue.push(entry);
  if (qos === 0) session.queuedQos0++;
  session.queuedBytes += entry.message.payload.length;
  broker.journalEnqueue(session, entry);
  return session.persistent ? 'stored' : 'queued';
}

/**
 * persistence.max_store_bytes: is there room for `size` more bytes? When not,
 * queued QoS 0 messages of any persistent session are dropped first, oldest
 * of each session first.
 */
function storeHasRoom(broker: BrokerContext, size: number): boolean {
  const max = broker.config.persistence.max_store_bytes;
  if (max === 0 || broker.storedBytes + size <= max) return true;
  for (const session of broker.sessions.values()) {
    if (session.queuedQos0 === 0) continue;
    const queue = session.queue;
    for (let i = 0; i < queue.length && broker.storedBytes + size > max; ) {
      const entry = queue[i]!;
      if (entry.qos !== 0) {
        i++;
        continue;
      }
      queue.splice(i, 1);
      session.queuedQos0--;
      session.queuedBytes -= entry.message.payload.length;
      broker.journalRemove(session, entry);
      broker.stats.droppedStoreFull++;
    }
    if (broker.storedBytes + size <= max) return true;
  }
  return false;
}

function refuseForStore(broker: BrokerContext, session: Session, entry: OutboundEntry): void {
  broker.stats.droppedStoreFull++;
  const n = broker.stats.droppedStoreFull;
  if (n === 1 || n % 1000 === 0) {
    broker.log.warn(
      { clientId: session.clientId, topic: entry.message.topic, storedBytes: broker.storedBytes, max: broker.config.persistence.max_store_bytes, dropped: n },
      'store full (persistence.max_store_bytes): message not stored for this client',
    );
  }
}

/**
 * Room for one more QoS 1/2 message in flight: fewer than `window` messages, and (mqtt.max_inflight_bytes)
 * fewer payload bytes in flight than the limit before this one, as mosquitto's db__ready_for_flight.
 */
function hasRoom(broker: BrokerContext, session: Session, window: number): boolean {
  const maxBytes = broker.config.mqtt.max_inflight_bytes;
  return session.inflight.size < window && (maxBytes === 0 || session.inflight.bytes < maxBytes);
}

/**
 * A QoS 0 message to an online client, as mosquitto's db__ready_for_flight (bytes part): with
 * max_inflight_bytes and no max_queued_messages, or with max_queued_bytes, it is dropped while the
 * unacknowledged QoS 1/2 payload bytes exceed max_inflight_bytes by max_queued_bytes or more.
 * (mosquitto's count part, unsent packets against max_queued_messages, is max_outbound_buffer here.)
 */
function qos0HasRoom(broker: BrokerContext, session: Session): boolean {
  const { max_inflight_bytes: inflightBytes, max_queued_messages: maxMessages, max_queued_bytes: maxBytes } = broker.config.mqtt;
  if (maxMessages === 0 ? inflightBytes === 0 : maxBytes === 0) return true;
  return session.inflight.bytes - inflightBytes < maxBytes;
}

function windowOf(broker: BrokerContext, conn: ClientLink): number {
  const ours = broker.config.mqtt.max_inflight_messages;
  return ours > 0 ? Math.min(ours, conn.sendWindow) : conn.sendWindow;
}

/**
 * Queue limits: when full, the oldest queued QoS 0 message makes room;
 * otherwise the new message is dropped and counted.
 */
function admit(broker: BrokerContext, session: Session, entry: OutboundEntry): boolean {
  const { max_queued_messages: maxMessages, max_queued_bytes: maxBytes } = broker.config.mqtt;
  const size = entry.message.payload.length;
  const full = () =>
    (maxMessages > 0 && session.queue.length >= maxMessages) || (maxBytes > 0 && session.queuedBytes + size > maxBytes);
  if (full() && performance.now() - session.lastPurgeAt > 1000) {
    // expired messages must not crowd out live ones [MQTT-3.3.2-5]; at most once a second (a full scan)
    session.lastPurgeAt = performance.now();
    purgeExpired(broker, session);
  }
  while (full()) {
    const at = session.queuedQos0 > 0 ? session.queue.findIndex((e) => e.qos === 0) : -1;
    if (at < 0) {
      session.dropped++;
      broker.stats.droppedQueueFull++;
      if (session.dropped === 1 || session.dropped % 1000 === 0) {
        broker.log.warn({ clientId: session.clientId, dropped: session.dropped }, 'client queue full: dropping new messages');
      }
      return false;
    }
    const [old] = session.queue.splice(at, 1);
    session.queuedQos0--;
    session.queuedBytes -= old!.message.payload.length;
    broker.journalRemove(session, old!);
    broker.stats.droppedQueueFull++;
  }
  return true;
}

/** Drop queued (not yet sent) messages whose expiry has passed. Only called when the queue is full. */
function purgeExpired(broker: BrokerContext, session: Session): void {
  const now = broker.clock.now();
  let kept = 0;
  const queue = session.queue;
  for (let i = 0; i < queue.length; i++) {
    const entry = queue[i]!;
    const expiresAt = entry.message.expiresAt;
    if (expiresAt !== undefined && expiresAt <= now) {
      session.queuedBytes -= entry.message.payload.length;
      if (entry.qos === 0) session.queuedQos0--;
      broker.journalRemove(session, entry);
      broker.stats.droppedExpired++;
    } else {
      queue[kept++] = entry;
    }
  }
  queue.length = kept;
}

/** Send queued messages while the window has room. */
export function drain(broker: BrokerContext, session: Session): void {
  const conn = session.connection;
  if (!conn || conn.state !== 'connected') return;
  const window = windowOf(broker, conn);
  let sent = 0;
  while (sent < session.queue.length) {
    const entry = session.queue[sent]!;
    if (!mayRead(broker, session, entry.message.topic)) {
      // read access checked again when the message is sent: an ACL reloaded since it was queued applies
      if (entry.qos === 0) session.queuedQos0--;
      session.queuedBytes -= entry.message.payload.length;
      broker.journalRemove(session, entry);
      droppedUnreadable(broker, session, entry);
      sent++;
      continue;
    }
    if (entry.qos > 0 && !hasRoom(broker, session, window)) break;
    if (entry.qos === 0) {
      session.queuedQos0--;
      sendPublish(broker, conn, entry, 0, false);
      broker.journalRemove(session, entry);
    } else {
      const packetId = session.allocatePacketId();
      if (packetId === 0) break;
      entry.packetId = packetId;
      entry.state = 'sent';
      session.inflight.set(packetId, entry);
      broker.journalUpdate(session, entry);
      if (!sendPublish(broker, conn, entry, packetId, false)) completeInflight(broker, session, entry);
    }
    session.queuedBytes -= entry.message.payload.length;
    sent++;
  }
  if (sent > 0) session.queue.splice(0, sent);
}

/** On reconnect with a session present, resend PUBLISH (DUP) and PUBREL in original order [MQTT-4.4.0-1]. */
export function resendInflight(broker: BrokerContext, session: Session): void {
  const conn = session.connection;
  if (!conn) return;
  for (const entry of [...session.inflight.values()]) {
    if (entry.state === 'pubrel') {
      conn.send({ cmd: 'pubrel', messageId: entry.packetId! }); // the client has the message: finish the exchange
    } else if (!mayRead(broker, session, entry.message.topic)) {
      droppedUnreadable(broker, session, entry);
      completeInflight(broker, session, entry);
    } else if (!sendPublish(broker, conn, entry, entry.packetId!, true)) {
      completeInflight(broker, session, entry);
    }
  }
}

/** An in-flight message is finished (acked, discarded or expired): free its slot and send more. */
export function completeInflight(broker: BrokerContext, session: Session, entry: OutboundEntry): void {
  if (entry.packetId !== undefined) session.inflight.delete(entry.packetId);
  broker.journalRemove(session, entry);
}

/**
 * Encode and send one PUBLISH. Returns false when the message was discarded
 * instead: expired [MQTT-3.3.2-5], or larger than the client's Maximum
 * Packet Size [MQTT-3.1.2-25].
 */
export function sendPublish(broker: BrokerContext, conn: ClientLink, entry: OutboundEntry, packetId: number, dup: boolean): boolean {
  const message = entry.message;
  // listener mount_point: the client sees the topic without it; one outside it is not sent (mosquitto send_publish.c)
  const topic = unmountTopic(conn.mountPoint, message.topic);
  if (topic === undefined) return false;
  const packet: IPublishPacket = {
    cmd: 'publish',
    topic,
    payload: message.payload,
    qos: entry.qos,
    retain: entry.retain,
    // [MQTT-3.3.1-1] DUP set on redelivery; always 0 for QoS 0 [MQTT-3.3.1-2]
    dup: dup && entry.qos > 0,
  };
  if (entry.qos > 0) packet.messageId = packetId;
  if (message.expiresAt !== undefined) {
    const left = Math.ceil((message.expiresAt - broker.clock.now()) / 1000);
    if (left <= 0) {
      broker.stats.droppedExpired++;
      return false;
    }
    if (conn.protocolVersion === 5) packet.properties = { ...message.properties, messageExpiryInterval: left }; // [MQTT-3.3.2-6]
  }
  if (conn.protocolVersion === 5) {
    if (message.properties && !packet.properties) packet.properties = { ...message.properties };
    if (entry.subscriptionIds && entry.subscriptionIds.length > 0) {
      packet.properties ??= {};
      // [MQTT-3.3.4-3] all matching subscription identifiers
      packet.properties.subscriptionIdentifier = entry.subscriptionIds.length === 1 ? entry.subscriptionIds[0]! : entry.subscriptionIds;
    }
  }
  const newAlias = conn.protocolVersion === 5 ? applyOutboundAlias(conn, packet) : undefined;
  const bytes =
    packet.properties !== undefined
      ? conn.encode(packet)
      : entry.qos === 0 && topic === message.topic
        ? encodeQos0Shared(message, entry.retain, conn.protocolVersion === 5)
        : encodePublish(topic, message.payload, entry.qos, entry.retain, packet.dup === true, packetId, conn.protocolVersion === 5);
  if (conn.clientMaxPacketSize > 0 && bytes.length > conn.clientMaxPacketSize) {
    if (newAlias !== undefined) conn.outboundAliases.delete(newAlias); // the client never learned it
    // [MQTT-3.1.2-25] never send more than the client allows: discard as if delivered
    broker.stats.droppedTooLarge++;
    broker.log.debug({ clientId: conn.clientId, size: bytes.length }, 'message exceeds client maximum packet size; discarded');
    return false;
  }
  conn.sendRaw(bytes);
  broker.stats.messagesSent++;
  broker.stats.publishSent++;
  broker.stats.publishSentByQos[entry.qos]++;
  return true;
}

/**
 * Use a topic alias when the client accepts them: the first use sends topic
 * and alias, later ones the alias alone. Returns the topic when it was newly
 * given an alias by this call.
 */
function applyOutboundAlias(conn: ClientLink, packet: IPublishPacket): string | undefined {
  if (conn.clientTopicAliasMax === 0) return undefined;
  const known = conn.outboundAliases.get(packet.topic);
  if (known !== undefined) {
    packet.properties = { ...packet.properties, topicAlias: known };
    packet.topic = '';
    return undefined;
  }
  if (conn.outboundAliases.size >= conn.clientTopicAliasMax) return undefined;
  const alias = conn.outboundAliases.size + 1; // [MQTT-3.3.2-8] never above the client's Topic Alias Maximum
  conn.outboundAliases.set(packet.topic, alias);
  packet.properties = { ...packet.properties, topicAlias: alias };
  return packet.topic;
}
