/**
 * Generic MQTT endpoint (EMQX, HiveMQ, a mosquitto in the data centre):
 * topics pass through unchanged, limits are whatever the user configures,
 * defaulting to the MQTT protocol maxima. Also holds the checks every
 * profile shares.
 */
import { ERR, BridgeError } from '../errors.js';
import { validateTopicName } from '../topics/index.js';
import { capQos, type Subscription } from '../topics/bridge-topic-map.js';
import type { QoS } from '../topics/qos.js';
import { CloudKeyError, withKey, type CloudDefinition } from './definition.js';
import type { BridgeMessage, CloudProfile, ConnectionParams, RemotePublish } from './types.js';

/** Largest MQTT packet (remaining length 268,435,455 bytes); a payload can never exceed it. */
export const MQTT_MAX_PAYLOAD = 268_435_455;

export interface GenericProfileOptions {
  name?: string;
  host: string;
  port?: number;
  /** SNI name; default host. */
  servername?: string;
  alpn?: string[];
  clientId: string;
  username?: string;
  password?: string;
  protocolVersion?: 4 | 5;
  keepaliveSec?: number;
  clean?: boolean;
  maxQos?: QoS;
  maxPayloadBytes?: number;
  maxInflight?: number;
  maxPublishRate?: number;
  retainAllowed?: boolean;
  maxSubscriptions?: number;
  maxTopicBytes?: number;
  maxTopicLevels?: number;
}

/** Bytes of the payload. */
export function payloadSize(message: BridgeMessage): number {
  return message.payload.byteLength;
}

/**
 * The checks all profiles make: a valid wire topic for this profile and a
 * payload (plus `extraBytes`, e.g. Azure properties) within the limit.
 */
export function commonRejectReason(profile: CloudProfile, message: BridgeMessage, extraBytes = 0): string | null {
  const topicWhy = profile.validateTopic(profile.remoteTopic(message));
  if (topicWhy) return `${profile.name}: ${topicWhy}`;
  const size = payloadSize(message) + extraBytes;
  if (size > profile.maxPayloadBytes) {
    const what = extraBytes > 0 ? 'message (payload and properties)' : 'payload';
    return `${profile.name}: ${what} of ${size} bytes exceeds the limit of ${profile.maxPayloadBytes} bytes`;
  }
  return null;
}

/** Topic, QoS and retain as sent, for any profile. */
export function toRemotePublish(profile: CloudProfile, message: BridgeMessage): RemotePublish {
  return {
    topic: profile.remoteTopic(message),
    qos: capQos(message.qos, profile.maxQos),
    retain: profile.retainAllowed && message.retain,
  };
}

export function requirePositive(name: string, value: number, what: string): void {
  if (!(value > 0)) throw new BridgeError(`${what}: ${name} must be > 0, got ${value}`, ERR.BRIDGE_CONFIG);
}

export function requireKeepalive(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BridgeError(`${what}: keepalive must be ${min}..${max} s, got ${value}`, ERR.BRIDGE_CONFIG);
  }
}

export function createGenericProfile(options: GenericProfileOptions): CloudProfile {
  const name = options.name ?? 'generic';
  if (!options.host) throw new BridgeError(`${name}: host is required`, ERR.BRIDGE_CONFIG);
  if (!options.clientId) throw new BridgeError(`${name}: clientId is required`, ERR.BRIDGE_CONFIG);
  const maxPayloadBytes = Math.min(options.maxPayloadBytes ?? MQTT_MAX_PAYLOAD, MQTT_MAX_PAYLOAD);
  const maxInflight = options.maxInflight ?? 65535;
  const maxPublishRate = options.maxPublishRate ?? Infinity;
  requirePositive('maxPayloadBytes', maxPayloadBytes, name);
  requirePositive('maxInflight', maxInflight, name);
  requirePositive('maxPublishRate', maxPublishRate, name);
  const keepaliveSec = options.keepaliveSec ?? 60;
  requireKeepalive(name, keepaliveSec, 0, 65535);
  const limits = {
    ...(options.maxTopicBytes !== undefined ? { maxBytes: options.maxTopicBytes } : {}),
    ...(options.maxTopicLevels !== undefined ? { maxLevels: options.maxTopicLevels } : {}),
  };

  const profile: CloudProfile = {
    name,
    maxQos: options.maxQos ?? 2,
    maxPayloadBytes,
    maxInflight,
    maxPublishRate,
    retainAllowed: options.retainAllowed ?? true,
    maxSubscriptions: options.maxSubscriptions ?? Infinity,
    maxFiltersPerSubscribe: Infinity,
    validateTopic: (topic) => validateTopicName(topic, limits),
    remoteTopic: (message) => message.topic,
    rejectReason: (message) => commonRejectReason(profile, message),
    toRemote: (message) => toRemotePublish(profile, message),
    builtinSubscriptions: (): Subscription[] => [],
    credentialsRenewInMs: () => undefined,
    connectionParams: (): ConnectionParams => ({
      host: options.host,
      port: options.port ?? 8883,
      servername: options.servername ?? options.host,
      alpn: options.alpn,
      clientId: options.clientId,
      username: options.username,
      password: options.password,
      protocolVersion: options.protocolVersion ?? 4,
      keepaliveSec,
      clean: options.clean ?? false,
    }),
  };
  return profile;
}

/** `type: generic`: any MQTT broker at `addresses`, with mosquitto's default client id. */
export const genericCloud = {
  type: 'generic',
  summary: 'generic (any MQTT 3.1.1/5 broker)',
  fields: {},
  tlsByDefault: false,
  notificationsByDefault: true,
  // nothing added for a generic MQTT upstream (a mosquitto bridge adds no user property either)
  autoMessageId: () => 'none',
  create(entry, { name, hostname, address }) {
    if (!address) throw new CloudKeyError('for generic: at least one host:port', 'addresses');
    return withKey(() => createGenericProfile({
      name, host: address.host, port: address.port, protocolVersion: entry.protocol_version === 'mqttv50' ? 5 : 4,
      keepaliveSec: entry.keepalive, clean: entry.clean_session,
      clientId: entry.client_id ?? `${hostname}.${name}`,
      ...(entry.username !== undefined ? { username: entry.username } : {}),
      ...(entry.password !== undefined ? { password: entry.password } : {}),
    }), (message) => (/keepalive/.test(message) ? 'keepalive' : 'client_id'));
  },
} as const satisfies CloudDefinition<'generic', {}>;
