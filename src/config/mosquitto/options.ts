/**
 * The mosquitto 2.0 option catalogue: for every option name, where it
 * applies (global, the current listener, or either depending on
 * `per_listener_settings`), the type of its value, and what Midge does with
 * it. Value syntax is checked here even for options Midge ignores, so a
 * typo is caught the same way mosquitto would catch it.
 */
import { ConfigError } from '../../errors.js';
import type { Directive } from './parse.js';

export type ValueType = 'bool' | 'int' | 'string' | 'duration' | 'raw';

export type OptionSpec =
  /** Mapped onto a Midge key (see map.ts). */
  | { readonly scope: 'global' | 'listener' | 'security'; readonly type: ValueType; readonly handling: 'map' }
  /** Accepted, no effect in Midge: a warning with `why` (`when` limits it to some values). */
  | {
      readonly scope: 'global' | 'listener' | 'security';
      readonly type: ValueType;
      readonly handling: 'warn';
      readonly why: string;
      readonly when?: (value: unknown) => boolean;
    }
  /** Would change who may connect or what they may do: refusing to start is the only safe answer. */
  | { readonly scope: 'global' | 'listener' | 'security'; readonly type: ValueType; readonly handling: 'error'; readonly why: string; readonly when?: (value: unknown) => boolean };

const map = (scope: 'global' | 'listener' | 'security', type: ValueType): OptionSpec => ({ scope, type, handling: 'map' });
const warn = (scope: 'global' | 'listener' | 'security', type: ValueType, why: string, when?: (v: unknown) => boolean): OptionSpec => ({
  scope, type, handling: 'warn', why, when,
});
const refuse = (scope: 'global' | 'listener' | 'security', type: ValueType, why: string, when?: (v: unknown) => boolean): OptionSpec => ({
  scope, type, handling: 'error', why, when,
});

const NOT_YET = 'not supported by Midge yet; refusing to start without it';
const isTrue = (v: unknown): boolean => v === true;
const nonZero = (v: unknown): boolean => v !== 0;

export const OPTIONS: Readonly<Record<string, OptionSpec>> = {
  // General
  acl_file: map('security', 'string'),
  allow_anonymous: map('security', 'bool'),
  allow_duplicate_messages: warn('global', 'bool', 'ignored (deprecated in mosquitto 2; Midge sends one copy per matching subscription set)'),
  allow_zero_length_clientid: map('security', 'bool'),
  auth_plugin: refuse('security', 'string', `auth plugins are ${NOT_YET}`),
  auth_plugin_deny_special_chars: warn('security', 'bool', 'ignored: auth plugins are not supported'),
  auto_id_prefix: map('security', 'string'),
  autosave_interval: warn('global', 'int', 'ignored: Midge commits every change to its SQLite store as it happens'),
  autosave_on_changes: warn('global', 'bool', 'ignored: Midge commits every change to its SQLite store as it happens'),
  check_retain_source: map('global', 'bool'),
  clientid_prefixes: refuse('global', 'string', `restricting client ids by prefix is ${NOT_YET}`),
  connection_messages: map('global', 'bool'),
  global_plugin: refuse('global', 'string', `plugins are ${NOT_YET}`),
  log_dest: map('global', 'raw'),
  log_facility: warn('global', 'int', 'ignored: Midge logs to standard error (journald under systemd)'),
  log_timestamp: warn('global', 'bool', 'ignored: Midge always writes ISO 8601 timestamps'),
  log_timestamp_format: warn('global', 'string', 'ignored: Midge always writes ISO 8601 timestamps'),
  log_type: map('global', 'raw'),
  max_inflight_bytes: map('global', 'int'),
  max_inflight_messages: map('global', 'int'),
  max_keepalive: map('global', 'int'),
  max_packet_size: map('global', 'int'),
  max_queued_bytes: map('global', 'int'),
  max_queued_messages: map('global', 'int'),
  memory_limit: warn('global', 'int', 'ignored: limit the process with systemd MemoryMax= instead', nonZero),
  message_size_limit: map('global', 'int'),
  password_file: map('security', 'string'),
  per_listener_settings: map('global', 'bool'),
  persistence: map('global', 'bool'),
  persistence_file: map('global', 'string'),
  persistence_location: map('global', 'string'),
  persistent_client_expiration: map('global', 'duration'),
  pid_file: map('global', 'string'),
  plugin: refuse('security', 'string', `plugins are ${NOT_YET}`),
  psk_file: refuse('security', 'string', `TLS-PSK is ${NOT_YET}`),
  queue_qos0_messages: map('global', 'bool'),
  retain_available: map('global', 'bool'),
  retry_interval: warn('global', 'int', 'ignored (no effect since mosquitto 1.6 either)'),
  set_tcp_nodelay: warn('global', 'bool', 'ignored: Midge always sets TCP_NODELAY', (v) => v === false),
  store_clean_interval: warn('global', 'int', 'ignored (no effect since mosquitto 1.6 either)'),
  sys_interval: map('global', 'int'),
  upgrade_outgoing_qos: map('global', 'bool'),
  user: warn('global', 'string', 'ignored: Midge does not change user; set User= in the systemd unit (or procd) instead'),
  websockets_headers_size: warn('global', 'int', 'ignored'),
  websockets_log_level: warn('global', 'int', 'ignored'),
  // Listeners
  bind_address: map('listener', 'string'),
  bind_interface: refuse('listener', 'string', `binding to a network interface is ${NOT_YET}; use \`listener PORT ADDRESS\` with the interface's address`),
  http_dir: warn('listener', 'string', 'ignored: Midge serves no HTTP files on WebSockets listeners'),
  listener: map('listener', 'raw'),
  max_connections: map('listener', 'int'),
  max_qos: map('listener', 'int'),
  maximum_qos: map('listener', 'int'),
  max_topic_alias: map('listener', 'int'),
  mount_point: map('listener', 'string'),
  port: map('listener', 'int'),
  protocol: map('listener', 'string'),
  socket_domain: map('listener', 'string'),
  use_username_as_clientid: refuse('listener', 'bool', `use_username_as_clientid is ${NOT_YET}`, isTrue),
  // TLS (per listener)
  cafile: map('listener', 'string'),
  capath: refuse('listener', 'string', `a CA directory is ${NOT_YET}; concatenate the certificates into one cafile`),
  certfile: map('listener', 'string'),
  ciphers: map('listener', 'string'),
  'ciphers_tls1.3': refuse('listener', 'string', `restricting TLS 1.3 cipher suites is ${NOT_YET}`),
  crlfile: map('listener', 'string'),
  dhparamfile: warn('listener', 'string', 'ignored: Midge offers ECDHE key exchange, which needs no DH parameters'),
  keyfile: map('listener', 'string'),
  psk_hint: refuse('listener', 'string', `TLS-PSK is ${NOT_YET}`),
  require_certificate: map('listener', 'bool'),
  tls_engine: refuse('listener', 'string', `OpenSSL engines are ${NOT_YET}`),
  tls_engine_kpass_sha1: refuse('listener', 'string', `OpenSSL engines are ${NOT_YET}`),
  tls_keyform: refuse('listener', 'string', `OpenSSL engines are ${NOT_YET}`, (v) => v !== 'pem'),
  tls_version: map('listener', 'string'),
  use_identity_as_username: map('listener', 'bool'),
  use_subject_as_username: map('listener', 'bool'),
};

