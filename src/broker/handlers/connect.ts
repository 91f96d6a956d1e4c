/**
 * CONNECT [MQTT-3.1]: protocol and flag checks, client identifier rules,
 * authentication, keepalive limits, session take-over and resumption, and
 * CONNACK with the v5 properties that describe our limits.
 */
import { randomUUID } from 'node:crypto';
import type { IConnackPacket, IConnectPacket } from 'mqtt-packet';
import { MalformedPacketError, ProtocolError } from '../../errors.js';
import { connackCodeFor, RC, reasonName } from '../../reason-codes.js';
import { validateTopicName } from '../../topics/index.js';
import { MAX_PACKET_SIZE } from '../../limits.js';
import type { ConnectionContext } from '../context.js';
import { drain, resendInflight } from '../delivery.js';
import { mountTopic } from '../mount-point.js';
import { NEVER_EXPIRES, Session } from '../session.js';

/** 3.1/3.1.1 CONNACK accepting the connection (session present 0 / 1), encoded once: the hot path of a connect storm. */
const CONNACK_ACCEPTED = [Buffer.from([0x20, 2, 0, 0]), Buffer.from([0x20, 2, 1, 0])];

export async function handleConnect(conn: ConnectionContext, packet: IConnectPacket): Promise<void> {
  // [MQTT-3.1.0-2] a second CONNECT is a protocol violation
  if (conn.state !== 'new') throw new ProtocolError('second CONNECT on one connection');
  const broker = conn.broker;
  const mqttCfg = broker.config.mqtt;
  const version = packet.protocolVersion ?? 4;
  conn.protocolVersion = version;
  // mosquitto (handle_connect.c): level 0x83/0x84 marks a bridge; the bit means nothing with MQTT 5
  conn.bridgeClient = version !== 5 && (packet as { bridgeMode?: boolean }).bridgeMode === true;
  // [MQTT-3.1.2-1] protocol name must match the level ('MQIsdp' is 3.1, 'MQTT' is 3.1.1 and 5)
  if ((packet.protocolId === 'MQIsdp') !== (version === 3)) {
    return refuse(conn, RC.UNSUPPORTED_PROTOCOL_VERSION, `protocol name ${packet.protocolId} with level ${version}`);
  }
  if (packet.will && (packet.will.qos as number) > 2) throw new MalformedPacketError('will QoS 3'); // [MQTT-3.1.2-14]
  // [MQTT-3.1.2-22] 3.1.1: a password without a user name is not allowed
  if (version !== 5 && packet.password !== undefined && packet.username === undefined) {
    throw new ProtocolError('password flag set without user name flag');
  }
  const props = packet.properties ?? {};
  if (version === 5) {
    if (props.receiveMaximum === 0) throw new ProtocolError('Receive Maximum of 0'); // [MQTT-3.1.2-? 3.1.2.11.3]
    if (props.maximumPacketSize === 0) throw new ProtocolError('Maximum Packet Size of 0');
    conn.sendWindow = props.receiveMaximum ?? 65535;
    conn.clientMaxPacketSize = props.maximumPacketSize ?? 0;
    conn.clientTopicAliasMax = props.topicAliasMaximum ?? 0;
    conn.requestProblemInformation = props.requestProblemInformation ?? true;
    if (props.authenticationMethod !== undefined) {
      // no enhanced authentication method is configured [MQTT-4.12.0-1]
      return refuse(conn, RC.BAD_AUTHENTICATION_METHOD, `authentication method '${props.authenticationMethod}' not supported`);
    }
  }
  if (packet.will) {
    const reason = validateTopicName(packet.will.topic, { maxLevels: mqttCfg.max_topic_levels || undefined });
    if (reason) return refuse(conn, RC.TOPIC_NAME_INVALID, `will topic: ${reason}`);
    if (packet.will.retain && !mqttCfg.retain_available) return refuse(conn, RC.RETAIN_NOT_SUPPORTED, 'retain not available');
    if ((packet.will.qos ?? 0) > mqttCfg.max_qos) return refuse(conn, RC.QOS_NOT_SUPPORTED, 'will QoS above maximum');
    // message_size_limit applies to the will too: mosquitto (handle_connect.c will__read) answers 0x95 / 5 and closes
    if (mqttCfg.max_payload_size > 0 && packet.will.payload.length > mqttCfg.max_payload_size) {
      return refuse(conn, version === 5 ? RC.PACKET_TOO_LARGE : RC.NOT_AUTHORIZED, `will payload larger than max_payload_size (${mqttCfg.max_payload_size} bytes)`);
    }
  }

  // Client identifier [MQTT-3.1.3-5..9]
  let clientId = packet.clientId;
  let assigned: string | undefined;
  if (clientId.length === 0) {
    // MQTT 3.1 (3.1.3.1): the Client Identifier is 1 to 23 characters; an empty one gets return code 2 (as mosquitto)
    if (version === 3) return refuse(conn, RC.CLIENT_IDENTIFIER_NOT_VALID, 'zero-length client id in MQTT 3.1');
    if (!mqttCfg.allow_zero_length_clientid) return refuse(conn, RC.CLIENT_IDENTIFIER_NOT_VALID, 'zero-length client id not allowed');
    // [MQTT-3.1.3-8] 3.1.1: a zero-length id requires clean session
    if (version !== 5 && !packet.clean) return refuse(conn, RC.CLIENT_IDENTIFIER_NOT_VALID, 'zero-length client id needs clean session');
    clientId = `${mqttCfg.auto_id_prefix}${randomUUID()}`;
    if (version === 5) assigned = clientId; // [MQTT-3.2.2-16] Assigned Client Identifier
  } else if (Buffer.byteLength(clientId) > mqttCfg.max_client_id_length) {
    return refuse(conn, RC.CLIENT_IDENTIFIER_NOT_VALID, 'client id too long');
  }
  conn.clientId = clientId;
  // use_identity_as_username / use_subject_as_username: no certificate (never asked for without
  // require_certificate) or no Common Name is a bad user name or password, as mosquitto (handle_connect.c)
  if (conn.certIdentityRequired && conn.certIdentity === undefined) return refuse(conn, RC.BAD_USER_NAME_OR_PASSWORD, 'no client certificate identity for the user name');
  // the verified certificate's CN or subject replaces whatever username was sent
  conn.username = conn.certIdentity ?? packet.username;

  // Authentication. Without an authenticate hook (no password file) there is nothing to check a user
  // name against: allow_anonymous false then refuses every client, user name or not (as mosquitto)
  if (!broker.hooks.authenticate && !conn.allowAnonymous && conn.certIdentity === undefined) {
    const why = conn.username === undefined ? 'anonymous clients not allowed on this listener' : 'allow_anonymous false and no password file: no user can be checked';
    return refuse(conn, RC.NOT_AUTHORIZED, why);
  }
  if (broker.hooks.authenticate) {
    const result = await broker.hooks.authenticate(broker.clientInfo(conn), packet.password);
    if ((conn.state as string) === 'closed') return; // went away while we waited
    if (!result.ok) return refuse(conn, result.reasonCode ?? RC.NOT_AUTHORIZED, 'authentication failed');
  }

  // Keep alive [MQTT-3.1.2-21]: the server may impose a smaller value on v5 clients (Server Keep Alive)
  const maxKeepalive = mqttCfg.max_keepalive;
  let serverKeepAlive: number | undefined;
  conn.keepalive = packet.keepalive ?? 0;
  if (maxKeepalive > 0 && maxKeepalive < 65535 && (conn.keepalive > maxKeepalive || conn.keepalive === 0)) {
    if (version !== 5) return refuse(conn, RC.CLIENT_IDENTIFIER_NOT_VALID, `keepalive ${conn.keepalive} outside max_keepalive ${maxKeepalive}`);
    serverKeepAlive = maxKeepalive;
    conn.keepalive = maxKeepalive;
  }

  // Session [MQTT-3.1.2-4..6] / v5 clean start + session expiry
  let expiry: number;
  if (version === 5) expiry = Math.min(props.sessionExpiryInterval ?? 0, mqttCfg.max_session_expiry_interval);
  else expiry = packet.clean ? 0 : mqttCfg.persistent_client_expiration || NEVER_EXPIRES;
  const sessionExpiryChanged = version === 5 && expiry !== (props.sessionExpiryInterval ?? 0);

  const previous = broker.sessions.get(clientId);
  if (previous?.connection) {
    // [MQTT-3.1.4-3] take-over: the existing connection is closed (v5 reason 0x8E)
    broker.log.info({ clientId }, 'client id in use: taking over the existing connection');
    const old = previous.connection;
    // [MQTT-3.1.2-8] [MQTT-3.1.3-9] its will goes only if its session ends here (clean start, or a session that
    // did not outlive its connection) and it has no will delay: a resumed session is reconnected in time (as mosquitto)
    const sessionEnds = packet.clean || previous.expiryInterval === 0;
    if (!sessionEnds || (old.will?.properties?.willDelayInterval ?? 0) > 0) old.will = undefined;
    old.close(RC.SESSION_TAKEN_OVER, 'another connection with the same client id');
  }
  const existing = broker.sessions.get(clientId); // gone if the old connection's session ended with it
  let session: Session;
  let sessionPresent = false;
  if (existing && !packet.clean && !existing.expired(broker.clock.now())) {
    broker.wills.cancel(clientId); // [MQTT-3.1.3-9] reconnected to the session within the will delay
    session = existing; // [MQTT-3.2.2-2] resume
    sessionPresent = true;
    session.protocolVersion = version;
    session.expiryInterval = expiry;
  } else {
    // [MQTT-3.1.2-6] clean start discards the old session. A will still delayed is not published: the client
    // connected again within the delay [MQTT-3.1.3-9] (mosquitto: the same); one whose session expired goes now
    if (existing && !existing.expired(broker.clock.now())) broker.wills.cancel(clientId);
    else broker.wills.sessionEnded(clientId);
    if (existing) broker.destroySession(existing);
    session = new Session(clientId, version, expiry);
    broker.sessions.set(clientId, session);
  }
  session.connection = conn;
  session.disconnectedAt = undefined;
  session.username = conn.username;
  session.listenerIndex = conn.listenerIndex;
  conn.session = session;
  conn.will = packet.will;
  if (packet.will && conn.mountPoint) packet.will.topic = mountTopic(conn.mountPoint, packet.will.topic); // listener mount_point
  conn.state = 'connected';
  broker.stats.clientsConnected++;
  if (broker.stats.clientsConnected > broker.stats.clientsMaximum) broker.stats.clientsMaximum = broker.stats.clientsConnected;

  if (version === 5) {
    const properties = connackProperties(conn, { assigned, serverKeepAlive, expiry: sessionExpiryChanged ? expiry : undefined });
    conn.send({ cmd: 'connack', sessionPresent, reasonCode: RC.SUCCESS, properties });
  } else {
    // 3.1 has no Session Present flag: that byte is reserved, 0
    conn.sendRaw(CONNACK_ACCEPTED[sessionPresent && version === 4 ? 1 : 0]!);
  }
  broker.saveSession(session);
  broker.hooks.onConnect?.(broker.clientInfo(conn));
  if (broker.log.isLevelEnabled('debug')) {
    broker.log.debug({ clientId, version, clean: packet.clean, sessionPresent, keepalive: conn.keepalive, remote: conn.remoteAddress }, 'client connected');
  }
  if (sessionPresent) {
    resendInflight(broker, session);
    drain(broker, session);
  }
}

