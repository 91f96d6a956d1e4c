/**
 * v5 properties (spec 2.2.2), read into the objects mqtt-packet's encoder
 * and Midge's handlers use, with each packet type's table of allowed
 * properties (spec 3.x.2.2). Outcomes, as mosquitto (lib/property_mosq.c):
 * an unknown identifier or a value cut short is a Malformed Packet (0x81);
 * a property not allowed in the packet, a second copy of a property that may
 * appear once, and a Byte property other than 0 or 1 are a Protocol Error
 * (0x82), found once the whole list is read. SUBSCRIBE/UNSUBSCRIBE turn the
 * first into 0x81 (handle_subscribe.c).
 */
import type { IConnectPacket, IPublishPacket } from 'mqtt-packet';
import { type GatewayError, MalformedPacketError, ProtocolError } from '../../errors.js';
import type { MessageProperties } from '../../persistence/types.js';
import type { Reader } from './reader.js';

type Kind = 'bool' | 'int8' | 'int16' | 'int32' | 'var' | 'string' | 'binary' | 'pair';

/** Identifier -> mqtt-packet's property name and value type. */
const PROPERTIES: ReadonlyArray<readonly [number, string, Kind]> = [
  [0x01, 'payloadFormatIndicator', 'bool'],
  [0x02, 'messageExpiryInterval', 'int32'],
  [0x03, 'contentType', 'string'],
  [0x08, 'responseTopic', 'string'],
  [0x09, 'correlationData', 'binary'],
  [0x0b, 'subscriptionIdentifier', 'var'],
  [0x11, 'sessionExpiryInterval', 'int32'],
  [0x12, 'assignedClientIdentifier', 'string'],
  [0x13, 'serverKeepAlive', 'int16'],
  [0x15, 'authenticationMethod', 'string'],
  [0x16, 'authenticationData', 'binary'],
  [0x17, 'requestProblemInformation', 'bool'],
  [0x18, 'willDelayInterval', 'int32'],
  [0x19, 'requestResponseInformation', 'bool'],
  [0x1a, 'responseInformation', 'string'],
  [0x1c, 'serverReference', 'string'],
  [0x1f, 'reasonString', 'string'],
  [0x21, 'receiveMaximum', 'int16'],
  [0x22, 'topicAliasMaximum', 'int16'],
  [0x23, 'topicAlias', 'int16'],
  [0x24, 'maximumQoS', 'int8'],
  [0x25, 'retainAvailable', 'bool'],
  [0x26, 'userProperties', 'pair'],
  [0x27, 'maximumPacketSize', 'int32'],
  [0x28, 'wildcardSubscriptionAvailable', 'bool'],
  [0x29, 'subscriptionIdentifiersAvailable', 'bool'],
  [0x2a, 'sharedSubscriptionAvailable', 'bool'],
];
const NAME: string[] = [];
const KIND: Kind[] = [];
const ID: Record<string, number> = {};
for (const [id, name, kind] of PROPERTIES) {
  NAME[id] = name;
  KIND[id] = kind;
  ID[name] = id;
}

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

/** Where properties appear in a client-to-server packet. */
export type PropertyPlace = 'connect' | 'will' | 'publish' | 'puback' | 'pubrec' | 'pubrel' | 'pubcomp' | 'subscribe' | 'unsubscribe' | 'disconnect' | 'auth';

/** Properties each client-to-server packet may carry (spec 3.x.2.2), as bit sets indexed by identifier. */
const ALLOWED: Readonly<Record<PropertyPlace, readonly boolean[]>> = {
  connect: allow(['sessionExpiryInterval', 'receiveMaximum', 'maximumPacketSize', 'topicAliasMaximum', 'requestResponseInformation', 'requestProblemInformation', 'userProperties', 'authenticationMethod', 'authenticationData']),
  will: allow(WILL_PROPERTY_NAMES),
  publish: allow(PUBLISH_PROPERTY_NAMES),
  puback: allow(ACK),
  pubrec: allow(ACK),
  pubrel: allow(ACK),
  pubcomp: allow(ACK),
  subscribe: allow(['subscriptionIdentifier', 'userProperties']),
  unsubscribe: allow(['userProperties']),
  disconnect: allow(['sessionExpiryInterval', 'reasonString', 'userProperties', 'serverReference']),
  auth: allow(['authenticationMethod', 'authenticationData', 'reasonString', 'userProperties']),
};

