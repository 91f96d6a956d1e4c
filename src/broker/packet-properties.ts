/**
 * v5 properties as mqtt-packet decoded them, checked against the packet they
 * came in. mqtt-packet accepts any known property in any packet, does not
 * fail a value cut short (null, -1) and turns a repeated property into an
 * array. A property not allowed in its packet type, or a value cut short, is
 * a Malformed Packet (2.2.2.2); a property given twice that may appear once
 * is a Protocol Error (2.2.2.2 and each packet's property list). PUBLISH and
 * will properties are forwarded to subscribers as they are, so they must
 * never reach an encoder unchecked.
 */
import type { IConnectPacket, IPublishPacket, Packet } from 'mqtt-packet';
import { MalformedPacketError, ProtocolError } from '../errors.js';
import type { MessageProperties } from '../persistence/types.js';

type PublishPropertyName = keyof NonNullable<IPublishPacket['properties']>;
type WillPropertyName = keyof NonNullable<NonNullable<IConnectPacket['will']>['properties']>;

/** Properties a PUBLISH may carry: the message's own (`MessageProperties`, forwarded as they are) and the per-hop ones. */
const PUBLISH_PROPERTY_NAMES = [
  'payloadFormatIndicator', 'messageExpiryInterval', 'topicAlias', 'responseTopic', 'correlationData', 'userProperties', 'subscriptionIdentifier', 'contentType',
] as const satisfies readonly PublishPropertyName[];
/** Properties a will may carry: the message's own (it is published later) and its delay. */
const WILL_PROPERTY_NAMES = [
  'willDelayInterval', 'payloadFormatIndicator', 'messageExpiryInterval', 'contentType', 'responseTopic', 'correlationData', 'userProperties',
] as const satisfies readonly WillPropertyName[];
/** Compile-time check: both lists accept every property a stored message keeps. */
type Unlisted = Exclude<keyof MessageProperties, (typeof PUBLISH_PROPERTY_NAMES)[number] & (typeof WILL_PROPERTY_NAMES)[number]>;
const everyMessagePropertyListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyMessagePropertyListed;

const ACK = ['reasonString', 'userProperties'];

/** Properties each client-to-server packet may carry (spec 3.x.2.2). */
const ALLOWED: Readonly<Record<string, ReadonlySet<string>>> = {
  connect: new Set(['sessionExpiryInterval', 'receiveMaximum', 'maximumPacketSize', 'topicAliasMaximum', 'requestResponseInformation', 'requestProblemInformation', 'userProperties', 'authenticationMethod', 'authenticationData']),
  will: new Set(WILL_PROPERTY_NAMES),
  publish: new Set(PUBLISH_PROPERTY_NAMES),
  puback: new Set(ACK),
  pubrec: new Set(ACK),
  pubrel: new Set(ACK),
  pubcomp: new Set(ACK),
  subscribe: new Set(['subscriptionIdentifier', 'userProperties']),
  unsubscribe: new Set(['userProperties']),
  disconnect: new Set(['sessionExpiryInterval', 'reasonString', 'userProperties', 'serverReference']),
  auth: new Set(['authenticationMethod', 'authenticationData', 'reasonString', 'userProperties']),
};

/** Throws when a packet's (or its will's) properties are not what its type allows. */
export function checkProperties(packet: Packet): void {
  const props = (packet as { properties?: Record<string, unknown> }).properties;
  if (props) checkPropertyValues(packet.cmd, props);
  const will = packet.cmd === 'connect' ? packet.will?.properties : undefined;
  if (will) checkPropertyValues('will', will as Record<string, unknown>);
}

function checkPropertyValues(where: string, props: Record<string, unknown>): void {
  const allowed = ALLOWED[where];
  for (const [name, value] of Object.entries(props)) {
    // [MQTT-2.2.2-? 2.2.2.2] an identifier not valid for the packet type: Malformed Packet
    if (allowed && !allowed.has(name)) throw new MalformedPacketError(`${where.toUpperCase()} carries property ${name}`);
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
