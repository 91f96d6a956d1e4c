/**
 * Routes each inbound packet to its handler. The switch is exhaustive over
 * mqtt-packet's `Packet` union: a new packet type fails to compile here.
 */
import type { IConnectPacket, IPublishPacket, Packet } from 'mqtt-packet';
import { MalformedPacketError, ProtocolError } from '../errors.js';
import type { MessageProperties } from '../persistence/types.js';
import { RC } from '../reason-codes.js';
import type { Connection } from './connection.js';
import { handleAuth } from './handlers/auth.js';
import { handleConnect } from './handlers/connect.js';
import { handleDisconnect } from './handlers/disconnect.js';
import { handlePingreq } from './handlers/pingreq.js';
import { handlePuback, handlePubcomp, handlePubrec } from './handlers/ack.js';
import { handlePublish } from './handlers/publish.js';
import { handlePubrel } from './handlers/pubrel.js';
import { handleSubscribe } from './handlers/subscribe.js';
import { handleUnsubscribe } from './handlers/unsubscribe.js';
import { publishRateExceeded } from './publish-rate.js';

export function dispatch(conn: Connection, packet: Packet): void | Promise<void> {
  if (conn.state === 'new' && packet.cmd !== 'connect') {
    // [MQTT-3.1.0-1] the first packet from the client MUST be CONNECT
    throw new ProtocolError(`expected CONNECT, got ${packet.cmd.toUpperCase()}`);
  }
  // mqtt-packet emits a packet whose body was too short for its Packet Identifier with messageId -1 [MQTT-2.2.1]
  const id = (packet as { messageId?: number }).messageId;
  if (id !== undefined && !(id >= 0 && id <= 0xffff)) throw new MalformedPacketError(`${packet.cmd.toUpperCase()} too short for a packet identifier`);
  checkProperties(packet);
  switch (packet.cmd) {
    case 'connect':
      return handleConnect(conn, packet);
    case 'publish':
      if (conn.publishLimiter && !conn.publishLimiter.take()) return publishRateExceeded(conn, conn.publishLimiter, packet);
      return handlePublish(conn, packet);
    case 'puback':
      return handlePuback(conn, packet);
    case 'pubrec':
      return handlePubrec(conn, packet);
    case 'pubrel':
      return handlePubrel(conn, packet);
    case 'pubcomp':
      return handlePubcomp(conn, packet);
    case 'subscribe':
      return handleSubscribe(conn, packet);
    case 'unsubscribe':
      return handleUnsubscribe(conn, packet);
    case 'pingreq':
      return handlePingreq(conn);
    case 'disconnect':
      return handleDisconnect(conn, packet);
    case 'auth':
      return handleAuth(conn, packet);
    case 'connack':
    case 'suback':
    case 'unsuback':
    case 'pingresp':
      // Server-to-client packets sent by a client are a protocol error [MQTT-4.8.0-1 sense]
      throw new ProtocolError(`client sent a server-only packet ${packet.cmd.toUpperCase()}`, RC.PROTOCOL_ERROR);
    default:
      return assertNever(packet);
  }
}

type PublishPropertyName = keyof NonNullable<IPublishPacket['properties']>;
type WillPropertyName = keyof NonNullable<NonNullable<IConnectPacket['will']>['properties']>;

/**
 * Properties a PUBLISH may carry: the message's own (`MessageProperties`,
 * forwarded to subscribers as they are) and the per-hop ones.
 */
const PUBLISH_PROPERTY_NAMES = [
  'payloadFormatIndicator', 'messageExpiryInterval', 'responseTopic', 'correlationData', 'userProperties', 'contentType',
  'topicAlias', 'subscriptionIdentifier',
] as const satisfies readonly PublishPropertyName[];
/** Properties a will may carry: the message's own (it is published later) and its delay. */
const WILL_PROPERTY_NAMES = [
  'payloadFormatIndicator', 'messageExpiryInterval', 'responseTopic', 'correlationData', 'userProperties', 'contentType',
  'willDelayInterval',
] as const satisfies readonly WillPropertyName[];
/** Compile-time check: both lists accept every property a stored message keeps. */
type Unlisted = Exclude<keyof MessageProperties, (typeof PUBLISH_PROPERTY_NAMES)[number] & (typeof WILL_PROPERTY_NAMES)[number]>;
const everyMessagePropertyListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyMessagePropertyListed;

const PUBLISH_PROPERTIES: ReadonlySet<string> = new Set(PUBLISH_PROPERTY_NAMES);
const WILL_PROPERTIES: ReadonlySet<string> = new Set(WILL_PROPERTY_NAMES);

/**
 * v5 properties as mqtt-packet decoded them: it does not fail a packet whose
 * property value ran past the end (null, -1) and turns a repeated property
 * into an array. Such packets are malformed [MQTT-2.2.2-? 2.2.2.2], and must
 * not reach a subscriber's encoder. PUBLISH and will properties are
 * forwarded, so only the ones those packets may carry are accepted.
 */
function checkProperties(packet: Packet): void {
  const props = (packet as { properties?: Record<string, unknown> }).properties;
  if (props) checkPropertyValues(packet.cmd, props, packet.cmd === 'publish' ? PUBLISH_PROPERTIES : undefined);
  const will = packet.cmd === 'connect' ? packet.will?.properties : undefined;
  if (will) checkPropertyValues('will', will as Record<string, unknown>, WILL_PROPERTIES);
}

function checkPropertyValues(where: string, props: Record<string, unknown>, allowed: ReadonlySet<string> | undefined): void {
  for (const [name, value] of Object.entries(props)) {
    if (allowed && !allowed.has(name)) throw new MalformedPacketError(`${where} carries property ${name}`);
    if (name === 'userProperties') {
      for (const v of Object.values(value as Record<string, unknown>)) {
        if (!(typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string')))) throw new MalformedPacketError(`${where}: bad user property`);
      }
    } else if (Array.isArray(value)) {
      throw new ProtocolError(`${where}: property ${name} more than once`);
    } else if (value === null || value === undefined || (typeof value === 'number' && !(value >= 0))) {
      throw new MalformedPacketError(`${where}: property ${name} cut short`);
    }
  }
}

function assertNever(packet: never): never {
  throw new ProtocolError(`unknown packet ${(packet as { cmd?: string }).cmd ?? '?'}`);
}
