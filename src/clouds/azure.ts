/**
 * Azure IoT Hub, device side (facts: /work/shared/docs/cloud-targets.md,
 * from the IoT Hub MQTT support page and the Azure IoT SDKs):
 * - host `{hub}.azure-devices.net`, MQTT 3.1.1 on 8883; client id = device
 *   id (`{device}/{module}` for modules); username
 *   `{host}/{clientId}/?api-version=2021-04-12`; password = SAS token (or
 *   none with an X.509 client certificate);
 * - QoS 0/1 (QoS 2 publish closes the connection), retain not kept (we clear
 *   the flag), D2C messages up to 256 KB, at most 5 subscriptions;
 * - telemetry goes to `devices/{id}/messages/events/{property bag}`, the
 *   bag URL-encoded (`$.mid`, `$.ct`, `$.ce` system properties plus
 *   application properties); everything else a device may publish is twin
 *   (`$iothub/twin/GET|PATCH/...?$rid=`) or method responses
 *   (`$iothub/methods/res/{status}/?$rid=`);
 * - keepalive at most 1177 s.
 * A local topic that is not an IoT Hub topic becomes telemetry, with the
 * topic carried as an application property (`topic` by default).
 */
import { ERR, BridgeError } from '../errors.js';
import { utf8ByteLength, validateTopicName } from '../topics/index.js';
import { azureRoutes } from './azure-routes.js';
import { DEFAULT_SAS_RENEW_MARGIN_SEC, DEFAULT_SAS_TTL_SEC, SasTokenSource, deviceResourceUri } from './azure-sas.js';
import { azureTopics, encodePropertyBag } from './azure-topics.js';
import type { Subscription } from '../topics/bridge-topic-map.js';
import { commonRejectReason, requireKeepalive, toRemotePublish } from './generic.js';
import type { Fields } from '../config/schema-spec.js';
import { int, optStr } from '../config/schema-fields.js';
import { CloudKeyError, need, withKey, type CloudDefinition } from './definition.js';
import type { BridgeMessage, CloudProfile, ConnectionParams } from './types.js';

export const AZURE_API_VERSION = '2021-04-12';

export const AZURE_LIMITS = {
  maxQos: 1,
  maxPayloadBytes: 256 * 1024,
  maxSubscriptions: 5,
  maxKeepaliveSec: 1177,
  /** Not documented for IoT Hub; our conservative choice. */
  maxInflight: 100,
} as const;

export interface AzureProfileOptions {
  /** `myhub` or the full host name `myhub.azure-devices.net`. */
  hub: string;
  deviceId: string;
  moduleId?: string;
  /** Base64 device key: the password is a SAS token. Omit with an X.509 client certificate. */
  sasKey?: string;
  /** Shared access policy name (`skn`) when `sasKey` is a policy key. */
  sasKeyName?: string;
  sasTtlSec?: number;
  sasRenewMarginSec?: number;
  /** Application property carrying the original topic of telemetry; null: none. Default `topic`. */
  topicProperty?: string | null;
  /** Publishes per second (depends on the hub's tier and units); default: no limit. */
  maxPublishRate?: number;
  keepaliveSec?: number;
  clean?: boolean;
  /** Clock (ms) for SAS expiry; tests inject one. */
  now?: () => number;
  /** Local topic prefix for C2D messages, twin and direct methods (azure-routes.ts). Default `azure/<deviceId>`. */
  localPrefix?: string;
}

const SYSTEM_PROPERTIES: ReadonlyArray<[keyof BridgeMessage, string]> = [
  ['messageId', '$.mid'], ['contentType', '$.ct'], ['contentEncoding', '$.ce'],
];

const DEVICE_PUBLISH = [
  /^\$iothub\/twin\/GET\/\?\$rid=[^&/]+$/,
  /^\$iothub\/twin\/PATCH\/properties\/reported\/\?\$rid=[^&/]+(&\$version=\d+)?$/,
  /^\$iothub\/methods\/res\/\d{3}\/\?\$rid=[^&/]+$/,
];

