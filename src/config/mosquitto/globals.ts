/**
 * mosquitto's global options (and the per-listener ones Midge only has
 * globally) → the `log`, `mqtt`, `sys`, `persistence` and `auth` sections.
 */
import { ConfigError } from '../../errors.js';
import { configSchema } from '../schema.js';
import type { LogLevel } from '../types.js';
import { listenerHas } from './listeners.js';
import type { ListenerDraft, Setting } from './listeners.js';
import type { ConfigWarning, Directive } from './parse.js';

interface GlobalContext {
  readonly perListener: boolean;
  readonly origins: Map<string, Directive>;
  readonly warnings: ConfigWarning[];
}

type Plain = Record<string, unknown>;

/** mosquitto `log_type` → the Midge level that shows those messages. */
const LOG_TYPES: Record<string, LogLevel> = {
  none: 'fatal', error: 'error', warning: 'warn', notice: 'info', information: 'info',
  subscribe: 'info', unsubscribe: 'info', websockets: 'info', debug: 'debug', all: 'debug',
};
const LEVEL_ORDER: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

export function buildGlobals(globals: ReadonlyMap<string, Setting[]>, drafts: readonly ListenerDraft[], ctx: GlobalContext): Plain {
  const sections: Record<string, Plain> = { log: {}, mqtt: {}, sys: {}, persistence: {} };
  const g = (name: string): Setting | undefined => globals.get(name)?.[0];
  const set = (section: string, field: string, value: unknown, d: Directive | undefined): void => {
    (sections[section] ??= {})[field] = value;
    if (d) ctx.origins.set(`${section}.${field}`, d);
  };
  const warn = (d: Directive, message: string): void => void ctx.warnings.push({ file: d.file, line: d.line, option: d.name, message });
  const fail = (d: Directive, message: string): never => {
    throw new ConfigError(message, { file: d.file, line: d.line, key: d.name });
  };

  const direct: Array<[string, string, string]> = [
    ['max_queued_messages', 'mqtt', 'max_queued_messages'],
    ['max_queued_bytes', 'mqtt', 'max_queued_bytes'],
    ['max_keepalive', 'mqtt', 'max_keepalive'],
    ['max_packet_size', 'mqtt', 'max_packet_size'],
    ['retain_available', 'mqtt', 'retain_available'],
    ['queue_qos0_messages', 'mqtt', 'queue_qos0_messages'],
    ['upgrade_outgoing_qos', 'mqtt', 'upgrade_outgoing_qos'],
    ['check_retain_source', 'mqtt', 'check_retain_source'],
    ['max_inflight_bytes', 'mqtt', 'max_inflight_bytes'],
    ['persistent_client_expiration', 'mqtt', 'persistent_client_expiration'],
    ['sys_interval', 'sys', 'interval'],
  ];
  for (const [name, section, field] of direct) {
    const s = g(name);
    if (s) set(section, field, s.value, s.d);
  }
  const inflight = g('max_inflight_messages');
  if (inflight) set('mqtt', 'max_inflight_messages', inflight.value === 0 ? 65535 : inflight.value, inflight.d); // 0 = unlimited in mosquitto

  const sizeLimit = g('message_size_limit');
  if (sizeLimit) set('mqtt', 'max_payload_size', sizeLimit.value, sizeLimit.d);

  // mosquitto sends no Reason String (Midge's are a YAML default): the same bytes as mosquitto
  set('mqtt', 'reason_strings', false, undefined);

  // mosquitto's persistence defaults: off, database in the working directory.
  const persistence = g('persistence');
  set('persistence', 'enabled', persistence ? persistence.value : false, persistence?.d);
  const location = g('persistence_location');
  set('persistence', 'path', location ? location.value : '.', location?.d);
  const pid = g('pid_file');
  if (pid) set('process', 'pid_file', pid.value, pid.d);
  const file = g('persistence_file');
  if (file) set('persistence', 'file', file.value, file.d);

  // Per-listener in mosquitto, one value in Midge.
  const maxQos = lowest('max_qos', drafts, warn);
  if (maxQos) set('mqtt', 'max_qos', maxQos.value, maxQos.d);
  const aliases = lowest('max_topic_alias', drafts, warn);
  if (aliases) set('mqtt', 'topic_alias_maximum', aliases.value, aliases.d);
  const zeroLength = unified('allow_zero_length_clientid', globals, drafts, ctx.perListener, fail);
  if (zeroLength) set('mqtt', 'allow_zero_length_clientid', zeroLength.value, zeroLength.d);
  const prefix = unified('auto_id_prefix', globals, drafts, ctx.perListener, (d, m) => void warn(d, `${m}; using the first one`));
  if (prefix) set('mqtt', 'auto_id_prefix', prefix.value, prefix.d);

  const auth = (configSchema as unknown as Record<string, { kind: string; fields?: Record<string, unknown> }>)['auth'];
  for (const name of ['password_file', 'acl_file']) {
    if (ctx.perListener && listenerHas(name)) continue; // mapped per listener
    const s = unified(name, globals, drafts, ctx.perListener, fail);
    if (!s) continue;
    if (auth?.kind !== 'section' || !auth.fields || !Object.hasOwn(auth.fields, name)) {
      fail(s.d, `${name === 'password_file' ? 'password files' : 'ACL files'} are not supported by Midge yet; refusing to start without the access control you configured`);
    }
    set('auth', name, s.value, s.d);
  }

  buildLog(globals, set, warn, fail);
  return sections;
}

