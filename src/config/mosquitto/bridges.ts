/**
 * mosquitto bridge blocks (`connection NAME` and the options after it) →
 * Midge `bridges[]` entries (type generic). Same meaning as mosquitto.conf(5)
 * where Midge has the option; options Midge does not have are refused when
 * they change what is sent, and warned about when ignoring them is safe.
 */
import { ConfigError } from '../../errors.js';
import type { ConfigWarning, Directive } from './parse.js';

export interface BridgeDraft {
  readonly d: Directive;
  readonly lines: Directive[];
}

type Plain = Record<string, unknown>;

/** mosquitto option → Midge key and how to read the value. */
const MAP: Record<string, [key: string, kind: 'string' | 'bool' | 'int' | 'addresses' | 'list']> = {
  address: ['addresses', 'addresses'],
  addresses: ['addresses', 'addresses'],
  topic: ['topics', 'list'],
  bridge_protocol_version: ['protocol_version', 'string'],
  remote_clientid: ['client_id', 'string'],
  clientid: ['client_id', 'string'],
  remote_username: ['username', 'string'],
  username: ['username', 'string'],
  remote_password: ['password', 'string'],
  password: ['password', 'string'],
  cleansession: ['clean_session', 'bool'],
  keepalive_interval: ['keepalive', 'int'],
  restart_timeout: ['restart_timeout', 'string'],
  start_type: ['start_type', 'string'],
  threshold: ['threshold', 'int'],
  idle_timeout: ['idle_timeout', 'int'],
  notifications: ['notifications', 'bool'],
  notification_topic: ['notification_topic', 'string'],
  bridge_cafile: ['cafile', 'string'],
  bridge_certfile: ['certfile', 'string'],
  bridge_keyfile: ['keyfile', 'string'],
  bridge_insecure: ['tls_insecure', 'bool'],
  bridge_alpn: ['alpn', 'list'],
};

/** Safe to ignore: Midge behaves as mosquitto's default, or the option only tunes the local side. */
const IGNORED: Record<string, string> = {
  try_private: 'ignored: Midge prevents loops itself (messages a bridge received are never sent back out by it)',
  notifications_local_only: 'Midge publishes bridge notifications locally only anyway',
  local_clientid: 'ignored: Midge bridges are internal, not local MQTT clients',
  local_username: 'ignored: Midge bridges are internal, not local MQTT clients',
  local_password: 'ignored: Midge bridges are internal, not local MQTT clients',
  local_cleansession: 'ignored: the local side of a Midge bridge is its durable queue',
  round_robin: 'ignored: Midge goes back to the first address after a connection that was up (round_robin false)',
  bridge_attempt_unsubscribe: 'ignored',
  bridge_tls_version: 'ignored: Node negotiates TLS 1.2 or 1.3',
  bridge_outgoing_retain: 'ignored: the retain flag is sent as published',
  bridge_max_packet_size: 'ignored',
};

const REFUSED: Record<string, string> = {
  bridge_capath: 'a CA directory is not supported; concatenate the certificates into one bridge_cafile',
  bridge_identity: 'TLS-PSK bridges are not supported',
  bridge_psk: 'TLS-PSK bridges are not supported',
  bridge_bind_address: 'bridge_bind_address is not supported',
};

/** mosquitto's address syntax, with its default port 1883 made explicit (whatever the TLS settings). */
function withPort(a: string): string {
  if (a.startsWith('[')) return /\]:\d+$/.test(a) ? a : `${a}:1883`;
  const colons = a.split(':').length - 1;
  if (colons === 0) return `${a}:1883`;
  if (colons === 1) return a;
  return `[${a}]:1883`; // a bare IPv6 address
}

export function buildBridges(drafts: readonly BridgeDraft[], origins: Map<string, Directive>, warnings: ConfigWarning[]): Plain[] {
  return drafts.map((draft, i) => {
    const out: Plain = { name: draft.d.args[0], type: 'generic' };
    origins.set(`bridges[${i}]`, draft.d);
    origins.set(`bridges[${i}].name`, draft.d);
    for (const d of draft.lines) {
      const fail = (message: string): never => {
        throw new ConfigError(message, { file: d.file, line: d.line, key: d.name });
      };
      if (Object.hasOwn(REFUSED, d.name)) fail(REFUSED[d.name]!);
      if (Object.hasOwn(IGNORED, d.name)) {
        warnings.push({ file: d.file, line: d.line, option: d.name, message: IGNORED[d.name]! });
        continue;
      }
      const spec = Object.hasOwn(MAP, d.name) ? MAP[d.name] : undefined;
      if (!spec) return fail(`bridge option not supported by Midge (see docs/bridge.md, "Differences from a mosquitto bridge")`);
      const [key, kind] = spec;
      if (d.args.length === 0) fail('missing value');
      origins.set(`bridges[${i}].${key}`, d);
      switch (kind) {
        case 'string':
          out[key] = d.rest;
          break;
        case 'bool':
          if (d.args[0] !== 'true' && d.args[0] !== 'false') fail(`expected true or false, got '${d.args[0]}'`);
          out[key] = d.args[0] === 'true';
          break;
        case 'int':
          if (!/^\d+$/.test(d.args[0]!)) fail(`expected a whole number, got '${d.args[0]}'`);
          out[key] = Number(d.args[0]);
          break;
        case 'addresses':
          // mosquitto's default port is 1883 whatever the TLS settings
          out[key] = [...((out[key] as string[] | undefined) ?? []), ...d.args.map(withPort)];
          break;
        case 'list':
          out[key] = [...((out[key] as string[] | undefined) ?? []), d.rest];
          break;
      }
    }
    if (out['start_type'] === 'once') {
      const d = draft.lines.find((l) => l.name === 'start_type')!;
      throw new ConfigError('start_type once is not supported; use automatic or lazy', { file: d.file, line: d.line, key: d.name });
    }
    return out;
  });
}