export function createAzureProfile(options: AzureProfileOptions): CloudProfile {
  const { deviceId, moduleId } = options;
  if (!options.hub) throw new BridgeError('azure: hub is required', ERR.BRIDGE_CONFIG);
  if (!deviceId) throw new BridgeError('azure: deviceId is required', ERR.BRIDGE_CONFIG);
  const host = options.hub.includes('.') ? options.hub : `${options.hub}.azure-devices.net`;
  const clientId = moduleId ? `${deviceId}/${moduleId}` : deviceId;
  const topics = azureTopics(deviceId, moduleId);
  const topicProperty = options.topicProperty === undefined ? 'topic' : options.topicProperty;
  const keepaliveSec = options.keepaliveSec ?? 60;
  requireKeepalive('azure', keepaliveSec, 1, AZURE_LIMITS.maxKeepaliveSec);
  const maxPublishRate = options.maxPublishRate ?? Infinity;
  if (!(maxPublishRate > 0)) throw new BridgeError(`azure: maxPublishRate must be > 0, got ${maxPublishRate}`, ERR.BRIDGE_CONFIG);
  const sas = options.sasKey === undefined ? undefined : new SasTokenSource({
    resourceUri: deviceResourceUri(host, deviceId, moduleId),
    key: options.sasKey,
    ttlSec: options.sasTtlSec ?? DEFAULT_SAS_TTL_SEC,
    renewMarginSec: options.sasRenewMarginSec ?? DEFAULT_SAS_RENEW_MARGIN_SEC,
    ...(options.sasKeyName ? { keyName: options.sasKeyName } : {}),
    ...(options.now ? { now: options.now } : {}),
  });

  const isPassThrough = (topic: string): boolean => topic.startsWith('$iothub/') || topic.startsWith(topics.events);

  const propertyBag = (message: BridgeMessage): string => {
    const entries: Array<[string, string]> = Object.entries(message.properties ?? {});
    if (topicProperty !== null && !(topicProperty in (message.properties ?? {}))) entries.push([topicProperty, message.topic]);
    for (const [field, key] of SYSTEM_PROPERTIES) {
      const value = message[field];
      if (typeof value === 'string' && value !== '') entries.push([key, value]);
    }
    return encodePropertyBag(entries);
  };

  const validateTopic = (topic: string): string | null => {
    const why = validateTopicName(topic);
    if (why) return why;
    if (topic.startsWith('$iothub/')) {
      return DEVICE_PUBLISH.some((re) => re.test(topic)) ? null : `'${topic}' is not an IoT Hub topic a device may publish to`;
    }
    if (topic.startsWith('devices/')) {
      return topic.startsWith(topics.events) ? null : `IoT Hub accepts device publishes under devices/ only on '${topics.events}'`;
    }
    if (topic.startsWith('$')) return `'${topic}' is not an IoT Hub topic a device may publish to`;
    return null;
  };

  const profile: CloudProfile = {
    name: 'azure',
    maxQos: AZURE_LIMITS.maxQos,
    maxPayloadBytes: AZURE_LIMITS.maxPayloadBytes,
    maxInflight: AZURE_LIMITS.maxInflight,
    maxPublishRate,
    retainAllowed: false,
    maxSubscriptions: AZURE_LIMITS.maxSubscriptions,
    maxFiltersPerSubscribe: AZURE_LIMITS.maxSubscriptions,
    validateTopic,
    remoteTopic: (message) => (isPassThrough(message.topic) ? message.topic : topics.events + propertyBag(message)),
    // The 256 KB counts the application and system properties too (approximated by the property bag).
    rejectReason: (message) => {
      const localWhy = isPassThrough(message.topic) ? null : validateTopic(message.topic);
      if (localWhy) return `azure: ${localWhy}`;
      const remote = profile.remoteTopic(message);
      const extra = remote.startsWith(topics.events) ? utf8ByteLength(remote) - topics.events.length : 0;
      return commonRejectReason(profile, message, extra);
    },
    toRemote: (message) => toRemotePublish(profile, message),
    builtinSubscriptions: (): Subscription[] => [
      ...(moduleId ? [] : [{ filter: topics.c2dFilter, qos: 1 as const }]),
      { filter: topics.methodsFilter, qos: 0 },
      { filter: topics.twinResponseFilter, qos: 0 },
      { filter: topics.twinDesiredFilter, qos: 0 },
    ],
    routes: azureRoutes(options.localPrefix ?? `azure/${deviceId}`, deviceId),
    credentialsRenewInMs: () => sas?.renewInMs(),
    connectionParams: (): ConnectionParams => ({
      host,
      port: 8883,
      servername: host,
      alpn: undefined,
      clientId,
      username: `${host}/${clientId}/?api-version=${AZURE_API_VERSION}`,
      // a getter: only the CONNECT reads it, so asking for the client id (inbound routing) cannot renew the
      // token behind the live connection's back and make credentialsRenewInMs() skip the renewal reconnect
      get password() {
        return sas?.token();
      },
      protocolVersion: 4,
      keepaliveSec,
      clean: options.clean ?? false,
    }),
  };
  return profile;
}

