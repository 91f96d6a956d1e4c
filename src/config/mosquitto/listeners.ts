/**
 * mosquitto listener blocks → Midge `listeners[]` entries, with mosquitto
 * 2.0's defaults: no listener at all means "local only mode" (localhost:1883,
 * anonymous allowed); a configured listener without an address binds every
 * interface, and refuses anonymous clients unless `allow_anonymous true`.
 */
import { isIP } from 'node:net';
import { ConfigError } from '../../errors.js';
import { configSchema } from '../schema.js';
import type { Field } from '../schema-spec.js';
import type { ConfigWarning, Directive } from './parse.js';

export interface Setting {
  readonly value: unknown;
  readonly d: Directive;
}

export interface ListenerDraft {
  /** `listener PORT ADDRESS` (explicit listeners only; the default listener takes `port` / `bind_address`). */
  port?: number;
  address?: string;
  /** The `listener` line. */
  d?: Directive;
  readonly opts: Map<string, Setting>;
  readonly isDefault: boolean;
  /** The default listener exists only once something configures it. */
  used: boolean;
}

export interface ListenerContext {
  readonly localOnly: boolean;
  readonly perListener: boolean;
  readonly globals: ReadonlyMap<string, Setting[]>;
  readonly ipv6: boolean;
  readonly origins: Map<string, Directive>;
  readonly warnings: ConfigWarning[];
}

type Plain = Record<string, unknown>;

const LISTENER_FIELDS = configSchema.listeners.item as unknown as Record<string, Field>;

/** Whether Midge's listener schema has `name` (TLS and Unix socket keys arrive with the listeners work). */
export function listenerHas(name: string): boolean {
  return Object.hasOwn(LISTENER_FIELDS, name);
}

/** Listener options copied as they are, when Midge has a key of the same name. */
const SAME_NAME = ['cafile', 'certfile', 'keyfile', 'crlfile', 'ciphers', 'require_certificate', 'use_identity_as_username', 'use_subject_as_username', 'tls_version', 'mount_point'];

export function buildListeners(drafts: readonly ListenerDraft[], ctx: ListenerContext): Plain[] {
  const globalAnon = ctx.globals.get('allow_anonymous')?.[0];
  if (ctx.localOnly) {
    // mosquitto 2.0 "local only mode": 1883 on the loopback addresses, anonymous clients allowed. An explicit
    // `allow_anonymous false` is honoured here (mosquitto 2.0 overrides it; refusing is the safer reading).
    const hosts = ctx.ipv6 ? ['127.0.0.1', '::1'] : ['127.0.0.1'];
    return hosts.map((host, i) => {
      if (globalAnon) ctx.origins.set(`listeners[${i}].allow_anonymous`, globalAnon.d);
      return { host, port: 1883, allow_anonymous: globalAnon ? globalAnon.value : true };
    });
  }
  return drafts.map((l, i) => buildOne(l, i, ctx));
}

function buildOne(l: ListenerDraft, i: number, ctx: ListenerContext): Plain {
  const key = `listeners[${i}]`;
  const out: Plain = {};
  const opt = (name: string): Setting | undefined => l.opts.get(name);
  const set = (field: string, value: unknown, d: Directive | undefined): void => {
    out[field] = value;
    if (d) ctx.origins.set(`${key}.${field}`, d);
  };
  const fail = (d: Directive, message: string): never => {
    throw new ConfigError(message, { file: d.file, line: d.line, key: d.name });
  };

  const portSetting = l.isDefault ? opt('port') : undefined;
  const addrSetting = l.isDefault ? opt('bind_address') : undefined;
  const origin = l.d ?? portSetting?.d ?? addrSetting?.d ?? [...l.opts.values()][0]?.d;
  if (origin) ctx.origins.set(key, origin);
  const port = l.isDefault ? ((portSetting?.value as number | undefined) ?? 1883) : (l.port ?? 1883);
  const address = l.isDefault ? (addrSetting?.value as string | undefined) : l.address;
  const portD = l.isDefault ? portSetting?.d : l.d;

  const domain = opt('socket_domain');
  if (domain && domain.value !== 'ipv4' && domain.value !== 'ipv6') fail(domain.d, `expected ipv4 or ipv6, got '${String(domain.value)}'`);
  if (port === 0 && address !== undefined && isIP(address) === 0) {
    // `listener 0 PATH`: a Unix domain socket, as in mosquitto. (`listener 0 IP` is Midge's extension: a free TCP port.)
    if (!listenerHas('socket_path')) fail(l.d!, 'Unix socket listeners are not supported by Midge yet');
    set('socket_path', address, l.d);
  } else {
    set('host', address ?? wildcard(domain?.value as string | undefined, ctx.ipv6), addrSetting?.d ?? portD);
    set('port', port, portD);
  }

  const anon = ctx.perListener ? opt('allow_anonymous') : ctx.globals.get('allow_anonymous')?.[0];
  // mosquitto 2.0: once a listener is configured, anonymous clients are refused unless allowed explicitly.
  set('allow_anonymous', anon ? anon.value : false, anon?.d);

  const protocol = opt('protocol');
  if (protocol) {
    if (protocol.value !== 'mqtt' && protocol.value !== 'websockets') fail(protocol.d, `expected mqtt or websockets, got '${String(protocol.value)}'`);
    const values = (LISTENER_FIELDS['protocol'] as { values?: readonly unknown[] }).values ?? [];
    if (!values.includes(protocol.value)) fail(protocol.d, `${String(protocol.value)} listeners are not supported by Midge yet`);
    set('protocol', protocol.value, protocol.d);
  }
  const maxConn = opt('max_connections');
  if (maxConn) set('max_connections', (maxConn.value as number) < 0 ? -1 : maxConn.value, maxConn.d);
  const maxPacket = opt('max_packet_size');
  if (maxPacket) set('max_packet_size', maxPacket.value, maxPacket.d);

  for (const name of SAME_NAME) {
    const s = opt(name);
    if (!s) continue;
    if (!listenerHas(name)) fail(s.d, 'TLS listeners are not supported by Midge yet; refusing to start without the encryption you configured');
    set(name, s.value, s.d);
  }
  if (ctx.perListener) {
    for (const name of ['password_file', 'acl_file']) {
      const s = opt(name);
      if (s && listenerHas(name)) set(name, s.value, s.d);
    }
  }
  return out;
}

/** Every interface: `::` takes IPv6 and IPv4 clients (like mosquitto's two sockets); `0.0.0.0` without IPv6. */
function wildcard(domain: string | undefined, ipv6: boolean): string {
  if (domain === 'ipv4' || !ipv6) return '0.0.0.0';
  return '::';
}
