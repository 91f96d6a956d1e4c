/**
 * The one description of every configuration key: type, default, accepted
 * values and the doc text. Validation (`validate.ts`), the example file test
 * and the generated config reference all read this object, so a key exists
 * if and only if it is here, and the TypeScript types of the resolved
 * configuration (`types.ts`) are derived from this object (`schema-spec.ts`).
 */
import { isIP } from 'node:net';
import { serialDeviceFields } from './schema-serial.js';
import type { ConfigOf, Field, Fields, ListSpec, SchemaShape, SectionSpec } from './schema-spec.js';
import { bridgeFields } from './schema-bridge.js';
import { bool, int, optStr } from './schema-fields.js';
import { MAX_PACKET_SIZE } from '../limits.js';
import { I32, U16, U32, listenerFields } from './schema-listener.js';
import { gpioFields } from './schema-gpio.js';
import { healthFields, homeAssistantFields } from './schema-health.js';

/** Default values of a section or list entry. */
function defaultsOf<F extends Fields>(fields: F): ConfigOf<F> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields)) out[name] = field.default;
  return out as ConfigOf<F>;
}

export const configSchema = {
  log: {
    kind: 'section',
    description: 'Logging: to standard error, or appended to a file.',
    fields: {
      level: {
        type: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace'], default: 'info',
        description: 'Least severe level written. `midge -v` raises it to debug.',
      },
      format: {
        type: 'enum', values: ['auto', 'json', 'text'], default: 'auto',
        description: 'auto: human-readable lines on a terminal, JSON lines otherwise (journald, files, pipes).',
      },
      file: optStr('Append log lines to this file instead of writing them to standard error (mosquitto log_dest file). Under systemd leave it unset: the journal keeps standard error. Reopened on SIGHUP (log rotation).', 4096),
      max_size: int(0, Number.MAX_SAFE_INTEGER, 0, 'log.file only: when the file would grow past this size it is renamed to FILE.1 (replacing the previous one) and a new file is started; 0 = no limit (rotate with logrotate instead).', { unit: 'bytes' }),
    },
  },
  listeners: {
    kind: 'list',
    description: 'Network listeners. `midge -p PORT` replaces them all with one loopback listener on PORT.',
    minItems: 1,
    item: listenerFields,
    default: [defaultsOf(listenerFields)],
  },
  mqtt: {
    kind: 'section',
    description: 'MQTT protocol limits and features, shared by all listeners.',
    fields: {
      max_keepalive: int(0, U16, U16, 'Largest keepalive a client may ask for; v5 clients asking more are told Server Keep Alive. 0 = no limit.', { unit: 'seconds' }),
      connect_timeout: int(1, 3600, 10, 'Time allowed between opening a connection and sending CONNECT.', { unit: 'seconds' }),
      max_inflight_messages: int(1, U16, 20, 'QoS 1/2 messages sent to one client and not yet acknowledged; also the v5 Receive Maximum we advertise.'),
      max_inflight_bytes: int(0, Number.MAX_SAFE_INTEGER, 0, 'Payload bytes of QoS 1/2 messages in flight to one client: a further message waits in the queue while this many or more are unacknowledged (mosquitto max_inflight_bytes); with max_queued_messages 0 (or with max_queued_bytes) a QoS 0 message is dropped while the unacknowledged bytes exceed this by max_queued_bytes or more, as mosquitto. 0 = count only (max_inflight_messages).', { unit: 'bytes' }),
      max_queued_messages: int(0, I32, 1000, 'Messages queued per client beyond the in-flight window (offline or slow client); 0 = no limit.'),
      max_queued_bytes: int(0, Number.MAX_SAFE_INTEGER, 0, 'Bytes of payload queued per client; 0 = no limit.', { unit: 'bytes' }),
      queue_qos0_messages: bool(false, 'Also queue QoS 0 messages for offline persistent sessions (as mosquitto).'),
      reason_strings: bool(true, 'Tell a v5 client why it was refused or disconnected (a Reason String in a refusing CONNACK or an error DISCONNECT), when it asks for problem information (Request Problem Information, 1 unless the client sends 0). mosquitto never sends one; a mosquitto.conf sets false, so clients see its exact bytes.'),
      check_retain_source: bool(false, 'Send a retained message to a new subscriber only while the client that published it may still publish to its topic under the current ACL (mosquitto check_retain_source): after a SIGHUP reload that took the right away, its old retained messages are no longer delivered. Each retained message keeps its publisher (client id, user name, listener) whatever this says.'),
      upgrade_outgoing_qos: bool(false, 'Send every message at the QoS its subscription was granted, even when it was published at a lower one (mosquitto upgrade_outgoing_qos). Non-standard: MQTT says the lower of the two; leave it off unless clients rely on it.'),
      max_outbound_buffer: int(65536, Number.MAX_SAFE_INTEGER, 8388608,
        'Bytes written to one client that its connection has not taken yet (a client that reads slowly or not at all). Above it, QoS 0 messages to that client are dropped or the client is disconnected, as slow_consumer_policy says; QoS 1/2 messages wait in the session (in-flight window and queue limits). 0 = no limit.',
        { also: [0], unit: 'bytes' }),
      slow_consumer_policy: {
        type: 'enum', values: ['drop', 'disconnect'], default: 'drop',
        description: 'A client over max_outbound_buffer: drop = its QoS 0 messages are dropped (counted) until it catches up, and it is disconnected only at twice the limit; disconnect = it is disconnected at once (its persistent session keeps QoS 1/2 messages).',
      },
      max_payload_size: int(0, MAX_PACKET_SIZE, 0, 'Largest PUBLISH payload accepted (mosquitto message_size_limit): a larger message is dropped, acknowledged with 0x80 Unspecified error to v5 clients (mosquitto sends 0x95, which MQTT 5 does not allow in PUBACK/PUBREC; a plain ack to v3), and the client stays connected; 0 = no limit beyond max_packet_size.', { unit: 'bytes' }),
      max_packet_size: int(20, MAX_PACKET_SIZE, 0, 'Largest packet accepted, advertised to v5 clients as Maximum Packet Size; 0 = protocol maximum (256 MB).', { also: [0], unit: 'bytes' }),
      retain_available: bool(true, 'Support retained messages (v5 Retain Available).'),
      max_qos: {
        type: 'enum', values: [0, 1, 2], default: 2,
        description: 'Highest QoS granted to subscriptions and accepted on publish (v5 Maximum QoS).',
      },
      allow_zero_length_clientid: bool(true, 'Accept an empty client id: v3.1.1 clients need clean session, v5 clients get an assigned id.'),
      auto_id_prefix: {
        type: 'string', minLength: 0, maxLength: 256, default: 'auto-',
        description: 'Prefix of client ids assigned by the broker.',
      },
      max_client_id_length: int(1, U16, U16, 'Longest client id accepted.', { unit: 'bytes' }),
      topic_alias_maximum: int(0, U16, 10, 'v5 Topic Alias Maximum accepted from clients; 0 disables inbound topic aliases.'),
      max_topic_levels: int(0, U16, 201, "Most levels in a topic name or filter; 0 = unlimited. The default is mosquitto's fixed limit (200 '/' separators); the spec sets none."),
      max_session_expiry_interval: int(0, U32, U32, 'Largest v5 session expiry interval granted; 4294967295 = never expire.', { unit: 'seconds' }),
      persistent_client_expiration: int(0, U32, 0, 'Expiry of persistent v3.1.1 sessions (clean session false) after disconnect; 0 = never.', { unit: 'seconds' }),
      wildcard_subscription_available: bool(true, 'Allow + and # in subscriptions (advertised in v5 CONNACK).'),
      subscription_identifiers_available: bool(true, 'Support v5 subscription identifiers (advertised in v5 CONNACK).'),
      shared_subscription_available: bool(true, 'Support $share/GROUP/filter subscriptions (advertised in v5 CONNACK).'),
    },
  },
  sys: {
    kind: 'section',
    description: '$SYS/broker/... status topics.',
    fields: {
      interval: int(0, 86400, 10, 'Time between $SYS updates; 0 disables them.', { unit: 'seconds' }),
    },
  },
  persistence: {
    kind: 'section',
    description: 'On-disk store (SQLite) for sessions, retained messages and queued messages.',
    fields: {
      enabled: bool(true, 'Keep state on disk across restarts; false keeps everything in memory.'),
      path: {
        type: 'string', minLength: 1, maxLength: 4096, default: './data',
        description: 'Directory for the database; a relative path is relative to the working directory.',
      },
      file: {
        type: 'string', minLength: 1, maxLength: 255, default: 'midge.db',
        description: 'File name of the database inside path (its -wal and -shm files sit beside it); two brokers sharing one path need different names.',
      },
      synchronous: {
        type: 'enum', values: ['full', 'normal'], default: 'full',
        description: 'full: a QoS 1/2 PUBLISH, retained change or persistent SUBACK is acknowledged only once it is on stable storage (or, for a message in flight to online persistent subscribers or the cloud, once they acknowledged it), so it survives a power cut (the WAL is synced in a background thread). normal: acknowledged once committed, which survives a crash of the process but NOT a power cut (the last seconds of acknowledged messages can be lost); fewer writes, as the kernel writes the log back when it chooses.',
      },
      commit_window_ms: int(0, 5000, 300,
        'full and normal: how long the first acknowledgement waiting for a commit may wait for others to share it. Each flush writes at least one 4 KiB block, so at low rates sharing one saves flash; the wait adapts (commits at once when every writer waits for its acknowledgement), and subscribers are not held up: the publisher\'s PUBACK/PUBREC waits (and a persistent subscriber\'s QoS 2 PUBREL, but only while nothing queues behind its in-flight window). 0 = commit at the end of each event-loop turn.',
        { unit: 'ms' }),
      inflight_wait_ms: int(0, 5000, 20,
        'full and normal: a message already sent to a connected persistent subscriber is written to the store only if the subscriber has not acknowledged it within this time; once it has (the usual case on a LAN), the publisher gets its PUBACK/PUBREC at once and nothing is written. Applies while commits would otherwise happen at once (publishers waiting for each acknowledgement); within a commit window the window\'s wait applies. Power-cut safe either way: the publisher is acknowledged only once the message is durable here or acknowledged by every subscriber it was in flight to. 0 = write at once.',
        { unit: 'ms' }),
      max_store_bytes: int(0, Number.MAX_SAFE_INTEGER, 0,
        'Upper bound on message bytes queued for persistent sessions, counted as the topic in UTF-8 plus the payload (as bridges[].max_queue_bytes); 0 = only the disk limits it. When reached, queued QoS 0 messages are dropped first, then new messages are not stored and v5 publishers get 0x97 Quota exceeded.',
        { unit: 'bytes' }),
    },
  },
  auth: {
    kind: 'section',
    description: 'Authentication and authorisation for all listeners (mosquitto password and ACL files). Both files are re-read on SIGHUP.',
    fields: {
      password_file: optStr(
        'mosquitto password file (mosquitto_passwd or `midge passwd`). When set, clients must give a listed user name and its password, and anonymous clients are refused unless their listener sets allow_anonymous: true.',
        4096),
      acl_file: optStr('mosquitto ACL file: `user`, `topic [read|write|readwrite|deny]` and `pattern` lines. Unset: every client may publish and subscribe to everything.', 4096),
    },
  },
  metrics: {
    kind: 'section',
    description: 'HTTP listener for Prometheus metrics (/metrics), the status page (/) and its JSON API (/api/status, /api/events). Off unless listen is set.',
    fields: {
      listen: {
        type: 'string', optional: true, minLength: 3, maxLength: 300, format: 'host-port', default: undefined,
        description: 'HOST:PORT to serve HTTP on, e.g. 127.0.0.1:9234 ([::1]:9234 for IPv6; port 0 picks a free port). Unset: no HTTP listener.',
      },
      status_page: bool(true, 'Serve the status page and its JSON API; false serves /metrics only.'),
      allow_anonymous: {
        type: 'boolean', optional: true, default: undefined,
        description:
          'Serve without a user name and password. false: HTTP basic auth against auth.password_file (which must be set). Unset means true on a loopback host; any other host must set it explicitly unless auth.password_file is set (then unset means false).',
      },
      status_page_topics: {
        type: 'string', minLength: 0, maxLength: 1024, default: '#',
        description: 'Topic filter of the messages shown live on the status page (never $SYS topics); empty shows none.',
      },
    },
  },
  process: {
    kind: 'section',
    description: 'The midge process itself.',
    fields: {
      pid_file: optStr('Write the process id to this file once listening (with or without -d, like mosquitto pid_file); removed on a clean stop. Not needed under systemd.', 4096),
      background_nice: int(0, 19, 19, "Ignored, kept so that existing configs still load: midge no longer changes the priority of Node's threads (renicing the runtime's own threads is not something Node supports)."),
    },
  },
  bridges: {
    kind: 'list',
    description: 'Uplinks to cloud or other MQTT brokers, each with a durable store-and-forward queue (see docs/bridge.md). None by default.',
    minItems: 0,
    item: bridgeFields,
    default: [],
  },
  serial: {
    kind: 'list',
    description: 'Serial devices (ESP8266, Arduino, GPS receivers...): lines become readings on MQTT topics, payloads on the set topic are written to the port. See docs/serial.md.',
    minItems: 0,
    item: serialDeviceFields,
    default: [],
  },
  gpio: {
    kind: 'section',
    description: 'GPIO pins as MQTT topics: inputs published as ON/OFF, outputs driven by /set commands. Off while gpio.pins is empty.',
    fields: gpioFields,
  },
  health: {
    kind: 'section',
    description: 'Periodic gateway health (load, temperature, memory, disk, uptime, network) as MQTT topics. Off by default.',
    fields: healthFields,
  },
  homeassistant: {
    kind: 'section',
    description: 'Home Assistant MQTT discovery for the running adapters (GPIO pins, health values, numeric readings).',
    fields: homeAssistantFields,
  },
} as const satisfies SchemaShape;

