/**
 * mosquitto's ACL file (mosquitto.conf(5), `acl_file`):
 *
 *   # comment
 *   topic [read|write|readwrite|deny] TOPIC     before any `user`: anonymous clients
 *   user NAME
 *   topic [read|write|readwrite|deny] TOPIC     rules of user NAME
 *   pattern [read|write|readwrite|deny] TOPIC   every client; %c = client id, %u = user name
 *
 * The access word may be left out: readwrite. TOPIC is the rest of the line
 * and may contain + and #. Checks (see `checkTopic` / `checkSubscribe`):
 * a matching `deny` (topic or pattern) always wins; otherwise access is
 * granted by the first topic or pattern rule that matches with the access
 * bit asked for; nothing matching means denied.
 */
import { ConfigError } from '../errors.js';
import { validateTopicFilter } from '../topics/index.js';
import { readTextFile } from './password-file.js';

export const READ = 1;
export const WRITE = 2;
export type Access = typeof READ | typeof WRITE;

export interface AclRule {
  /** READ, WRITE, READ|WRITE, or 0 for deny. */
  access: number;
  topic: string;
  line: number;
}

export interface Acl {
  /** `topic` rules before any `user` line: clients without a user name. */
  anonymous: AclRule[];
  /** `topic` rules per user name. */
  users: Map<string, AclRule[]>;
  /** `pattern` rules: every client, with %c and %u substituted. */
  patterns: AclRule[];
}

const ACCESS: Record<string, number> = { read: READ, write: WRITE, readwrite: READ | WRITE, deny: 0 };

/** Parses ACL file text; a bad line is a `ConfigError` naming `file` and the line. */
export function parseAclFile(text: string, file?: string): Acl {
  const acl: Acl = { anonymous: [], users: new Map(), patterns: [] };
  let current: AclRule[] = acl.anonymous;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fail = (message: string): never => {
      throw new ConfigError(message, { file, line: i + 1 });
    };
    const m = /^(\S+)(?:\s+(.*))?$/.exec(line)!;
    const keyword = m[1]!;
    const rest = (m[2] ?? '').trim();
    if (keyword === 'user') {
      if (rest === '') fail('`user` needs a user name');
      let rules = acl.users.get(rest);
      if (!rules) acl.users.set(rest, (rules = []));
      current = rules;
      return;
    }
    if (keyword !== 'topic' && keyword !== 'pattern') {
      fail(`unknown keyword '${keyword}' (expected user, topic or pattern)`);
    }
    if (rest === '') fail(`\`${keyword}\` needs a topic`);
    const parts = /^(\S+)(?:\s+(.*))?$/.exec(rest)!;
    let access = READ | WRITE;
    let topic = rest;
    if (parts[2] !== undefined) {
      const word = parts[1]!;
      if (!Object.hasOwn(ACCESS, word)) fail(`invalid access '${word}' (expected read, write, readwrite or deny)`);
      access = ACCESS[word]!;
      topic = parts[2].trim();
    } else if (Object.hasOwn(ACCESS, rest)) {
      fail(`\`${keyword} ${rest}\` needs a topic after the access type`);
    }
    const invalid = validateTopicFilter(topic);
    if (invalid) fail(`invalid topic '${topic}': ${invalid}`);
    (keyword === 'pattern' ? acl.patterns : current).push({ access, topic, line: i + 1 });
  });
  return acl;
}

export function loadAclFile(path: string): Acl {
  return parseAclFile(readTextFile(path, 'ACL file'), path);
}

export interface AclClient {
  clientId: string;
  username: string | undefined;
}

/** The rules that apply to a client, patterns substituted; undefined entries are patterns that cannot apply. */
function rulesFor(acl: Acl, client: AclClient): AclRule[] {
  const own = client.username === undefined ? acl.anonymous : (acl.users.get(client.username) ?? []);
  if (acl.patterns.length === 0) return own;
  const out = [...own];
  for (const p of acl.patterns) {
    const topic = substitute(p.topic, client);
    if (topic !== undefined) out.push({ ...p, topic });
  }
  return out;
}

