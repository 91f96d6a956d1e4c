/**
 * Schema of one `bridges[]` entry: an uplink to AWS IoT Core, Azure IoT Hub
 * or any MQTT broker, with mosquitto's bridge semantics where mosquitto has
 * the option (names in docs/bridge.md). Cross-field rules (required keys per
 * type, topic line syntax, unique names) live in validate-bridge.ts.
 * The cloud types and each cloud's own keys come from src/clouds/registry.ts.
 */
import { CLOUD_FIELDS, CLOUD_TYPES, CLOUDS } from '../clouds/registry.js';
import { MAX_REMAINING_LENGTH } from '../limits.js';
import type { Fields } from './schema-spec.js';
import { bool, int, optBool, optStr, strings } from './schema-fields.js';

export const bridgeFields = {
  name: optStr('Required. Names the bridge in logs, metrics, `midge queue` and its state topic: letters, digits, `_` and `-`. Renaming a bridge orphans its queue.', 64),
  type: {
    type: 'enum', values: CLOUD_TYPES, default: CLOUD_TYPES[0]!,
    description: `Cloud profile: ${CLOUDS.map((c) => c.summary).join(', ').replace(/, ([^,]*)$/, ' or $1')}.`,
  },
  addresses: strings('Upstream `host:port` list, tried in order (failover); after a connection drops the first is tried again. Required for generic; for aws/azure it overrides the endpoint derived from aws_endpoint/azure_hub (private endpoints, tests).'),
  protocol_version: {
    type: 'enum', values: ['mqttv311', 'mqttv50'], default: 'mqttv311',
    description: 'MQTT version spoken upstream (mosquitto bridge_protocol_version). Azure IoT Hub speaks mqttv311 only.',
  },
  client_id: optStr('Client id upstream. Default: `<hostname>.<name>` (as mosquitto); aws uses thing_name, azure uses device_id.', 256),
  keepalive: int(1, 65535, 60, 'Keepalive upstream; a link that stays silent for 1.5 times this is declared dead and reconnected (black-holed links).', { unit: 'seconds' }),
  clean_session: bool(false, 'Start a clean session upstream (mosquitto cleansession). false keeps the remote session, and its subscriptions, across reconnects.'),
  session_expiry: int(0, 4294967295, 86400, 'mqttv50 with clean_session false: how long the remote broker keeps the session after a disconnect.', { unit: 'seconds' }),
  username: optStr('Username upstream (generic). Azure builds its own from azure_hub and device_id.', 65535),
  password: optStr('Password upstream (generic). Never logged.', 65535),
  cafile: optStr('PEM CA certificate(s) to verify the upstream server with. Unset: the system CAs.'),
  certfile: optStr('PEM client certificate for mutual TLS (AWS IoT, Azure X.509).'),
  keyfile: optStr('PEM private key of certfile.'),
  tls: optBool('Use TLS upstream. Unset: on for aws and azure, and for generic when cafile or certfile is set.'),
  tls_insecure: bool(false, 'Do not verify the server certificate or host name. For tests only; never in production.'),
  alpn: strings('TLS ALPN protocol names. aws on port 443 sets x-amzn-mqtt-ca itself.'),
  sni: optStr('TLS server name (SNI) when it differs from the host in addresses.', 253),
  topics: strings('mosquitto topic lines: `pattern [out|in|both [qos [local-prefix remote-prefix]]]`, e.g. `sensors/# out 1 "" site1/`. `out` messages are queued durably and sent upstream; `in` messages are published locally. qos caps the QoS used upstream.'),
  queue_qos0: bool(true, 'Also queue QoS 0 messages matched by out rules durably (false: QoS 0 is sent only while connected, else dropped and counted).'),
  max_queue_messages: int(0, Number.MAX_SAFE_INTEGER, 1_000_000, 'Most messages held in the durable queue; 0 = no limit.'),
  max_queue_bytes: int(0, Number.MAX_SAFE_INTEGER, 256 * 1024 * 1024, 'Most message bytes (topic in UTF-8 plus payload) held in the durable queue; 0 = no limit.', { unit: 'bytes' }),
  queue_policy: {
    type: 'enum', values: ['drop-oldest', 'reject-new'], default: 'drop-oldest',
    description: 'When the queue is full: drop-oldest removes the oldest queued messages; reject-new refuses the new one (v5 publishers get 0x97 Quota exceeded). Every drop is counted and logged.',
  },
  message_ttl: int(0, 4294967295, 0, 'Queued messages older than this are dropped (counted as expired) instead of sent; 0 = kept until sent. v5 message expiry is honoured as well.', { unit: 'seconds' }),
  max_inflight: int(0, 65535, 0, 'Unacknowledged QoS 1/2 messages upstream; 0 = profile default (aws 100, azure 100, generic 100).'),
  max_publish_rate: int(0, 1_000_000, 0, 'Most PUBLISHes per second upstream (token bucket); 0 = profile default (aws 100, otherwise unlimited).', { unit: 'messages/second' }),
  batch_max_bytes: int(0, MAX_REMAINING_LENGTH, 0, 'Combine consecutive queued messages for the same upstream topic into one JSON array payload up to this size (stays under per-connection message rate limits); 0 = off. Limited to the profile payload limit (aws 128 KB, azure 256 KB).', { unit: 'bytes' }),
  message_id: {
    type: 'enum', values: ['auto', 'none', 'user-property', 'payload-field', 'both'], default: 'auto',
    description: 'Where the stable message id goes for de-duplication upstream: a v5 user property `midge-id`, a `_mid` field added to JSON object payloads, both, or none. auto: none for generic (as a mosquitto bridge: nothing added), user-property for aws on mqttv50; azure always sets the $.mid system property.',
  },
  restart_timeout: {
    type: 'string', minLength: 1, maxLength: 64, default: '5 30',
    description: 'Reconnect backoff `base cap` in seconds (mosquitto restart_timeout; decimals allowed): decorrelated jitter between base and cap, back to base after a connection that lasted cap seconds.',
  },
  start_type: {
    type: 'enum', values: ['automatic', 'lazy'], default: 'automatic',
    description: 'automatic: connect at start and stay connected. lazy: connect once `threshold` messages are queued, disconnect after idle_timeout without traffic (mosquitto start_type).',
  },
  threshold: int(1, 1_000_000, 10, 'lazy: messages queued before the bridge connects.'),
  idle_timeout: int(1, 86400, 60, 'lazy: seconds with an empty queue and no traffic before the bridge disconnects.', { unit: 'seconds' }),
  notifications: optBool('Publish the connection state, retained, on notification_topic: 1 connected, 0 not (mosquitto notifications, local only). Unset: on, except for aws.'),
  notification_topic: optStr('Default `$SYS/broker/connection/<name>/state`.', 65535),
  ...CLOUD_FIELDS,
} as const satisfies Fields;