/** Human text for what a field accepts, e.g. "an integer 1..65535" or "-1 or an integer 1..2147483647". */
export function describeExpected(field: Field): string {
  switch (field.type) {
    case 'integer': {
      const range = `an integer ${field.min}..${field.max}`;
      return field.also?.length ? `${field.also.join(' or ')} or ${range}` : range;
    }
    case 'boolean':
      return 'true or false';
    case 'enum':
      return field.values.length === 1 ? String(field.values[0]) : `one of ${field.values.join(', ')}`;
    case 'string':
      if (field.format === 'host') return 'an IP address or host name';
      if (field.format === 'host-port') return 'HOST:PORT';
      return field.minLength > 0 ? 'a non-empty string' : 'a string';
    case 'strings':
      return field.minItems > 0 ? `a list of at least ${field.minItems} string${field.minItems > 1 ? 's' : ''}` : 'a list of strings';
    case 'list':
      return field.minItems > 0 ? `a list of at least ${field.minItems} mapping${field.minItems > 1 ? 's' : ''}` : 'a list of mappings';
  }
}

/** The fields of a top-level section or list, with the key-path prefix (`mqtt.`, `listeners[].`). */
export function sectionFields(name: string, spec: SectionSpec | ListSpec): { prefix: string; fields: Fields } {
  const fields = spec.kind === 'list' ? spec.item : spec.fields;
  return { prefix: spec.kind === 'list' ? `${name}[].` : `${name}.`, fields };
}

