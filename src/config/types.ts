/**
 * The shape of a fully resolved Midge configuration. The schema in
 * `schema.ts` fills defaults and validates user files into this shape;
 * the broker and everything else only ever sees a `MidgeConfig`.
 */
import type { BridgeConfig } from './types-bridge.js';

export type { BridgeConfig, BridgeType } from './types-bridge.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface ListenerConfig {
  /** Address to bind; `127.0.0.1` by default (local-only, like mosquitto 2.x). */
  host: string;
  /** TCP port; 0 picks an ephemeral port (tests). */
  port: number;
  /** Wire protocol on this listener: MQTT over TCP, or MQTT over WebSockets. */
  protocol: 'mqtt' | 'websockets';
  /** Listen on this Unix domain socket instead of host:port (both are then ignored). */
  socket_path: string | undefined;
  /** WebSockets only: the one HTTP path accepted; unset accepts any path (as mosquitto). */
  ws_path: string | undefined;
  /** Allow clients without a username. Default: true on loopback, false elsewhere. */
  allow_anonymous: boolean | undefined;
  /** Maximum simultaneous connections on this listener; -1 = unlimited. */
  max_connections: number;
  /** PEM server certificate (chain); with `keyfile` it turns TLS on (MQTTS / WSS). */
  certfile: string | undefined;
  /** PEM private key of `certfile`. */
  keyfile: string | undefined;
  /** PEM CA certificate(s) that client certificates must chain to. */
  cafile: string | undefined;
  /** PEM certificate revocation list checked against client certificates. */
  crlfile: string | undefined;
  /** Mutual TLS: clients must present a certificate signed by `cafile`. */
  require_certificate: boolean;
  /** The client certificate's Common Name becomes the username (needs `require_certificate`). */
  use_identity_as_username: boolean;
  /** OpenSSL cipher list (TLS 1.2 and below); unset = Node's default. */
  ciphers: string | undefined;
  /** Lowest TLS version accepted. */
  tls_version: 'tlsv1.2' | 'tlsv1.3';
  /** Per-client PUBLISH rate limit in messages per second; 0 = unlimited. */
  max_publish_rate: number;
  /** Largest packet accepted on this listener (and advertised to v5 clients); 0 = `mqtt.max_packet_size`. */
  max_packet_size: number;
}

export interface MqttConfig {
  /** Largest keepalive a client may ask for; v5 clients asking more get Server Keep Alive. 0 = no limit. */
  max_keepalive: number;
  /** Seconds to wait for CONNECT after a socket opens before closing it. */
  connect_timeout: number;
  /** Outbound QoS 1/2 messages in flight per client (our send window); also the v5 Receive Maximum we advertise. */
  max_inflight_messages: number;
  /** Messages queued per client beyond the in-flight window (offline or slow); 0 = no limit. */
  max_queued_messages: number;
  /** Bytes queued per client; 0 = no limit. */
  max_queued_bytes: number;
  /** Queue QoS 0 messages for offline persistent sessions (mosquitto's queue_qos0_messages). */
  queue_qos0_messages: boolean;
  /** Bytes buffered for one client's connection before `slow_consumer_policy` applies; 0 = no limit. */
  max_outbound_buffer: number;
  /** Over `max_outbound_buffer`: drop QoS 0 messages (disconnect at twice the limit), or disconnect at once. */
  slow_consumer_policy: 'drop' | 'disconnect';
  /** Largest packet we accept and advertise (v5 Maximum Packet Size); 0 = protocol maximum. */
  max_packet_size: number;
  /** Whether retained messages are supported (v5 Retain Available). */
  retain_available: boolean;
  /** Highest QoS the broker grants and sends (v5 Maximum QoS). */
  max_qos: 0 | 1 | 2;
  /** Accept zero-length client ids (v3.1.1 needs clean session; v5 gets an assigned id). */
  allow_zero_length_clientid: boolean;
  /** Prefix of assigned client ids. */
  auto_id_prefix: string;
  /** Maximum client-id length in bytes accepted. */
  max_client_id_length: number;
  /** v5 Topic Alias Maximum we accept from clients; 0 disables inbound aliases. */
  topic_alias_maximum: number;
  /** Maximum topic levels in a topic name or filter. */
  max_topic_levels: number;
  /** Largest session expiry interval granted (seconds); 0xFFFFFFFF = never expire. */
  max_session_expiry_interval: number;
  /** Expiry (seconds) for persistent 3.1.1 sessions (mosquitto's persistent_client_expiration); 0 = never. */
  persistent_client_expiration: number;
  /** Feature flags advertised in v5 CONNACK. */
  wildcard_subscription_available: boolean;
  subscription_identifiers_available: boolean;
  shared_subscription_available: boolean;
}