/** Options that only exist inside a bridge (`connection NAME`) block. */
const BRIDGE_OPTIONS = new Set([
  'connection', 'address', 'addresses', 'topic', 'cleansession', 'local_cleansession', 'keepalive_interval', 'idle_timeout',
  'local_clientid', 'local_password', 'local_username', 'notifications', 'notifications_local_only', 'notification_topic',
  'remote_clientid', 'remote_password', 'remote_username', 'restart_timeout', 'round_robin', 'start_type', 'threshold',
  'try_private', 'clientid', 'username', 'password',
]);

export function isBridgeOption(name: string): boolean {
  return BRIDGE_OPTIONS.has(name) || name.startsWith('bridge_');
}

/** `auth_opt_*`, `plugin_opt_*`, `global_plugin_opt_*`: options for plugins, which Midge cannot load. */
export function isPluginOption(name: string): boolean {
  return /^(auth_opt|plugin_opt|global_plugin_opt)_/.test(name);
}

/** Seconds per unit of mosquitto's duration syntax (`persistent_client_expiration 14d`). */
const DURATION_UNITS: Record<string, number> = { h: 3600, d: 86400, w: 7 * 86400, m: 30 * 86400, y: 365 * 86400 };

/** Parses the value of `d` as `type`; a `ConfigError` at the line when it is missing or malformed. */
export function parseValue(d: Directive, type: ValueType, extraText: (d: Directive) => void): unknown {
  const fail = (message: string): never => {
    throw new ConfigError(message, { file: d.file, line: d.line, key: d.name });
  };
  if (d.args.length === 0) return fail(`missing value${type === 'bool' ? ': expected true or false' : ''}`);
  if (type === 'string' || type === 'raw') return type === 'string' ? d.rest : d.args;
  const word = d.args[0];
  if (d.args.length > 1) extraText(d);
  switch (type) {
    case 'bool':
      if (word === 'true' || word === 'false') return word === 'true';
      return fail(`expected true or false, got '${word}'`);
    case 'int':
      if (!/^-?\d+$/.test(word) || !Number.isSafeInteger(Number(word))) return fail(`expected an integer, got '${word}'`);
      return Number(word);
    case 'duration': {
      const m = /^(\d+)([hdwmy])$/.exec(word);
      if (!m) return fail(`expected a duration: a number followed by h, d, w, m or y (hours ... years), e.g. 14d; got '${word}'`);
      return Number(m[1]) * DURATION_UNITS[m[2]];
    }
  }
}

/** Other spellings mosquitto accepts for one option (its conf.c): stored under the canonical name. */
const ALIASES: Readonly<Record<string, string>> = { maximum_qos: 'max_qos' };

export const canonicalName = (name: string): string => (Object.hasOwn(ALIASES, name) ? ALIASES[name]! : name);
