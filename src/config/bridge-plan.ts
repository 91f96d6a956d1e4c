/**
 * Turns one validated `bridges[]` entry into everything the runtime needs:
 * topic rules, cloud profile, upstream addresses, TLS, limits. Pure apart
 * from `os.hostname()` for the default client id; certificate files are
 * read at connect time (so SIGHUP-free renewals on disk are picked up).
 * Throws BridgeError with `key` naming the offending config key.
 */
import { hostname } from 'node:os';
import type { BridgeConfig } from './types.js';
import { ERR, BridgeError } from '../errors.js';
import { validateTopicName } from '../topics/index.js';
import { cloudDefinition, CloudKeyError, type CloudProfile } from '../clouds/registry.js';
import { parseTopicRule, type TopicRule } from '../topics/bridge-topic-map.js';

export interface Address {
  host: string;
  port: number;
}

export interface TlsPlan {
  cafile: string | undefined;
  certfile: string | undefined;
  keyfile: string | undefined;
  insecure: boolean;
  alpn: string[] | undefined;
  servername: string | undefined;
}

export interface BridgePlan {
  name: string;
  type: BridgeConfig['type'];
  rules: TopicRule[];
  profile: CloudProfile;
  addresses: Address[];
  tls: TlsPlan | undefined;
  maxInflight: number;
  /** Messages per second; Infinity = no limit. */
  maxPublishRate: number;
  batchMaxBytes: number;
  messageId: { userProperty: boolean; payloadField: boolean };
  backoff: { baseMs: number; capMs: number };
  lazy: { threshold: number; idleTimeoutMs: number } | undefined;
  notificationTopic: string | undefined;
  queue: { maxMessages: number; maxBytes: number; policy: BridgeConfig['queue_policy']; ttlMs: number; qos0: boolean };
  sessionExpiry: number;
}