/** Visits every field, nested lists included, with its full key path (`bridges[].topics[].qos`). */
export function walkFields(visit: (path: string, field: Field) => void): void {
  const walk = (prefix: string, fields: Fields): void => {
    for (const [name, field] of Object.entries(fields)) {
      visit(`${prefix}${name}`, field);
      if (field.type === 'list') walk(`${prefix}${name}[].`, field.item);
    }
  };
  for (const [name, spec] of Object.entries(configSchema) as Array<[string, SectionSpec | ListSpec]>) {
    const { prefix, fields } = sectionFields(name, spec);
    walk(prefix, fields);
  }
}

/** Every key path in the schema, e.g. `mqtt.max_qos`, `listeners[].port`. */
export function schemaKeyPaths(): string[] {
  const out: string[] = [];
  walkFields((path) => out.push(path));
  return out;
}

/** The hosts on which `allow_anonymous` may stay unset (local-only listeners). */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) {
    if (h.startsWith('::ffff:')) return isLoopbackHost(h.slice(7));
    return h === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(h);
  }
  return false;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** `127.0.0.1:9234`, `[::1]:9234`, `localhost:9234` → host and port; undefined when malformed. */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  if (port > 65535 || !isValidHost(host) || (m[1] !== undefined && isIP(host) !== 6)) return undefined;
  return { host, port };
}

/** True for an IP address or a syntactically valid DNS name. */
export function isValidHost(host: string): boolean {
  return isIP(host) !== 0 || HOST_NAME.test(host);
}
