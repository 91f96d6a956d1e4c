/**
 * Validates plain data (parsed YAML, or an object built in code) against
 * `configSchema`, fills defaults and returns a deep-frozen `MidgeConfig`.
 * The first problem, in document order, is thrown as a `ConfigError` naming
 * the key path and what would have been accepted; `source.lineOf` (supplied
 * by the YAML loader) adds the line number.
 */
import { ConfigError } from '../errors.js';
import { configSchema, describeExpected, isLoopbackHost, isValidHost, parseHostPort, schemaKeyPaths } from './schema.js';
import type { Field, Fields, ListField, ListSpec, SectionSpec } from './schema-spec.js';
import type { MidgeConfig } from './types.js';
import { checkListenerOptions } from './validate-listener.js';
import { checkBridges } from './validate-bridge.js';
import { checkMetricsOptions } from './validate-metrics.js';
import { checkSerial } from './validate-serial.js';
import { checkDeviceSections } from './validate-gpio.js';

export type KeyPath = ReadonlyArray<string | number>;

export interface ConfigSource {
  /** File name used in error messages. */
  file?: string;
  /** Line (1-based) of the key or list item at `path`, or of its nearest existing ancestor. */
  lineOf?: (path: KeyPath) => number | undefined;
}

type Plain = Record<string, unknown>;

/** `['listeners', 0, 'port']` → `listeners[0].port`. */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

export function validateConfig(input: unknown, source: ConfigSource = {}): MidgeConfig {
  const fail = (message: string, path: KeyPath, linePath: KeyPath = path): never => {
    const key = formatKeyPath(path);
    throw new ConfigError(message, { file: source.file, key: key || undefined, line: source.lineOf?.(linePath) });
  };

  const root = input ?? {};
  if (!isPlainObject(root)) {
    const hint =
      typeof root === 'string' ? ' (this looks like a mosquitto.conf; Midge reads YAML, see midge.example.yaml)' : '';
    fail(`expected a mapping with keys ${Object.keys(configSchema).join(', ')}, got ${describeValue(root)}${hint}`, []);
  }
  const out: Plain = {};
  const sections: Readonly<Record<string, SectionSpec | ListSpec>> = configSchema;
  for (const [name, value] of Object.entries(root as Plain)) {
    const spec = Object.hasOwn(sections, name) ? sections[name] : undefined;
    if (!spec) fail(unknownKeyMessage(name, Object.keys(sections)), [name]);
    else out[name] = spec.kind === 'list' ? validateList(spec, value, [name], fail) : validateSection(spec.fields, value ?? {}, [name], fail);
  }
  for (const [name, spec] of Object.entries(sections)) {
    if (name in out) continue;
    out[name] = spec.kind === 'list' ? spec.default.map((item) => ({ ...item })) : validateSection(spec.fields, {}, [name], fail);
  }
  const config = out as unknown as MidgeConfig;
  checkListeners(config, fail);
  const dbFile = config.persistence.file;
  if (/[/\\]/.test(dbFile) || dbFile === '.' || dbFile === '..') {
    fail(`expected a file name without a directory (the directory is persistence.path), got ${describeValue(dbFile)}`, ['persistence', 'file']);
  }
  checkBridges(config, fail);
  checkMetricsOptions(config, (message, key) => fail(message, ['metrics', key]));
  checkSerial(config, fail);
  checkDeviceSections(config, fail);
  return deepFreeze(config);
}

type Fail = (message: string, path: KeyPath, linePath?: KeyPath) => never;

function validateList(spec: ListSpec, value: unknown, path: KeyPath, fail: Fail): Plain[] {
  if (value === undefined) return spec.default.map((item) => ({ ...item }));
  if (!Array.isArray(value)) return fail(`expected a list of mappings, got ${describeValue(value)}`, path);
  if (value.length < spec.minItems) fail(`expected at least ${spec.minItems} entry, got an empty list`, path);
  return value.map((item, i) => {
    if (!isPlainObject(item)) return fail(`expected a mapping, got ${describeValue(item)}`, [...path, i]);
    return validateSection(spec.item, item, [...path, i], fail);
  });
}

function validateSection(specs: Fields, value: unknown, path: KeyPath, fail: Fail): Plain {
  if (!isPlainObject(value)) return fail(`expected a mapping, got ${describeValue(value)}`, path);
  const out: Plain = {};
  for (const [name, v] of Object.entries(value)) {
    if (v === undefined) continue; // only from code, never from YAML: same as absent
    const field = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (!field) return fail(unknownKeyMessage(name, Object.keys(specs)), [...path, name]);
    if (field.type === 'list') {
      out[name] = validateNestedList(field, v, [...path, name], fail);
      continue;
    }
    const problem = checkField(field, v);
    if (problem !== undefined) fail(problem, [...path, name]);
    out[name] = Array.isArray(v) ? [...(v as unknown[])] : v;
  }
  for (const [name, field] of Object.entries(specs)) {
    if (name in out) continue;
    out[name] = Array.isArray(field.default) ? (field.default as Plain[]).map((d) => (typeof d === 'object' ? { ...d } : d)) : field.default;
  }
  return out;
}

function validateNestedList(field: ListField, value: unknown, path: KeyPath, fail: Fail): Plain[] {
  if (!Array.isArray(value)) return fail(`expected ${describeExpected(field)}, got ${describeValue(value)}`, path);
  if (value.length < field.minItems) fail(`expected ${describeExpected(field)}, got ${value.length}`, path);
  return value.map((item, i) => {
    if (!isPlainObject(item)) return fail(`expected a mapping, got ${describeValue(item)}`, [...path, i]);
    return validateSection(field.item, item, [...path, i], fail);
  });
}

