/**
 * mosquitto.conf directives → the plain object the YAML path validates.
 * Follows mosquitto 2.0's reading of the file: `listener PORT [ADDRESS]`
 * opens a block and listener options apply to the most recent one; listener
 * options before any `listener`, and `port` / `bind_address` anywhere, belong
 * to the "default listener"; authentication options are global unless
 * `per_listener_settings true` (read from the whole file, wherever it is).
 * The result goes through `validateConfig`, whose errors are re-pointed at
 * the mosquitto line that produced the offending value.
 */
import { networkInterfaces } from 'node:os';
import { ConfigError } from '../../errors.js';
import { validateConfig } from '../validate.js';
import type { MidgeConfig } from '../types.js';
import { buildListeners, type ListenerDraft, type Setting } from './listeners.js';
import { canonicalName, isBridgeOption, isPluginOption, OPTIONS, parseValue } from './options.js';
import type { ConfigWarning, Directive } from './parse.js';
import { buildGlobals } from './globals.js';
import { buildBridges, type BridgeDraft } from './bridges.js';

export interface MapOptions {
  /** Whether `listener PORT` without an address may bind `::` (both IPv6 and IPv4); probed when absent. */
  ipv6?: boolean;
}

export interface MappedConfig {
  config: MidgeConfig;
  warnings: ConfigWarning[];
}

/** Where each Midge key path (`mqtt.max_qos`, `listeners[1].port`, `listeners[1]`) came from. */
export type Origins = Map<string, Directive>;

export function mapDirectives(directives: readonly Directive[], opts: MapOptions, warnings: ConfigWarning[]): MappedConfig {
  const firstWarning = warnings.length;
  const perListener = directives.filter((d) => d.name === 'per_listener_settings').map((d) => parseValue(d, 'bool', () => {})).pop() === true;
  const defaultListener: ListenerDraft = { opts: new Map(), isDefault: true, used: false };
  const listeners: ListenerDraft[] = [];
  const globals = new Map<string, Setting[]>();
  let current = defaultListener;
  const bridges: BridgeDraft[] = [];

  const extraText = (d: Directive): void => {
    if (d.args[1].startsWith('#')) return; // a trailing comment, which mosquitto also skips after a number or boolean
    warnings.push({ file: d.file, line: d.line, option: d.name, message: `ignored extra text after the value: '${d.args.slice(1).join(' ')}'` });
  };
  const fail = (d: Directive, message: string): never => {
    throw new ConfigError(message, { file: d.file, line: d.line, key: d.name });
  };

  for (const d of directives) {
    if (d.name === 'connection') {
      if (d.args.length !== 1) fail(d, 'expected one bridge name');
      bridges.push({ d, lines: [] });
      continue;
    }
    if (isBridgeOption(d.name)) {
      const bridge = bridges[bridges.length - 1];
      if (!bridge) fail(d, 'bridge option outside a bridge: put it after a `connection NAME` line');
      bridge!.lines.push(d);
      continue;
    }
    if (isPluginOption(d.name)) fail(d, 'plugins are not supported by Midge yet; refusing to start without them');
    const spec = Object.hasOwn(OPTIONS, d.name) ? OPTIONS[d.name] : undefined;
    if (!spec) return fail(d, `unknown mosquitto option${suggest(d.name)}`);
    const value = parseValue(d, spec.type, extraText);
    if (spec.handling === 'error') {
      if (!spec.when || spec.when(value)) fail(d, spec.why);
      continue;
    }
    if (spec.handling === 'warn') {
      if (!spec.when || spec.when(value)) warnings.push({ file: d.file, line: d.line, option: d.name, message: spec.why });
      continue;
    }
    const setting: Setting = { value, d };
    switch (d.name) {
      case 'per_listener_settings':
        continue;
      case 'listener': {
        const [portText, address, ...extra] = value as string[];
        if (!/^\d+$/.test(portText) || Number(portText) > 65535) fail(d, `expected a port 0..65535, got '${portText}'`);
        if (extra.length > 0 && !extra[0].startsWith('#')) extraText(d);
        current = { port: Number(portText), address: address?.startsWith('#') ? undefined : address, d, opts: new Map(), isDefault: false, used: true };
        listeners.push(current);
        continue;
      }
      case 'port':
      case 'bind_address':
        // Always the default listener, wherever the line is (mosquitto 2.0 deprecates both).
        store(defaultListener.opts, d, setting, fail);
        defaultListener.used = true;
        continue;
      case 'max_packet_size':
        // Inside a `listener` block: that listener's limit (listeners[].max_packet_size); above every listener: global.
        if (!current.isDefault) {
          store(current.opts, d, setting, fail);
          continue;
        }
        break;
      case 'log_dest':
      case 'log_type':
        globals.set(d.name, [...(globals.get(d.name) ?? []), setting]);
        continue;
    }
    if (spec.scope === 'listener' || (spec.scope === 'security' && perListener)) {
      store(current.opts, d, setting, fail);
      // A listener option creates the default listener; an authentication option alone does not (mosquitto 2.0).
      if (current.isDefault && spec.scope === 'listener') current.used = true;
    } else {
      const prev = globals.get(d.name);
      if (prev && spec.type === 'string') fail(d, `duplicate ${d.name} value (first at ${where(prev[0].d)}); mosquitto refuses this too`);
      globals.set(d.name, [setting]);
    }
  }

  if (!defaultListener.used) {
    for (const { d } of defaultListener.opts.values()) {
      warnings.push({
        file: d.file, line: d.line, option: d.name,
        message: 'ignored: with per_listener_settings true this applies to the default listener, which is not started (no port/bind_address); mosquitto ignores it too. Move it below a listener line',
      });
    }
  }
  const origins: Origins = new Map();
  const plain: Record<string, unknown> = {};
  const localOnly = listeners.length === 0 && !defaultListener.used;
  const drafts = defaultListener.used ? [...listeners, defaultListener] : listeners;
  plain['listeners'] = buildListeners(drafts, { localOnly, perListener, globals, ipv6: opts.ipv6 ?? hasIpv6(), origins, warnings });
  Object.assign(plain, buildGlobals(globals, drafts, { perListener, origins, warnings }));
  if (bridges.length > 0) plain['bridges'] = buildBridges(bridges, origins, warnings);
  const config = validateMapped(plain, origins);
  // Warnings in file order, whichever phase found them.
  const position = new Map(directives.map((d, i) => [`${d.file}\n${d.line}`, i]));
  const rank = (w: ConfigWarning): number => position.get(`${w.file}\n${w.line}`) ?? -1;
  warnings.splice(firstWarning, warnings.length - firstWarning, ...warnings.slice(firstWarning).sort((a, b) => rank(a) - rank(b)));
  return { config, warnings };
}

