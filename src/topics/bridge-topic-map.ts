/**
 * Bridge topic rules with mosquitto's `topic` semantics (mosquitto.conf(5),
 * `src/bridge_topic.c`, `send__publish` in `src/send_publish.c`):
 *
 *   topic <pattern> [[[out|in|both] qos] local-prefix remote-prefix]
 *
 * - direction defaults to `out`, QoS to 0; `""` is the empty marker for the
 *   pattern and for either prefix;
 * - a prefix is a topic *name* (no wildcards); `prefix + pattern` must be a
 *   valid filter, so wildcards can only come from the pattern;
 * - an empty pattern needs both prefixes (it maps one topic to one topic);
 * - local filter = local prefix + pattern, remote filter = remote prefix + pattern;
 * - outgoing: a local message matching an out/both rule's local filter is
 *   sent with the local prefix removed and the remote prefix added; incoming
 *   is the mirror image on the remote filter.
 *
 * Deliberate differences from mosquitto (see docs/bridge.md):
 * - `#` matching the parent level (`local/topic` for `local/topic/#`) maps to
 *   the other prefix without its trailing `/` (mosquitto issue #40 would give
 *   `remote/topic/local/topic`);
 * - an incoming topic that matches no in/both rule is dropped (mosquitto
 *   publishes it unchanged), a mapped topic that is not a valid topic name
 *   (empty, too long) is refused;
 * - QoS must be 0, 1 or 2 (mosquitto's atoi accepts `x` as 0) and unknown
 *   trailing tokens are an error (mosquitto ignores them); `#…` at the QoS or
 *   a prefix position starts a comment, as in mosquitto 2.x.
 *
 * Everything here is pure.
 */
import { ERR, BridgeError } from '../errors.js';
import { matchTopic, validatePlainFilter, validateTopicName } from './index.js';
import type { QoS } from './qos.js';

export type BridgeDirection = 'out' | 'in' | 'both';

/** A rule as written by a user; `''` (or `""` in a mosquitto line) is the empty marker. */
export interface TopicRuleSpec {
  pattern: string;
  direction?: BridgeDirection;
  qos?: number;
  localPrefix?: string | null;
  remotePrefix?: string | null;
}

/** A validated rule. Prefixes and the pattern are null when empty. */
export interface TopicRule {
  readonly pattern: string | null;
  readonly direction: BridgeDirection;
  readonly qos: QoS;
  readonly localPrefix: string | null;
  readonly remotePrefix: string | null;
  /** Filter the bridge subscribes to locally (out/both). */
  readonly localFilter: string;
  /** Filter the bridge subscribes to remotely (in/both). */
  readonly remoteFilter: string;
}

export interface Subscription {
  filter: string;
  qos: QoS;
}

export interface OutgoingRoute {
  remoteTopic: string;
  /** Highest QoS among the matching out/both rules (one copy, not one per rule). */
  qos: QoS;
  /** The rule whose prefixes were applied, or the first matching rule. */
  rule: TopicRule;
}

export interface IncomingRoute {
  localTopic: string;
  rule: TopicRule;
}

const EMPTY_MARKER = '""';
const DIRECTIONS: readonly BridgeDirection[] = ['out', 'in', 'both'];

const emptyToNull = (s: string | null | undefined): string | null =>
  s === undefined || s === null || s === '' || s === EMPTY_MARKER ? null : s;

/** Why a rule spec is invalid, or null when it is valid. */
export function validateTopicRule(spec: TopicRuleSpec): string | null {
  const pattern = emptyToNull(spec.pattern);
  const local = emptyToNull(spec.localPrefix);
  const remote = emptyToNull(spec.remotePrefix);
  const direction = spec.direction ?? 'out';
  const qos = spec.qos ?? 0;
  if (!DIRECTIONS.includes(direction)) return `invalid direction '${String(direction)}' (expected out, in or both)`;
  if (!Number.isInteger(qos) || qos < 0 || qos > 2) return `invalid QoS '${String(qos)}' (expected 0, 1 or 2)`;
  for (const [name, prefix] of [['local', local], ['remote', remote]] as const) {
    if (prefix === null) continue;
    const why = validateTopicName(prefix);
    if (why) return `invalid ${name} prefix '${prefix}': ${why.replace(/^topic name/, 'a prefix')}`;
  }
  if (pattern === null) {
    if (local === null || remote === null) return 'an empty pattern ("") needs both a local and a remote prefix';
    return null;
  }
  for (const [name, prefix] of [['local', local], ['remote', remote]] as const) {
    const filter = (prefix ?? '') + pattern;
    const why = validatePlainFilter(filter);
    if (why) return `invalid ${name} prefix and pattern combination '${filter}': ${why}`;
  }
  return null;
}