/** A listener option Midge applies globally: the lowest value (most restrictive), with a warning when listeners differ. */
function lowest(name: string, drafts: readonly ListenerDraft[], warn: (d: Directive, m: string) => void): Setting | undefined {
  const settings = drafts.map((l) => l.opts.get(name));
  const present = settings.filter((s): s is Setting => s !== undefined);
  if (present.length === 0) return undefined;
  const min = present.reduce((a, b) => ((b.value as number) < (a.value as number) ? b : a));
  if (present.length < settings.length || present.some((s) => s.value !== min.value)) {
    warn(min.d, `Midge has one value for all listeners: ${String(min.value)} applies to every listener`);
  }
  return min;
}

/** A security option: global, or (per_listener_settings true) the same on every listener. */
function unified(
  name: string,
  globals: ReadonlyMap<string, Setting[]>,
  drafts: readonly ListenerDraft[],
  perListener: boolean,
  differ: (d: Directive, message: string) => void,
): Setting | undefined {
  if (!perListener) return globals.get(name)?.[0];
  const settings = drafts.map((l) => l.opts.get(name));
  const first = settings.find((s) => s !== undefined);
  if (first && settings.some((s) => s?.value !== first.value)) {
    differ(first.d, `per_listener_settings: Midge has one ${name} for all listeners, but the listeners set different values (or some none)`);
  }
  return first;
}

function buildLog(
  globals: ReadonlyMap<string, Setting[]>,
  set: (section: string, field: string, value: unknown, d: Directive | undefined) => void,
  warn: (d: Directive, message: string) => void,
  fail: (d: Directive, message: string) => never,
): void {
  let level: LogLevel | undefined;
  let levelD: Directive | undefined;
  for (const s of globals.get('log_type') ?? []) {
    for (const type of s.value as string[]) {
      if (type.startsWith('#')) break;
      const mapped = Object.hasOwn(LOG_TYPES, type) ? LOG_TYPES[type] : undefined;
      if (!mapped) fail(s.d, `expected one of ${Object.keys(LOG_TYPES).join(', ')}, got '${type}'`);
      if (type === 'subscribe' || type === 'unsubscribe') warn(s.d, `Midge logs ${type} events at debug level; use log_type debug to see them`);
      if (level === undefined || LEVEL_ORDER.indexOf(mapped!) > LEVEL_ORDER.indexOf(level)) [level, levelD] = [mapped, s.d];
    }
  }
  let logFile: string | undefined;
  let logFileD: Directive | undefined;
  for (const s of globals.get('log_dest') ?? []) {
    const [dest, arg] = s.value as string[];
    switch (dest) {
      case 'stderr':
        break;
      case 'none':
        if (level === undefined) [level, levelD] = ['fatal', s.d];
        warn(s.d, 'Midge cannot turn logging off: only fatal errors are logged (to standard error)');
        break;
      case 'stdout':
      case 'syslog':
      case 'topic':
      case 'dlt':
        warn(s.d, `ignored: Midge logs to standard error (journald under systemd), not to ${dest}`);
        break;
      case 'file': {
        if (!arg) fail(s.d, 'log_dest file needs a file name');
        const path = (s.value as string[]).slice(1).join(' '); // a path runs to the end of the line
        if (logFile === undefined) [logFile, logFileD] = [path, s.d];
        else warn(s.d, `ignored: Midge logs to one file (${logFile})`);
        break;
      }
      default:
        fail(s.d, `expected one of stderr, stdout, syslog, topic, file, dlt, none; got '${dest}'`);
    }
  }
  if (level !== undefined) set('log', 'level', level, levelD);
  if (logFile !== undefined) set('log', 'file', logFile, logFileD);
  const conn = globals.get('connection_messages')?.[0];
  if (conn?.value === true && level !== 'debug') {
    warn(conn.d, 'Midge logs client connects and disconnects at debug level; use log_type debug to see them');
  }
}