function store(opts: Map<string, Setting>, d: Directive, setting: Setting, fail: (d: Directive, m: string) => never): void {
  const key = canonicalName(d.name);
  const prev = opts.get(key);
  if (prev && typeof setting.value === 'string') fail(d, `duplicate ${d.name} value for this listener (first at ${where(prev.d)}); mosquitto refuses this too`);
  opts.set(key, setting);
}

export function where(d: Directive): string {
  return `${d.file}:line ${d.line}`;
}

/** Runs the shared validation and points its errors at the mosquitto line the offending value came from. */
function validateMapped(plain: Record<string, unknown>, origins: Origins): MidgeConfig {
  try {
    return validateConfig(plain);
  } catch (err) {
    if (!(err instanceof ConfigError) || err.key === undefined) throw err;
    const key = err.key;
    const message = err.message.startsWith(`${key}: `) ? err.message.slice(key.length + 2) : err.message;
    let path = key;
    let d = origins.get(path);
    while (!d && /[.[]/.test(path)) {
      path = path.replace(/(\.[^.[]+|\[\d+\])$/, '');
      d = origins.get(path);
    }
    if (!d) throw new ConfigError(`${message} (Midge key ${key})`);
    throw new ConfigError(`${message} (Midge key ${key})`, { file: d.file, line: d.line, key: d.name });
  }
}

/** True when this machine has any IPv6 address (even just ::1), so listening on `::` works. */
function hasIpv6(): boolean {
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => i.family === 'IPv6'));
}

const KNOWN = Object.keys(OPTIONS);

/** ` (did you mean 'max_inflight_messages'?)` for near misses. */
function suggest(name: string): string {
  let best: string | undefined;
  let bestDist = Math.max(2, Math.floor(name.length / 4)) + 1;
  for (const k of KNOWN) {
    const dist = editDistance(name.toLowerCase(), k);
    if (dist < bestDist) [best, bestDist] = [k, dist];
  }
  return best ? `; did you mean '${best}'?` : '';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