/** Validate a spec and build the rule; throws BridgeError (GW_ERR_BRIDGE_TOPIC). */
export function createTopicRule(spec: TopicRuleSpec): TopicRule {
  const why = validateTopicRule(spec);
  if (why) throw new BridgeError(`bridge topic '${spec.pattern}': ${why}`, ERR.BRIDGE_TOPIC);
  const pattern = emptyToNull(spec.pattern);
  const localPrefix = emptyToNull(spec.localPrefix);
  const remotePrefix = emptyToNull(spec.remotePrefix);
  return {
    pattern,
    direction: spec.direction ?? 'out',
    qos: (spec.qos ?? 0) as QoS,
    localPrefix,
    remotePrefix,
    localFilter: (localPrefix ?? '') + (pattern ?? ''),
    remoteFilter: (remotePrefix ?? '') + (pattern ?? ''),
  };
}

/**
 * Parse the value of a mosquitto `topic` line (everything after `topic`),
 * e.g. `sensors/# out 1 "" site1/`. Throws BridgeError (GW_ERR_BRIDGE_TOPIC).
 */
export function parseTopicRule(value: string): TopicRule {
  const tokens = value.trim().split(/[ \t]+/).filter((t) => t.length > 0);
  const fail = (why: string): never => {
    throw new BridgeError(`bridge topic '${value.trim()}': ${why}`, ERR.BRIDGE_TOPIC);
  };
  if (tokens.length === 0) fail('empty topic value');
  const spec: TopicRuleSpec = { pattern: tokens[0] };
  let i = 1;
  const isComment = (t: string | undefined): boolean => t !== undefined && t.startsWith('#');
  const dir = tokens[i];
  if (dir !== undefined) {
    const d = dir.toLowerCase();
    if (d !== 'out' && d !== 'in' && d !== 'both') fail(`invalid direction '${dir}' (expected out, in or both)`);
    spec.direction = d as BridgeDirection;
    i++;
    const q = tokens[i];
    if (q !== undefined && !isComment(q)) {
      if (!/^[0-2]$/.test(q)) fail(`invalid QoS '${q}' (expected 0, 1 or 2)`);
      spec.qos = Number(q);
      i++;
      const local = tokens[i];
      if (local !== undefined && !isComment(local)) {
        spec.localPrefix = local;
        i++;
        const remote = tokens[i];
        if (remote !== undefined && !isComment(remote)) {
          spec.remotePrefix = remote;
          i++;
        }
      }
    }
  }
  const extra = tokens[i];
  if (extra !== undefined && !isComment(extra)) fail(`unexpected '${extra}' after the remote prefix`);
  return createTopicRule(spec);
}

/** Parse several `topic` values; exact duplicates are skipped, as mosquitto does. */
export function parseTopicRules(values: readonly string[]): TopicRule[] {
  const rules: TopicRule[] = [];
  for (const v of values) {
    const rule = parseTopicRule(v);
    if (!rules.some((r) => sameRule(r, rule))) rules.push(rule);
  }
  return rules;
}

/** Write a rule back in mosquitto syntax (always the long form). */
export function formatTopicRule(rule: TopicRule): string {
  const q = (s: string | null): string => s ?? EMPTY_MARKER;
  const base = `${q(rule.pattern)} ${rule.direction} ${rule.qos}`;
  if (rule.localPrefix === null && rule.remotePrefix === null) return base;
  return `${base} ${q(rule.localPrefix)} ${q(rule.remotePrefix)}`;
}

function sameRule(a: TopicRule, b: TopicRule): boolean {
  return a.pattern === b.pattern && a.direction === b.direction && a.qos === b.qos
    && a.localPrefix === b.localPrefix && a.remotePrefix === b.remotePrefix;
}

