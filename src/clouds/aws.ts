/**
 * AWS IoT Core (facts: /work/shared/docs/cloud-targets.md, from the AWS IoT
 * Core quotas and MQTT pages):
 * - QoS 0/1 only (QoS 2 gets no PUBACK), retain supported;
 * - payload 128 KB; topic 256 bytes, at most 7 '/'; 100 unacked QoS 1;
 *   100 publishes/s per connection (in + out, excess discarded);
 *   50 subscriptions per connection, 8 filters per SUBSCRIBE;
 * - topics starting with `$` are reserved; devices may publish to their
 *   shadow and jobs topics and to Basic Ingest `$aws/rules/{rule}/...`,
 *   whose prefix does not count towards the topic limits;
 * - client id = thing name (max 128 bytes, no leading `$`), mutual TLS on
 *   8883, or 443 with ALPN `x-amzn-mqtt-ca`; keepalive 30..1200 s.
 */
import { ERR, BridgeError } from '../errors.js';
import { utf8ByteLength, validateTopicName } from '../topics/index.js';
import type { Subscription } from '../topics/bridge-topic-map.js';
import { commonRejectReason, requireKeepalive, toRemotePublish } from './generic.js';
import type { Fields } from '../config/schema-spec.js';
import { int, oneOf, optStr } from '../config/schema-fields.js';
import { CloudKeyError, need, withKey, type CloudDefinition } from './definition.js';
import type { CloudProfile, ConnectionParams, StatusReport } from './types.js';

export const AWS_LIMITS = {
  maxQos: 1,
  maxPayloadBytes: 128 * 1024,
  maxTopicBytes: 256,
  maxTopicSlashes: 7,
  maxInflight: 100,
  maxPublishRate: 100,
  maxSubscriptions: 50,
  maxFiltersPerSubscribe: 8,
  maxClientIdBytes: 128,
  minKeepaliveSec: 30,
  maxKeepaliveSec: 1200,
  alpn443: 'x-amzn-mqtt-ca',
} as const;

export interface AwsProfileOptions {
  /** Account endpoint, e.g. `abc123-ats.iot.eu-west-1.amazonaws.com`. */
  endpoint: string;
  /** Thing name; also the MQTT client id (the usual policy ties them together). */
  thingName: string;
  /** 8883 (default) or 443 (ALPN `x-amzn-mqtt-ca`). */
  port?: 8883 | 443;
  /** Send everything not already under `$` through Basic Ingest to this rule. */
  basicIngestRule?: string;
  protocolVersion?: 4 | 5;
  keepaliveSec?: number;
  clean?: boolean;
  /** Report the gateway's state to the thing shadow this often while connected; 0 or unset: never. */
  shadowIntervalSec?: number;
}

const RULE_NAME = /^[A-Za-z0-9_]+$/;
const BASIC_INGEST = '$aws/rules/';
const THINGS = '$aws/things/';

function countSlashes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 0x2f) n++;
  return n;
}

/** AWS's limits on the part of a topic that counts (after a Basic Ingest prefix). */
function checkLimits(counted: string): string | null {
  const bytes = utf8ByteLength(counted);
  if (bytes > AWS_LIMITS.maxTopicBytes) return `topic of ${bytes} bytes exceeds AWS IoT's ${AWS_LIMITS.maxTopicBytes}`;
  const slashes = countSlashes(counted);
  if (slashes > AWS_LIMITS.maxTopicSlashes) return `topic has ${slashes} '/' (AWS IoT allows ${AWS_LIMITS.maxTopicSlashes})`;
  return null;
}

/** Validate a topic a device publishes to AWS IoT Core. */
export function validateAwsTopic(topic: string): string | null {
  const why = validateTopicName(topic);
  if (why) return why;
  if (topic.startsWith(BASIC_INGEST)) {
    const rest = topic.slice(BASIC_INGEST.length);
    const slash = rest.indexOf('/');
    const rule = slash < 0 ? rest : rest.slice(0, slash);
    if (!RULE_NAME.test(rule)) return `Basic Ingest rule name '${rule}' must be letters, digits and '_'`;
    return checkLimits(slash < 0 ? '' : rest.slice(slash + 1));
  }
  if (topic.startsWith(THINGS)) {
    const levels = topic.split('/');
    if (levels[2] === '' || (levels[3] !== 'shadow' && levels[3] !== 'jobs')) {
      return `'${topic}' is reserved: devices publish only to $aws/things/{thing}/shadow/... or .../jobs/...`;
    }
    return checkLimits(topic);
  }
  if (topic.startsWith('$')) return `topics starting with '$' are reserved by AWS IoT ('${topic}')`;
  return checkLimits(topic);
}