/**
 * The CONNACK properties, in the order mosquitto writes them so that byte-for-byte comparisons agree
 * (handle_connect.c adds Server Keep Alive, Topic Alias Maximum, Assigned Client Identifier; then
 * send_connack.c appends Retain Available, Maximum Packet Size, Receive Maximum, Maximum QoS). The
 * properties mosquitto never sends come last. mqtt-packet writes them in insertion order [MQTT-3.2.2.3].
 */
function connackProperties(
  conn: ConnectionContext,
  extra: { assigned: string | undefined; serverKeepAlive: number | undefined; expiry: number | undefined },
): NonNullable<IConnackPacket['properties']> {
  const cfg = conn.broker.config.mqtt;
  const p: NonNullable<IConnackPacket['properties']> = {};
  if (extra.serverKeepAlive !== undefined) p.serverKeepAlive = extra.serverKeepAlive;
  if (cfg.topic_alias_maximum > 0) p.topicAliasMaximum = cfg.topic_alias_maximum;
  if (extra.assigned) p.assignedClientIdentifier = extra.assigned;
  if (!cfg.retain_available) p.retainAvailable = false;
  if (conn.maxPacketSize < MAX_PACKET_SIZE) p.maximumPacketSize = conn.maxPacketSize; // listener or mqtt.max_packet_size
  if (cfg.max_inflight_messages > 0 && cfg.max_inflight_messages < 65535) p.receiveMaximum = cfg.max_inflight_messages;
  if (cfg.max_qos < 2) p.maximumQoS = cfg.max_qos;
  // not sent by mosquitto
  if (extra.expiry !== undefined) p.sessionExpiryInterval = extra.expiry;
  if (!cfg.wildcard_subscription_available) p.wildcardSubscriptionAvailable = false;
  if (!cfg.subscription_identifiers_available) p.subscriptionIdentifiersAvailable = false;
  if (!cfg.shared_subscription_available) p.sharedSubscriptionAvailable = false;
  return p;
}

/**
 * Refuse the connection with a CONNACK carrying the reason [MQTT-3.2.2-6..7], then close; a 3.1/3.1.1
 * client is closed without a CONNACK when its version has no code for the reason [MQTT-3.1.4-1].
 */
function refuse(conn: ConnectionContext, v5Code: number, why: string): void {
  const code = connackCodeFor(conn.protocolVersion, v5Code);
  conn.broker.log.info({ clientId: conn.clientId || undefined, remote: conn.remoteAddress, reason: reasonName(v5Code) }, `connection refused: ${why}`);
  if (code !== undefined) {
    const packet: IConnackPacket = { cmd: 'connack', sessionPresent: false, reasonCode: code, returnCode: code };
    if (conn.protocolVersion === 5 && conn.requestProblemInformation && conn.broker.config.mqtt.reason_strings) packet.properties = { reasonString: why };
    conn.send(packet);
  }
  conn.close();
}
