/**
 * The fuzzer's seed corpus: valid client-to-server packets of every type for
 * MQTT 3.1.1 and 5.0, encoded by mqtt-packet's `generate`, and connections
 * made of them (CONNECT followed by a random sequence).
 */
import mqttPacket from 'mqtt-packet';
import type { IConnectPacket, IPublishPacket, ISubscribePacket, Packet, UserProperties } from 'mqtt-packet';
import { mutatePackets, randomChunks } from './mutators.js';
import { Rng } from '../helpers/prng.js';

export type FuzzVersion = 4 | 5;
export const FUZZ_VERSIONS: readonly FuzzVersion[] = [4, 5];

/** Packet types a client may send after CONNECT. */
export const CLIENT_TYPES = ['publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe', 'unsubscribe', 'pingreq', 'disconnect', 'auth'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

const TOPICS = ['fz/a', 'fz/b/c', 'fz/é/€', 'a', '/', 'fz//x', '$SYS/broker/x', 'fz/' + 'l/'.repeat(20) + 'end'];
const FILTERS = ['fz/a', 'fz/+/c', 'fz/#', '#', '+', '+/+', '$share/g/fz/a', '$share/g/#', '$SYS/#', 'fz/a/#'];
/** Reason codes seen in acks and DISCONNECT (valid and a few invalid ones). */
const ACK_CODES = [0x00, 0x10, 0x80, 0x83, 0x87, 0x91, 0x92, 0x97, 0x99];
const DISCONNECT_CODES = [0x00, 0x04, 0x80, 0x81, 0x82, 0x8e, 0x93, 0x95, 0x9c];

function userProperties(rng: Rng): UserProperties | undefined {
  if (!rng.chance(0.4)) return undefined;
  const props: UserProperties = {};
  const n = rng.int(1, 3);
  for (let i = 0; i < n; i++) {
    const key = rng.text(6) || 'k';
    props[key] = rng.chance(0.3) ? [rng.text(8), rng.text(8)] : rng.text(12);
  }
  return props;
}

function packetId(rng: Rng): number {
  return rng.pick([1, 2, 3, rng.int(1, 65535), 65535]);
}

function topic(rng: Rng): string {
  return rng.chance(0.85) ? rng.pick(TOPICS) : rng.text(20) || 'x';
}

function payload(rng: Rng): Buffer {
  const n = rng.pick([0, 1, 5, rng.int(0, 64), rng.int(0, 600)]);
  return rng.bytes(n);
}

/** Drop undefined properties (mqtt-packet encodes what is present). */
function compact<T extends object>(o: T): T | undefined {
  const entries = Object.entries(o).filter(([, v]) => v !== undefined);
  return entries.length ? (Object.fromEntries(entries) as T) : undefined;
}

export function connectPacket(rng: Rng, version: FuzzVersion, clientId: string): IConnectPacket {
  const v5 = version === 5;
  const packet: IConnectPacket = {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: version,
    clientId: rng.chance(0.1) ? '' : clientId,
    clean: rng.chance(0.85),
    keepalive: rng.pick([0, 10, 60, 65535]),
  };
  if (rng.chance(0.3)) packet.username = rng.text(10);
  if (packet.username !== undefined && rng.chance(0.5)) packet.password = rng.bytes(rng.int(0, 12));
  if (rng.chance(0.3)) {
    packet.will = { topic: topic(rng), payload: payload(rng), qos: rng.pick([0, 1, 2] as const), retain: rng.chance(0.2) };
    if (v5 && rng.chance(0.6)) {
      packet.will.properties = compact({
        willDelayInterval: rng.chance(0.5) ? rng.int(0, 2) : undefined,
        payloadFormatIndicator: rng.chance(0.3) ? true : undefined,
        messageExpiryInterval: rng.chance(0.3) ? rng.int(0, 100) : undefined,
        contentType: rng.chance(0.3) ? rng.text(10) : undefined,
        responseTopic: rng.chance(0.3) ? topic(rng) : undefined,
        correlationData: rng.chance(0.3) ? rng.bytes(rng.int(0, 16)) : undefined,
        userProperties: userProperties(rng),
      });
    }
  }
  if (v5 && rng.chance(0.7)) {
    packet.properties = compact({
      sessionExpiryInterval: rng.chance(0.3) ? rng.pick([0, 1, 2]) : undefined,
      receiveMaximum: rng.chance(0.3) ? rng.pick([1, 2, 10, 65535]) : undefined,
      maximumPacketSize: rng.chance(0.3) ? rng.pick([20, 128, 1024, 268435455]) : undefined,
      topicAliasMaximum: rng.chance(0.3) ? rng.pick([0, 1, 10, 65535]) : undefined,
      requestResponseInformation: rng.chance(0.2) ? rng.chance(0.5) : undefined,
      requestProblemInformation: rng.chance(0.2) ? rng.chance(0.5) : undefined,
      userProperties: userProperties(rng),
      authenticationMethod: rng.chance(0.05) ? 'SCRAM-SHA-1' : undefined,
      authenticationData: rng.chance(0.05) ? rng.bytes(8) : undefined,
    });
  }
  return packet;
}

function publishPacket(rng: Rng, version: FuzzVersion): IPublishPacket {
  const qos = rng.pick([0, 1, 2] as const);
  const packet: IPublishPacket = { cmd: 'publish', qos, dup: qos > 0 && rng.chance(0.1), retain: rng.chance(0.15), topic: topic(rng), payload: payload(rng) };
  if (qos > 0) packet.messageId = packetId(rng);
  if (version === 5 && rng.chance(0.7)) {
    const alias = rng.chance(0.3) ? rng.pick([1, 2, 10, 0xffff]) : undefined;
    if (alias !== undefined && rng.chance(0.4)) packet.topic = ''; // use an alias set earlier (or not)
    packet.properties = compact({
      payloadFormatIndicator: rng.chance(0.2) ? true : undefined,
      messageExpiryInterval: rng.chance(0.3) ? rng.int(0, 3600) : undefined,
      topicAlias: alias,
      responseTopic: rng.chance(0.2) ? topic(rng) : undefined,
      correlationData: rng.chance(0.3) ? rng.bytes(rng.int(0, 32)) : undefined,
      userProperties: userProperties(rng),
      contentType: rng.chance(0.2) ? rng.text(12) : undefined,
    });
  }
  return packet;
}

function subscribePacket(rng: Rng, version: FuzzVersion): ISubscribePacket {
  const n = rng.int(1, 4);
  const subscriptions: ISubscribePacket['subscriptions'] = [];
  for (let i = 0; i < n; i++) {
    const s: ISubscribePacket['subscriptions'][number] = { topic: rng.chance(0.9) ? rng.pick(FILTERS) : rng.text(12) || '#', qos: rng.pick([0, 1, 2] as const) };
    if (version === 5) {
      s.nl = rng.chance(0.3);
      s.rap = rng.chance(0.3);
      s.rh = rng.int(0, 2);
    }
    subscriptions.push(s);
  }
  const packet: ISubscribePacket = { cmd: 'subscribe', messageId: packetId(rng), subscriptions };
  if (version === 5 && rng.chance(0.5)) {
    packet.properties = compact({ subscriptionIdentifier: rng.chance(0.6) ? rng.pick([1, 127, 128, 16383, 16384, 268435455]) : undefined, userProperties: userProperties(rng) });
  }
  return packet;
}

function ackProperties(rng: Rng, version: FuzzVersion) {
  if (version !== 5 || !rng.chance(0.4)) return undefined;
  return compact({ reasonString: rng.chance(0.5) ? rng.text(20) : undefined, userProperties: userProperties(rng) });
}

/** A valid packet of `type` for a connection of `version`. */
export function clientPacket(rng: Rng, version: FuzzVersion, type: ClientType): Packet {
  const v5 = version === 5;
  switch (type) {
    case 'publish':
      return publishPacket(rng, version);
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      return { cmd: type, messageId: packetId(rng), reasonCode: v5 ? rng.pick(ACK_CODES) : undefined, properties: ackProperties(rng, version) } as Packet;
    case 'subscribe':
      return subscribePacket(rng, version);
    case 'unsubscribe':
      return {
        cmd: 'unsubscribe',
        messageId: packetId(rng),
        unsubscriptions: Array.from({ length: rng.int(1, 3) }, () => rng.pick(FILTERS)),
        properties: v5 && rng.chance(0.3) ? compact({ userProperties: userProperties(rng) }) : undefined,
      };
    case 'pingreq':
      return { cmd: 'pingreq' };
    case 'disconnect':
      if (!v5) return { cmd: 'disconnect' };
      return {
        cmd: 'disconnect',
        reasonCode: rng.pick(DISCONNECT_CODES),
        properties: rng.chance(0.5)
          ? compact({ sessionExpiryInterval: rng.chance(0.5) ? rng.pick([0, 1, 100]) : undefined, reasonString: rng.chance(0.5) ? rng.text(10) : undefined, userProperties: userProperties(rng) })
          : undefined,
      };
    case 'auth':
      return {
        cmd: 'auth',
        reasonCode: rng.pick([0x00, 0x18, 0x19]),
        properties: compact({ authenticationMethod: rng.chance(0.7) ? 'SCRAM-SHA-1' : undefined, authenticationData: rng.chance(0.5) ? rng.bytes(rng.int(0, 16)) : undefined, userProperties: userProperties(rng) }),
      };
  }
}

/** Encode with mqtt-packet; a packet it refuses to encode becomes a PINGREQ. */
export function encode(packet: Packet, version: FuzzVersion): Buffer {
  try {
    return mqttPacket.generate(packet, { protocolVersion: version });
  } catch {
    return Buffer.from([0xc0, 0x00]);
  }
}

/** One connection's worth of valid packets: CONNECT, then up to `maxPackets` others (DISCONNECT, if any, last). */
export interface ConnectionScript {
  version: FuzzVersion;
  packets: Buffer[];
  types: string[];
}

export function connectionScript(rng: Rng, clientId: string, maxPackets = 8): ConnectionScript {
  const version = rng.pick(FUZZ_VERSIONS);
  const packets = [encode(connectPacket(rng, version, clientId), version)];
  const types: string[] = ['connect'];
  const n = rng.int(0, maxPackets);
  for (let i = 0; i < n; i++) {
    // publishes and subscriptions are what reach most broker code: weigh them up
    const type = rng.chance(0.4) ? rng.pick(['publish', 'subscribe'] as const) : rng.pick(CLIENT_TYPES);
    if (type === 'auth' && version !== 5) continue; // AUTH does not exist in 3.1.1
    if (type === 'disconnect' && i < n - 1 && rng.chance(0.8)) continue;
    packets.push(encode(clientPacket(rng, version, type), version));
    types.push(type);
  }
  return { version, packets, types };
}

/** One fuzz case, everything derived from its seed. */
export interface FuzzCase {
  seed: number;
  version: FuzzVersion;
  /** Packet types of the script before mutation. */
  types: string[];
  /** Mutations applied, for the failure report. */
  applied: string[];
  /** The bytes sent, and how they are split into writes. */
  bytes: Buffer;
  chunks: Buffer[];
  /** Which of the test's brokers the case goes to (0: defaults, 1: small limits, 2: async authentication and ACL hooks). */
  target: number;
  /** How long to keep the socket open after the last write, in ms. */
  holdMs: number;
  /** Close with end() (FIN) rather than destroy(). */
  graceful: boolean;
  /** The stream starts with the script's CONNECT unchanged: the broker's answers must parse at `version`. */
  connectIntact: boolean;
}

/** Client ids come from a small pool so persistent sessions stay bounded and take-overs happen. */
const CLIENT_ID_POOL = 97;

export function buildCase(seed: number): FuzzCase {
  const rng = new Rng(seed);
  const clientId = rng.chance(0.05) ? 'fz-shared' : `fz-${seed % CLIENT_ID_POOL}`;
  const script = connectionScript(rng, clientId);
  let packets = script.packets;
  let applied: string[] = [];
  const mode = rng.int(0, 9);
  if (mode === 0) {
    // pure random bytes, sometimes behind a valid CONNECT
    const junk = rng.bytes(rng.int(1, 64));
    packets = rng.chance(0.5) ? [packets[0]!, junk] : [junk];
    applied = ['random'];
  } else if (mode > 1) {
    // mode 1: the valid script as it is (chunked); else 1..4 mutations, CONNECT mostly intact
    const m = mutatePackets(rng, packets, rng.int(1, 4), rng.chance(0.75));
    packets = m.packets;
    applied = m.applied;
  }
  let bytes = Buffer.concat(packets);
  if (rng.chance(0.1)) {
    bytes = bytes.subarray(0, rng.int(0, bytes.length)); // the stream cut anywhere
    applied.push('cut');
  }
  return {
    seed,
    version: script.version,
    types: script.types,
    applied,
    bytes,
    chunks: randomChunks(rng, bytes),
    target: rng.int(0, 2),
    holdMs: rng.pick([0, 5, 20, 50, 120]),
    graceful: rng.chance(0.5),
    connectIntact: bytes.subarray(0, script.packets[0]!.length).equals(script.packets[0]!),
  };
}