export interface SysConfig {
  /** Seconds between `$SYS/broker/...` updates; 0 disables them. */
  interval: number;
}

export interface PersistenceConfig {
  /** Store sessions, retained messages and queues on disk. */
  enabled: boolean;
  /** Directory for the database. */
  path: string;
  /** `full` (default): acknowledged once on stable storage (power-cut safe); `normal`: once committed (crash safe only). */
  synchronous: 'normal' | 'full';
  /** Longest wait of an acknowledgement for others to share its commit, ms (0 = end of turn). */
  commit_window_ms: number;
  /** Bound on message bytes queued for persistent sessions; 0 = no bound but the disk. */
  max_store_bytes: number;
}

export interface AuthConfig {
  /** mosquitto-format password file (`user:$7$...`); set: clients must authenticate unless their listener sets allow_anonymous true. */
  password_file: string | undefined;
  /** mosquitto-format ACL file (`user`, `topic`, `pattern` lines); unset: no topic restrictions. */
  acl_file: string | undefined;
}

export interface LogConfig {
  level: LogLevel;
  /** `auto`: human-readable on a TTY, JSON otherwise. */
  format: 'auto' | 'json' | 'text';
  /** Append log lines to this file instead of standard error. */
  file: string | undefined;
  /** Rotate `file` to `file.1` when it would grow past this many bytes; 0 = no limit. */
  max_size: number;
}

export interface MetricsConfig {
  /** `HOST:PORT` of the HTTP listener (metrics, status page, JSON API); unset = none. */
  listen: string | undefined;
  /** Serve the status page and /api/status, /api/events (else /metrics only). */
  status_page: boolean;
  /** Serve without credentials; false = HTTP basic auth against auth.password_file. Unset: true on loopback. */
  allow_anonymous: boolean | undefined;
  /** Topic filter of messages streamed to the status page; '' = none. */
  status_page_topics: string;
}

export interface ProcessConfig {
  /** Write the process id here on start (daemon or not); removed on a clean stop. */
  pid_file: string | undefined;
  /** Nice increment for Node's background threads (V8 compiler/GC helpers, libuv pool); 0 = off. Linux only. */
  background_nice: number;
}

/** One serial device (ESP8266, Arduino, GPS...); see docs/serial.md. */
export interface SerialDeviceConfig {
  /** Device id used in topics: lowercase letters, digits and `-`. */
  name: string;
  /** Open this device; false keeps the entry but ignores it. */
  enabled: boolean;
  /** Device path, preferably stable: `/dev/serial/by-id/...`; or use the usb_* match. */
  path: string | undefined;
  /** USB vendor id (4 hex digits) matched through the port list. */
  usb_vendor_id: string | undefined;
  /** USB product id (4 hex digits). */
  usb_product_id: string | undefined;
  /** USB serial number (exact). */
  usb_serial: string | undefined;
  baud_rate: number;
  data_bits: 5 | 6 | 7 | 8;
  parity: 'none' | 'even' | 'odd' | 'mark' | 'space';
  stop_bits: 1 | 1.5 | 2;
  /** Drop DTR when the port closes (the OS default). */
  hupcl: boolean;
  /** DTR level after open; unset leaves what the OS set. */
  dtr: boolean | undefined;
  /** RTS level after open; unset leaves what the OS set. */
  rts: boolean | undefined;
  /** Milliseconds after open (or a boot banner) during which lines are ignored. */
  boot_window_ms: number;
  /** Emit a partial line after this many idle milliseconds; 0 = never. */
  idle_flush_ms: number;
  /** Longest line (or JSON object) in bytes; longer ones are dropped and counted. */
  max_line_length: number;
  /** Parsers tried in order json, nmea, keyvalue, csv; list the ones to use. */
  parsers: string[];
  /** CSV column names until the device prints a header line. */
  csv_columns: string[];
  /** Seconds without data after which availability becomes offline; 0 = only when the port closes. */
  availability_timeout: number;
  /** Topic layout: default (templates below), tasmota or homie. */
  profile: 'default' | 'tasmota' | 'homie';
  topic_prefix: string;
  state_topic: string;
  field_topic: string;
  log_topic: string;
  availability_topic: string;
  set_topic: string;
  event_topic: string;
  publish_fields: boolean;
  publish_log: boolean;
  qos: 0 | 1;
  retain: boolean;
  /** Commands written per second at most; 0 = unlimited. */
  set_rate_limit: number;
  line_ending: 'lf' | 'crlf' | 'cr';
  reopen_min_ms: number;
  reopen_max_ms: number;
}