function allow(names: readonly string[]): boolean[] {
  const set: boolean[] = [];
  for (const name of names) set[ID[name]!] = true;
  return set;
}

export type Properties = Record<string, unknown>;

/**
 * Read a Property Length and the properties it covers; undefined when there
 * are none (mqtt-packet leaves `properties` out then too).
 */
export function readProperties(r: Reader, place: PropertyPlace): Properties | undefined {
  const length = r.varint('Property Length');
  if (length === 0) return undefined;
  const end = r.pos + length;
  if (end > r.end) throw new MalformedPacketError(`${r.name} properties run past the end of the packet`); // 2.2.2.1
  const outer = r.end;
  r.end = end; // [MQTT-2.2.2] no value may run past its property list
  const allowed = ALLOWED[place];
  const props: Properties = {};
  let userProperties: Record<string, string | string[]> | undefined;
  // as mosquitto (property__read_all): the whole list is read first, so a value cut short is Malformed
  // even in a property that is not allowed; the first rule broken by a value read whole is reported after
  let problem: GatewayError | undefined;
  while (r.pos < end) {
    const id = r.u8('property identifier');
    const name = NAME[id];
    if (name === undefined) throw new MalformedPacketError(`${r.name} carries unknown property 0x${id.toString(16)}`); // 2.2.2.2
    if (id === 0x26) {
      const key = r.string('user property name');
      const value = r.string('user property value');
      userProperties ??= Object.create(null) as Record<string, string | string[]>;
      const had = userProperties[key];
      if (had === undefined) userProperties[key] = value;
      else if (typeof had === 'string') userProperties[key] = [had, value];
      else had.push(value);
      continue;
    }
    const value = readValue(r, KIND[id]!, name);
    if (problem !== undefined) continue;
    if (allowed[id] !== true) {
      // 2.2.2.2: a property not valid in this packet (mosquitto: Protocol Error; in SUBSCRIBE/UNSUBSCRIBE Malformed)
      const why = `${place.toUpperCase()} carries property ${name}`;
      problem = place === 'subscribe' || place === 'unsubscribe' ? new MalformedPacketError(why) : new ProtocolError(why);
    } else if (props[name] !== undefined) {
      problem = new ProtocolError(`${place}: property ${name} more than once`); // 2.2.2.2: at most once, but User Property
    } else if (value === BAD_BYTE) {
      // a Byte property is 0 or 1 (3.3.2.3.2, 3.1.2.11.6, 3.1.2.11.7): Protocol Error, as mosquitto
      problem = new ProtocolError(`${r.name} Byte property ${name} other than 0 or 1`);
    } else {
      props[name] = value;
    }
  }
  if (problem !== undefined) throw problem;
  r.end = outer;
  if (userProperties !== undefined) props.userProperties = userProperties;
  return props;
}

/** What readValue returns for a Byte property other than 0 or 1. */
const BAD_BYTE = Symbol('bad byte');

function readValue(r: Reader, kind: Kind, name: string): unknown {
  switch (kind) {
    case 'bool': {
      const b = r.u8(name);
      return b > 1 ? BAD_BYTE : b === 1;
    }
    case 'int8':
      return r.u8(name);
    case 'int16':
      return r.u16(name);
    case 'int32':
      return r.u32(name);
    case 'var':
      return r.varint(name);
    case 'string':
      return r.string(name);
    case 'binary':
      return r.binary(name);
    default:
      throw new Error(`property kind ${kind}`);
  }
}