/** The keys of a bridge entry only `type: azure` reads. */
export const azureFields = {
  azure_hub: optStr('azure: the hub name (`myhub`) or host name (`myhub.azure-devices.net`).', 253),
  device_id: optStr('azure: the device id (client id); required for azure.', 128),
  module_id: optStr('azure: module id, for a module identity.', 128),
  sas_key: optStr('azure: base64 device key; the password becomes a SAS token renewed before it expires (by reconnecting; nothing queued is lost). Omit with an X.509 certfile/keyfile.', 1024),
  sas_ttl: int(60, 31_536_000, 3600, 'azure: lifetime of each SAS token.', { unit: 'seconds' }),
  azure_local_prefix: optStr('azure: local topic prefix for cloud-to-device messages (`<prefix>/c2d/...`), twin (`<prefix>/twin/desired`, `.../twin/reported`) and direct methods (`<prefix>/methods/<name>/<rid>`, reply on `<prefix>/methods/res/<status>/<rid>`). Default `azure/<name>`.', 1024),
} as const satisfies Fields;

/** `type: azure`: Azure IoT Hub, with a SAS key or an X.509 device certificate. */
export const azureCloud = {
  type: 'azure',
  summary: 'azure (Azure IoT Hub rules and limits)',
  fields: azureFields,
  tlsByDefault: true,
  notificationsByDefault: true,
  // azure sets the $.mid system property itself
  autoMessageId: () => 'none',
  create(entry, { name, now }) {
    if (entry.protocol_version === 'mqttv50') throw new CloudKeyError('azure: IoT Hub speaks MQTT 3.1.1 only', 'protocol_version');
    if (entry.sas_key === undefined && entry.certfile === undefined) {
      throw new CloudKeyError('azure: give sas_key (device key) or certfile/keyfile (X.509)', 'sas_key');
    }
    const hub = need(entry, 'azure_hub', 'for azure: the hub name');
    const deviceId = need(entry, 'device_id', 'for azure: the device id');
    return withKey(() => createAzureProfile({
      hub, deviceId, keepaliveSec: entry.keepalive, clean: entry.clean_session,
      sasTtlSec: entry.sas_ttl, sasRenewMarginSec: Math.min(900, Math.floor(entry.sas_ttl / 4)),
      localPrefix: entry.azure_local_prefix ?? `azure/${name}`,
      ...(entry.module_id !== undefined ? { moduleId: entry.module_id } : {}),
      ...(entry.sas_key !== undefined ? { sasKey: entry.sas_key } : {}),
      ...(now ? { now } : {}),
    }), (message) => (/sas|key/i.test(message) ? 'sas_key' : /keepalive/.test(message) ? 'keepalive' : 'type'));
  },
} as const satisfies CloudDefinition<'azure', typeof azureFields>;