/**
 * `%c` → client id, `%u` → user name. A pattern needing a user name does not
 * apply to anonymous clients; a value containing `/`, `+` or `#` could
 * widen the rule, so a pattern using it applies to nobody (mosquitto refuses
 * such clients whenever patterns exist).
 */
function substitute(topic: string, client: AclClient): string | undefined {
  if (!topic.includes('%')) return topic;
  const bad = /[/+#]/;
  if (topic.includes('%u') && (client.username === undefined || client.username === '' || bad.test(client.username))) return undefined;
  if (topic.includes('%c') && (client.clientId === '' || bad.test(client.clientId))) return undefined;
  return topic.replace(/%([cu])/g, (_, k: string) => (k === 'c' ? client.clientId : client.username!));
}

/** May `client` publish to (WRITE) or receive a message on (READ) topic name `topic`? */
export function checkTopic(acl: Acl, client: AclClient, topic: string, access: Access): boolean {
  const rules = rulesFor(acl, client);
  let allowed = false;
  for (const r of rules) {
    if (!ruleMatches(r.topic, topic)) continue;
    if (r.access === 0) return false; // deny wins
    if (r.access & access) allowed = true;
  }
  return allowed;
}

/**
 * May `client` subscribe to `filter` (shared subscriptions: the inner
 * filter)? Allowed when some read rule could match a topic the filter
 * matches, unless a deny rule covers the whole filter; each message is
 * still checked with `checkTopic(READ)` on delivery, so a broad filter only
 * ever receives what the client may read. (mosquitto 2.0 grants every
 * SUBSCRIBE and filters on delivery only; Midge refuses the subscriptions
 * that could never receive anything.)
 */
export function checkSubscribe(acl: Acl, client: AclClient, filter: string): boolean {
  const rules = rulesFor(acl, client);
  let allowed = false;
  for (const r of rules) {
    if (r.access === 0) {
      if (filterCovers(r.topic, filter)) return false;
    } else if (r.access & READ && filtersIntersect(r.topic, filter)) {
      allowed = true;
    }
  }
  return allowed;
}

const isWild = (level: string): boolean => level === '+' || level === '#';

/** Rule filter vs topic name, with mosquitto's rule that `$` topics need a rule starting with `$`. */
function ruleMatches(rule: string, topic: string): boolean {
  if (topic.startsWith('$') && !rule.startsWith('$')) return false;
  return filterCovers(rule, topic);
}

/** Does `rule` match every topic that `filter` matches (a topic name being a filter matching itself)? */
export function filterCovers(rule: string, filter: string): boolean {
  const r = rule.split('/');
  const f = filter.split('/');
  if (f[0]!.startsWith('$') && isWild(r[0]!)) return false; // [MQTT-4.7.2-1]
  if (isWild(f[0]!) && r[0]!.startsWith('$')) return false; // a wildcard filter matches no $ topic: nothing in common
  for (let i = 0; ; i++) {
    const rl = r[i];
    const fl = f[i];
    if (rl === '#') return true; // covers this level and everything below, and the parent ('a/#' matches 'a')
    if (fl === undefined) return rl === undefined;
    if (rl === undefined) return false;
    if (fl === '#') return false; // the filter goes deeper than a non-# rule
    if (rl === '+') continue;
    if (fl === '+' || fl !== rl) return false;
  }
}

/** Is there a topic name matched by both filters? */
export function filtersIntersect(a: string, b: string): boolean {
  const x = a.split('/');
  const y = b.split('/');
  const dollarX = x[0]!.startsWith('$');
  const dollarY = y[0]!.startsWith('$');
  if ((dollarX && isWild(y[0]!)) || (dollarY && isWild(x[0]!))) return false;
  for (let i = 0; ; i++) {
    const xl = x[i];
    const yl = y[i];
    if (xl === '#' || yl === '#') return true;
    if (xl === undefined || yl === undefined) return xl === yl;
    if (xl === '+' || yl === '+') continue;
    if (xl !== yl) return false;
  }
}
