/**
 * What a cloud profile is (`CloudProfile`) and the messages it handles. A
 * leaf: the profiles (`aws.ts`, `azure.ts`, `generic.ts`) and the registry
 * (`index.ts`) import it; it imports none of them.
 */
import type { Subscription } from '../topics/bridge-topic-map.js';
import type { QoS } from '../topics/qos.js';

/** A message on its way to the cloud, after the bridge's topic map. */
export interface BridgeMessage {
  /** Remote-side topic produced by the topic map (before any profile rewriting). */
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  /** Stable id that survives retries, for duplicate detection downstream (Azure `$.mid`). */
  messageId?: string;
  contentType?: string;
  contentEncoding?: string;
  /** Application properties (Azure property bag; MQTT 5 user properties elsewhere). */
  properties?: Readonly<Record<string, string>>;
}

/** The PUBLISH as it goes on the wire. */
export interface RemotePublish {
  topic: string;
  qos: QoS;
  retain: boolean;
}

export interface ConnectionParams {
  host: string;
  port: number;
  /** TLS SNI name. */
  servername: string;
  /** ALPN protocol list, when the endpoint needs one (AWS on 443). */
  alpn: string[] | undefined;
  clientId: string;
  username: string | undefined;
  /** For Azure with a key: a fresh SAS token when the old one is due. A getter: read it only for a CONNECT. */
  password: string | undefined;
  protocolVersion: 4 | 5;
  keepaliveSec: number;
  /** Clean session / clean start. */
  clean: boolean;
}

export interface CloudProfile {
  readonly name: string;
  /** Highest QoS the endpoint accepts; higher QoS is downgraded, not refused. */
  readonly maxQos: QoS;
  readonly maxPayloadBytes: number;
  /** Unacknowledged QoS 1 publishes we may have outstanding. */
  readonly maxInflight: number;
  /** Publishes per second per connection; Infinity = no documented limit. */
  readonly maxPublishRate: number;
  /** false: the retain flag is cleared before sending. */
  readonly retainAllowed: boolean;
  /** Subscriptions per connection; Infinity = no documented limit. */
  readonly maxSubscriptions: number;
  /** Topic filters per SUBSCRIBE packet; Infinity = no documented limit. */
  readonly maxFiltersPerSubscribe: number;
  /** Why the endpoint would refuse to receive a PUBLISH on this (wire) topic, or null. */
  validateTopic(topic: string): string | null;
  /** The wire topic for a message (Basic Ingest prefix, Azure D2C topic + property bag...). */
  remoteTopic(message: BridgeMessage): string;
  /** Why a message can never be accepted (dead-letter it), or null when it can be sent. */
  rejectReason(message: BridgeMessage): string | null;
  /** Wire topic, QoS capped at maxQos, retain cleared when not allowed. */
  toRemote(message: BridgeMessage): RemotePublish;
  /** Remote filters the profile itself needs (Azure C2D, twin, methods). */
  builtinSubscriptions(): Subscription[];
  connectionParams(): ConnectionParams;
  /** Local topics the cloud serves itself besides the topic rules (Azure: C2D, twin, direct methods). */
  readonly routes?: CloudRoutes;
  /** A status report the bridge publishes upstream while connected (AWS: the thing shadow). */
  readonly statusReport?: StatusReport;
  /** Milliseconds until the credentials expire and the bridge must reconnect with new ones (Azure SAS); undefined: never. */
  credentialsRenewInMs(): number | undefined;
}

/** What a message on one of a cloud's own routes becomes locally. */
export interface InboundRoute {
  localTopic: string;
  retain: boolean;
  userProperties?: Record<string, string>;
}

/** Topics a cloud maps itself, besides the bridge's topic rules. */
export interface CloudRoutes {
  /** Local filters the bridge also listens on (replies, twin updates). */
  localFilters(): string[];
  /** The remote topic for a local message on one of those filters, or null; `rid` numbers requests. */
  outbound(localTopic: string, rid: () => string): string | null;
  /** The local topic for a remote message no `in` rule takes, or null. */
  inbound(remoteTopic: string): InboundRoute | null;
}

/** A report of the gateway's state the bridge publishes upstream, at QoS 0, on connect and then every `intervalMs`. */
export interface StatusReport {
  readonly intervalMs: number;
  readonly topic: string;
  /** The payload for the gateway's state (queue depth, uptime, version). */
  payload(reported: Readonly<Record<string, unknown>>): string;
}