export function createAwsProfile(options: AwsProfileOptions): CloudProfile {
  const { endpoint, thingName, basicIngestRule } = options;
  if (!endpoint) throw new BridgeError('aws: endpoint is required', ERR.BRIDGE_CONFIG);
  if (!thingName) throw new BridgeError('aws: thingName is required', ERR.BRIDGE_CONFIG);
  if (thingName.startsWith('$')) throw new BridgeError(`aws: client id '${thingName}' must not start with '$'`, ERR.BRIDGE_CONFIG);
  const idBytes = utf8ByteLength(thingName);
  if (idBytes > AWS_LIMITS.maxClientIdBytes) {
    throw new BridgeError(`aws: client id of ${idBytes} bytes exceeds ${AWS_LIMITS.maxClientIdBytes}`, ERR.BRIDGE_CONFIG);
  }
  if (basicIngestRule !== undefined && !RULE_NAME.test(basicIngestRule)) {
    throw new BridgeError(`aws: Basic Ingest rule name '${basicIngestRule}' must be letters, digits and '_'`, ERR.BRIDGE_CONFIG);
  }
  const port = options.port ?? 8883;
  if (port !== 8883 && port !== 443) throw new BridgeError(`aws: port must be 8883 or 443, got ${String(port)}`, ERR.BRIDGE_CONFIG);
  const keepaliveSec = options.keepaliveSec ?? 60;
  requireKeepalive('aws', keepaliveSec, AWS_LIMITS.minKeepaliveSec, AWS_LIMITS.maxKeepaliveSec);

  const profile: CloudProfile = {
    name: 'aws',
    maxQos: AWS_LIMITS.maxQos,
    maxPayloadBytes: AWS_LIMITS.maxPayloadBytes,
    maxInflight: AWS_LIMITS.maxInflight,
    maxPublishRate: AWS_LIMITS.maxPublishRate,
    retainAllowed: true,
    maxSubscriptions: AWS_LIMITS.maxSubscriptions,
    maxFiltersPerSubscribe: AWS_LIMITS.maxFiltersPerSubscribe,
    validateTopic: validateAwsTopic,
    remoteTopic: (message) =>
      basicIngestRule !== undefined && !message.topic.startsWith('$')
        ? `${BASIC_INGEST}${basicIngestRule}/${message.topic}`
        : message.topic,
    rejectReason: (message) => commonRejectReason(profile, message),
    toRemote: (message) => toRemotePublish(profile, message),
    builtinSubscriptions: (): Subscription[] => [],
    ...(options.shadowIntervalSec ? { statusReport: shadowReport(thingName, options.shadowIntervalSec) } : {}),
    credentialsRenewInMs: () => undefined,
    connectionParams: (): ConnectionParams => ({
      host: endpoint,
      port,
      servername: endpoint, // SNI is required
      alpn: port === 443 ? [AWS_LIMITS.alpn443] : undefined,
      clientId: thingName,
      username: undefined, // X.509 client certificate
      password: undefined,
      protocolVersion: options.protocolVersion ?? 4,
      keepaliveSec,
      clean: options.clean ?? false,
    }),
  };
  return profile;
}

/** The gateway's state as the thing shadow's reported state (`$aws/things/<thing>/shadow/update`). */
function shadowReport(thingName: string, intervalSec: number): StatusReport {
  return {
    intervalMs: intervalSec * 1000,
    topic: `${THINGS}${thingName}/shadow/update`,
    payload: (reported) => JSON.stringify({ state: { reported } }),
  };
}

/** The keys of a bridge entry only `type: aws` reads. */
export const awsFields = {
  aws_endpoint: optStr('aws: the account endpoint, e.g. abc123-ats.iot.eu-west-1.amazonaws.com (also the TLS SNI name).', 253),
  aws_port: oneOf([8883, 443], 8883, 'aws: 8883, or 443 with ALPN x-amzn-mqtt-ca (networks that only allow HTTPS).'),
  thing_name: optStr('aws: the thing name, used as client id (required for aws).', 128),
  basic_ingest_rule: optStr('aws: send every message through Basic Ingest `$aws/rules/<rule>/<topic>` (cheaper, no broker fan-out).', 128),
  shadow_interval: int(0, 86400, 0, 'aws: report gateway status (queue depth, uptime, version) to the thing shadow every this many seconds; 0 = off.', { unit: 'seconds' }),
} as const satisfies Fields;

/** `type: aws`: AWS IoT Core with an X.509 device certificate. */
export const awsCloud = {
  type: 'aws',
  summary: 'aws (AWS IoT Core rules and limits)',
  fields: awsFields,
  tlsByDefault: true,
  // off, as a mosquitto bridge towards AWS must have it (its $SYS state topics are reserved there)
  notificationsByDefault: false,
  // mqttv50 keeps the midge-id user property for de-duplication in rules
  autoMessageId: (v5) => (v5 ? 'user-property' : 'none'),
  create(entry) {
    if (entry.certfile === undefined) throw new CloudKeyError('aws: IoT Core needs a device certificate (certfile and keyfile)', 'certfile');
    const endpoint = need(entry, 'aws_endpoint', 'for aws: the account endpoint (abc123-ats.iot.<region>.amazonaws.com)');
    const thingName = need(entry, 'thing_name', 'for aws: the thing name');
    return withKey(() => createAwsProfile({
      endpoint, thingName, port: entry.aws_port, protocolVersion: entry.protocol_version === 'mqttv50' ? 5 : 4,
      keepaliveSec: entry.keepalive, clean: entry.clean_session, shadowIntervalSec: entry.shadow_interval,
      ...(entry.basic_ingest_rule !== undefined ? { basicIngestRule: entry.basic_ingest_rule } : {}),
    }), (message) => (/keepalive/.test(message) ? 'keepalive' : /Basic Ingest/.test(message) ? 'basic_ingest_rule' : 'thing_name'));
  },
} as const satisfies CloudDefinition<'aws', typeof awsFields>;