/** A problem with one key of a bridge entry. */
export class BridgePlanError extends BridgeError {
  constructor(message: string, readonly key: keyof BridgeConfig, readonly index?: number) {
    super(message, ERR.BRIDGE_CONFIG);
  }
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function parseAddress(text: string, defaultPort: number): Address {
  const m = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(text) ?? /^([^:\s]+)(?::(\d+))?$/.exec(text);
  const port = m?.[2] === undefined ? defaultPort : Number(m[2]);
  if (!m || !(port >= 1 && port <= 65535)) throw new Error(`'${text}' is not host:port (e.g. broker.example.com:8883 or [::1]:1883)`);
  return { host: m[1]!, port };
}

/** `"5 30"` → base and cap in ms (mosquitto restart_timeout); one number is a fixed delay, as in mosquitto. */
export function parseRestartTimeout(text: string): { baseMs: number; capMs: number } {
  const parts = text.trim().split(/\s+/).map(Number);
  if (parts.length < 1 || parts.length > 2 || parts.some((n) => !Number.isFinite(n) || n <= 0)) {
    throw new Error(`expected 'base cap' in seconds, e.g. '5 30', got '${text}'`);
  }
  const [base, cap = parts[0]!] = parts as [number, number?];
  if (cap < base!) throw new Error(`cap (${cap}) must be >= base (${base})`);
  return { baseMs: Math.round(base! * 1000), capMs: Math.round(cap * 1000) };
}

function need<K extends keyof BridgeConfig>(cfg: BridgeConfig, key: K, why: string): NonNullable<BridgeConfig[K]> {
  const v = cfg[key];
  if (v === undefined || v === null) throw new BridgePlanError(`required ${why}`, key);
  return v as NonNullable<BridgeConfig[K]>;
}

/** `now` (ms since the epoch) is the clock SAS tokens are made with; tests inject one. */
export function planBridge(cfg: BridgeConfig, host = hostname(), now?: () => number): BridgePlan {
  const name = need(cfg, 'name', 'for every bridge: a short name like `cloud`');
  if (!NAME.test(name)) throw new BridgePlanError(`'${name}' must be 1..64 letters, digits, '_' or '-'`, 'name');
  const rules = cfg.topics.map((line, i) => {
    try {
      return parseTopicRule(line);
    } catch (err) {
      throw new BridgePlanError(`topic line ${i + 1} '${line}': ${(err as Error).message}`, 'topics', i);
    }
  });
  const v5 = cfg.protocol_version === 'mqttv50';
  const cloud = cloudDefinition(cfg.type);
  const tlsOn = cfg.tls ?? (cloud.tlsByDefault || cfg.cafile !== undefined || cfg.certfile !== undefined);
  if ((cfg.certfile === undefined) !== (cfg.keyfile === undefined)) {
    throw new BridgePlanError('certfile and keyfile go together', cfg.certfile === undefined ? 'certfile' : 'keyfile');
  }
  const addresses = cfg.addresses.map((a, i) => {
    try {
      return parseAddress(a, tlsOn ? 8883 : 1883);
    } catch (err) {
      throw new BridgePlanError((err as Error).message, 'addresses', i);
    }
  });
  let backoff: BridgePlan['backoff'];
  try {
    backoff = parseRestartTimeout(cfg.restart_timeout);
  } catch (err) {
    throw new BridgePlanError((err as Error).message, 'restart_timeout');
  }
  const profile = buildProfile(cfg, name, host, addresses, now);
  const base = profile.connectionParams();
  if (addresses.length === 0) addresses.push({ host: base.host, port: base.port });
  const notify = cfg.notifications ?? cloud.notificationsByDefault;
  const notificationTopic = notify ? (cfg.notification_topic ?? `$SYS/broker/connection/${name}/state`) : undefined;
  if (notificationTopic !== undefined && validateTopicName(notificationTopic) !== null) {
    throw new BridgePlanError(`'${notificationTopic}': ${validateTopicName(notificationTopic)}`, 'notification_topic');
  }
  const idOn = cfg.message_id === 'auto' ? cloud.autoMessageId(v5) : cfg.message_id;
  if (!v5 && (idOn === 'user-property' || idOn === 'both')) {
    throw new BridgePlanError('user properties need protocol_version mqttv50; use payload-field or none with mqttv311', 'message_id');
  }
  const alpn = cfg.alpn.length > 0 ? [...cfg.alpn] : base.alpn;
  return {
    name,
    type: cfg.type,
    rules,
    profile,
    addresses,
    tls: tlsOn
      ? { cafile: cfg.cafile, certfile: cfg.certfile, keyfile: cfg.keyfile, insecure: cfg.tls_insecure, alpn, servername: cfg.sni ?? base.servername }
      : undefined,
    // never above what the cloud accepts (AWS: 100 in flight, 100/s)
    maxInflight: Math.min(cfg.max_inflight || 100, profile.maxInflight),
    maxPublishRate: Math.min(cfg.max_publish_rate || profile.maxPublishRate, profile.maxPublishRate),
    batchMaxBytes: Math.min(cfg.batch_max_bytes, profile.maxPayloadBytes),
    messageId: { userProperty: idOn === 'user-property' || idOn === 'both', payloadField: idOn === 'payload-field' || idOn === 'both' },
    backoff,
    lazy: cfg.start_type === 'lazy' ? { threshold: cfg.threshold, idleTimeoutMs: cfg.idle_timeout * 1000 } : undefined,
    notificationTopic,
    queue: { maxMessages: cfg.max_queue_messages, maxBytes: cfg.max_queue_bytes, policy: cfg.queue_policy, ttlMs: cfg.message_ttl * 1000, qos0: cfg.queue_qos0 },
    sessionExpiry: cfg.session_expiry,
  };
}

function buildProfile(cfg: BridgeConfig, name: string, hostname: string, addresses: Address[], now: (() => number) | undefined): CloudProfile {
  try {
    return cloudDefinition(cfg.type).create(cfg, { name, hostname, address: addresses[0], now });
  } catch (err) {
    // a cloud names a key it reads: one of CloudEntry (passing cfg above checks they are bridges[] keys) or its own
    // fields, which the schema takes from the registry
    if (err instanceof CloudKeyError) throw new BridgePlanError(err.message, err.key as keyof BridgeConfig);
    throw err;
  }
}