export type GpioDriverName = 'auto' | 'onoff' | 'chardev' | 'simulated';

export interface GpioPinConfig {
  /** Topic and Home Assistant name: lower case letters, digits, `_` and `-`. */
  name: string;
  /** Line number on the chip: the BCM number on a Raspberry Pi (not the header pin). -1 = unset (an error). */
  pin: number;
  direction: 'in' | 'out';
  /** Inputs: which transitions are published (and counted); `both` keeps a state. */
  edge: 'both' | 'rising' | 'falling';
  /** Inputs: a level must be stable this long before it counts. */
  debounce_ms: number;
  /** The line is active (ON) when low, e.g. a button to ground with a pull-up. */
  active_low: boolean;
  /** Inputs, chardev driver only: internal pull resistor. */
  bias: 'as-is' | 'pull-up' | 'pull-down' | 'disable';
  /** State payloads published (and accepted on `/set`). */
  payload_on: string;
  payload_off: string;
  /** Inputs: count ON transitions and publish `count` and `rate` (pulses per minute). */
  counter: boolean;
  /** Outputs: level set when the line is opened. */
  initial: 'on' | 'off';
  /** Outputs: level left on the line when midge stops. */
  safe_state: 'on' | 'off' | 'keep';
  /** Outputs: an ON command turns the output off again after this long; 0 = stays on. */
  pulse_ms: number;
}

export interface GpioReservedPin {
  pin: number;
  /** Why the pin must not be used (shown in the config error). */
  reason: string;
}

export interface GpioConfig {
  /** `auto` picks by what the kernel offers: chardev (/dev/gpiochip*), else onoff (/sys/class/gpio). */
  driver: GpioDriverName;
  /** Chip: `auto` (the Raspberry Pi header chip by label, else gpiochip0), a name (`gpiochip4`) or a label. */
  chip: string;
  /** onoff driver: sysfs number of line 0; -1 = read from /sys/class/gpio/gpiochip*\/base. */
  sysfs_base: number;
  /** chardev driver: input polling period. */
  poll_ms: number;
  /** Topics are `<topic_prefix>/gpio/<name>`; `{hostname}` is replaced by the host name. */
  topic_prefix: string;
  /** Reserves BCM 14 and 15 (the Raspberry Pi serial console UART). */
  serial_console: boolean;
  /** Pins no entry of `pins` may use. */
  reserved: GpioReservedPin[];
  /** Configured pins; empty = the GPIO adapter does not start. */
  pins: GpioPinConfig[];
}

export interface HealthConfig {
  /** Publish gateway health; off by default. */
  enabled: boolean;
  /** Seconds between samples of the cheap values (load, temperature, memory, network, uptime). */
  interval: number;
  /** Seconds between disk-space samples of `persistence.path`. */
  disk_interval: number;
  /** Topics are `<topic_prefix>/health/...`; `{hostname}` is replaced by the host name. */
  topic_prefix: string;
  /** Also publish each value under `$SYS/midge/health/`. */
  sys_topics: boolean;
}

export interface HomeAssistantConfig {
  /** Publish MQTT discovery configs for the running adapters. */
  enabled: boolean;
  /** Home Assistant's discovery prefix. */
  discovery_prefix: string;
  /** Discovery node id and device identifier; empty = the host name. */
  node_id: string;
  /** Device name shown in Home Assistant; empty = `Midge <hostname>`. */
  device_name: string;
  /** Gateway availability and mirrored readings live under this prefix; `{hostname}` is replaced. */
  topic_prefix: string;
}

export interface MidgeConfig {
  log: LogConfig;
  listeners: ListenerConfig[];
  mqtt: MqttConfig;
  sys: SysConfig;
  persistence: PersistenceConfig;
  auth: AuthConfig;
  metrics: MetricsConfig;
  process: ProcessConfig;
  bridges: BridgeConfig[];
  serial: SerialDeviceConfig[];
  gpio: GpioConfig;
  health: HealthConfig;
  homeassistant: HomeAssistantConfig;
}