const sendsOut = (r: TopicRule): boolean => r.direction === 'out' || r.direction === 'both';
const takesIn = (r: TopicRule): boolean => r.direction === 'in' || r.direction === 'both';
const hasPrefix = (r: TopicRule): boolean => r.localPrefix !== null || r.remotePrefix !== null;

/** The lower of two QoS levels: a rule's QoS capped by what the remote accepts. */
export function capQos(qos: number, max: number): QoS {
  return Math.max(0, Math.min(qos, max, 2)) as QoS;
}

/**
 * Replace prefix `from` with `to`. Null when the result is not a valid topic
 * name (e.g. empty, or past 65535 bytes).
 */
export function swapPrefix(topic: string, from: string | null, to: string | null): string | null {
  let mapped: string;
  if (from === null || topic.startsWith(from)) {
    mapped = (to ?? '') + (from === null ? topic : topic.slice(from.length));
  } else if (from.endsWith('/') && topic === from.slice(0, -1)) {
    // '#' matched the parent level: 'local/topic' for 'local/topic/#'.
    mapped = to === null ? '' : to.endsWith('/') ? to.slice(0, -1) : to;
  } else {
    return null; // the rule's filter did not really match
  }
  return validateTopicName(mapped) === null ? mapped : null;
}

/**
 * Route a local message to the remote side, or null when no out/both rule
 * matches (or the mapped topic is invalid). The first matching rule with
 * prefixes decides the remote topic (as mosquitto's send__publish); without
 * one the topic is sent unchanged. `maxQos` is the remote's cap.
 */
export function mapOutgoing(rules: readonly TopicRule[], localTopic: string, maxQos: number = 2): OutgoingRoute | null {
  let first: TopicRule | undefined;
  let remap: TopicRule | undefined;
  let qos = 0;
  for (const rule of rules) {
    if (!sendsOut(rule) || !matchTopic(rule.localFilter, localTopic)) continue;
    first ??= rule;
    if (remap === undefined && hasPrefix(rule)) remap = rule;
    qos = Math.max(qos, rule.qos);
  }
  if (first === undefined) return null;
  const rule = remap ?? first;
  const remoteTopic = remap ? swapPrefix(localTopic, remap.localPrefix, remap.remotePrefix) : localTopic;
  if (remoteTopic === null) return null;
  return { remoteTopic, qos: capQos(qos, maxQos), rule };
}

/**
 * Route a message received from the remote side to its local topic, or null
 * when no in/both rule matches (or the mapped topic is invalid).
 */
export function mapIncoming(rules: readonly TopicRule[], remoteTopic: string): IncomingRoute | null {
  let first: TopicRule | undefined;
  for (const rule of rules) {
    if (!takesIn(rule) || !matchTopic(rule.remoteFilter, remoteTopic)) continue;
    if (hasPrefix(rule)) {
      const localTopic = swapPrefix(remoteTopic, rule.remotePrefix, rule.localPrefix);
      return localTopic === null ? null : { localTopic, rule };
    }
    first ??= rule;
  }
  return first ? { localTopic: remoteTopic, rule: first } : null;
}

/** Filters to subscribe to on the remote broker (in/both), QoS capped at `maxQos`; duplicates merged. */
export function remoteSubscriptions(rules: readonly TopicRule[], maxQos: number = 2): Subscription[] {
  return collect(rules.filter(takesIn).map((r) => ({ filter: r.remoteFilter, qos: capQos(r.qos, maxQos) })));
}

/** Filters the bridge subscribes to on the local broker (out/both); duplicates merged. */
export function localSubscriptions(rules: readonly TopicRule[]): Subscription[] {
  return collect(rules.filter(sendsOut).map((r) => ({ filter: r.localFilter, qos: r.qos })));
}

function collect(subs: Subscription[]): Subscription[] {
  const out = new Map<string, Subscription>();
  for (const s of subs) {
    const prev = out.get(s.filter);
    if (!prev) out.set(s.filter, { ...s });
    else if (s.qos > prev.qos) prev.qos = s.qos;
  }
  return [...out.values()];
}