/** Undefined when `v` is acceptable for `field`, otherwise the error message. */
export function checkField(field: Field, v: unknown): string | undefined {
  let ok: boolean;
  switch (field.type) {
    case 'integer':
      ok = typeof v === 'number' && Number.isSafeInteger(v) && ((v >= field.min && v <= field.max) || !!field.also?.includes(v));
      break;
    case 'boolean':
      ok = typeof v === 'boolean';
      break;
    case 'enum':
      ok = (field.values as readonly unknown[]).includes(v);
      break;
    case 'string':
      ok = typeof v === 'string' && v.length >= field.minLength && v.length <= field.maxLength && checkFormat(field.format, v);
      break;
    case 'strings':
      if (!Array.isArray(v)) {
        ok = false;
        break;
      }
      for (const [i, item] of v.entries()) {
        if (typeof item !== 'string' || item.length === 0 || item.length > field.maxLength) {
          return `item ${i + 1}: expected a non-empty string of at most ${field.maxLength} characters, got ${describeValue(item)}`;
        }
      }
      if (v.length < field.minItems) return `expected ${describeExpected(field)}, got ${v.length}`;
      return undefined;
    case 'list':
      ok = Array.isArray(v) && v.length >= field.minItems && v.every(isPlainObject);
      break;
  }
  if (ok) return undefined;
  let hint = '';
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) && field.type !== 'string') {
    hint = ' (a quoted string: remove the quotes)';
  } else if (field.type === 'string' && field.format === undefined && typeof v === 'number') {
    hint = " (YAML read a number: put the value in quotes, e.g. '0043')";
  } else if (field.type === 'boolean' && typeof v === 'string' && /^(yes|no|on|off|y|n)$/i.test(v)) {
    hint = ' (YAML 1.2: write true or false)';
  } else if (field.type === 'string' && field.format === 'host' && typeof v === 'string' && /:\d+$/.test(v) && !v.includes('::')) {
    hint = ' (put the port in `port:`, not in `host:`)';
  }
  return `expected ${describeExpected(field)}, got ${describeValue(v)}${hint}`;
}

function checkFormat(format: 'host' | 'host-port' | undefined, v: string): boolean {
  if (format === 'host') return isValidHost(v);
  if (format === 'host-port') return parseHostPort(v) !== undefined;
  return true;
}

function checkListeners(config: MidgeConfig, fail: Fail): void {
  const seen = new Map<string, number>();
  config.listeners.forEach((l, i) => {
    checkListenerOptions(l, (message, key) => fail(message, ['listeners', i, key]));
    if (l.socket_path !== undefined) {
      const id = `unix:${l.socket_path}`;
      const first = seen.get(id);
      if (first !== undefined) fail(`duplicate listener ${id} (same as listeners[${first}])`, ['listeners', i, 'socket_path']);
      seen.set(id, i);
      return; // host, port and the network allow_anonymous rule do not apply to a Unix socket
    }
    // with a password file, unset means false (anonymous clients refused): secure without saying so
    if (l.allow_anonymous === undefined && !isLoopbackHost(l.host) && config.auth.password_file === undefined) {
      fail(
        `listener on ${l.host}:${l.port} is reachable from the network, so allow_anonymous must be set explicitly: ` +
          'add `allow_anonymous: true` to this listener to accept clients without a username, ' +
          'or configure authentication with auth.password_file (then unset means false)',
        ['listeners', i],
        ['listeners', i, 'host'],
      );
    }
    if (l.port === 0) return;
    const id = `${l.host}:${l.port}`;
    const first = seen.get(id);
    if (first !== undefined) fail(`duplicate listener ${id} (same as listeners[${first}])`, ['listeners', i], ['listeners', i, 'port']);
    seen.set(id, i);
  });
}

/** mosquitto.conf names people will carry over, mapped to ours. */
const MOSQUITTO_NAMES: Record<string, string> = {
  bind_address: 'listeners[].host',
  persistence_location: 'persistence.path',
  persistence_file: 'persistence.file',
  log_type: 'log.level',
  sys_interval: 'sys.interval',
};

function unknownKeyMessage(name: string, siblings: string[]): string {
  const mosq = Object.hasOwn(MOSQUITTO_NAMES, name) ? MOSQUITTO_NAMES[name] : undefined;
  if (mosq && !siblings.includes(name)) return `unknown key; the mosquitto option '${name}' is ${mosq} in Midge`;
  const near = closest(name, siblings);
  if (near) return `unknown key; did you mean '${near}'?`;
  const elsewhere = closest(name, schemaKeyPaths().map((p) => p.slice(p.lastIndexOf('.') + 1)));
  if (elsewhere) {
    const full = schemaKeyPaths().find((p) => p.endsWith(`.${elsewhere}`));
    return `unknown key here; did you mean ${full}?`;
  }
  return `unknown key (accepted: ${siblings.join(', ')})`;
}

function closest(name: string, candidates: string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/-/g, '_');
  let best: string | undefined;
  let bestDist = Math.max(1, Math.floor(name.length / 4)) + 1;
  for (const c of candidates) {
    const d = norm(c) === norm(name) ? 0 : editDistance(norm(name), norm(c));
    if (d < bestDist) [best, bestDist] = [c, d];
  }
  if (best || name.length < 4) return best;
  // `max_inflight` → `max_inflight_messages`: a unique candidate containing the name.
  const containing = candidates.filter((c) => norm(c).includes(norm(name)));
  return containing.length === 1 ? containing[0] : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'an empty value';
  if (typeof v === 'string') return `'${v.length > 60 ? `${v.slice(0, 57)}...` : v}'`;
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

/** A YAML mapping (not a list, Map or Date). */
export function isPlainObject(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Date);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
