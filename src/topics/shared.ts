/**
 * MQTT 5 shared subscriptions (section 4.8.2): `$share/{ShareName}/{filter}`.
 * The subscription index never sees the `$share/` form: the broker stores
 * the inner filter with an id naming the group.
 */
import { type TopicLimits, MAX_TOPIC_BYTES, utf8ByteLength, validatePlainFilter } from './validate.js';

export interface SharedFilter {
  /** The ShareName. */
  group: string;
  /** The inner topic filter (may itself contain wildcards). */
  filter: string;
}

const SHARE_PREFIX = '$share/';
const PREFIX_LEN = SHARE_PREFIX.length;
const PLUS = 0x2b;
const HASH = 0x23;
const NUL = 0x00;

/**
 * For a valid `$share/{group}/{filter}` returns `{ group, filter }`; for
 * anything else (a normal filter, or a `$share/` filter with invalid syntax)
 * returns null. Never throws. A non-null result means
 * `validateSharedFilter(filter) === null`; use that function to get the
 * reason for an invalid one.
 */
export function parseSharedFilter(filter: string): SharedFilter | null {
  if (!filter.startsWith(SHARE_PREFIX)) return null;
  if (validateSharedFilter(filter) !== null) return null;
  const slash = filter.indexOf('/', PREFIX_LEN);
  return { group: filter.slice(PREFIX_LEN, slash), filter: filter.slice(slash + 1) };
}

/**
 * Validate a shared subscription filter. Returns null when valid, else a
 * short reason; a filter not starting with `$share/` is reported as such.
 * `limits.maxBytes` applies to the whole string as sent on the wire,
 * `limits.maxLevels` to the inner filter (the part that is routed on).
 */
export function validateSharedFilter(filter: string, limits?: TopicLimits): string | null {
  if (!filter.startsWith(SHARE_PREFIX)) return "shared subscription filter must start with '$share/'"; // [MQTT-4.8.2-1]
  const slash = filter.indexOf('/', PREFIX_LEN);
  const groupEnd = slash < 0 ? filter.length : slash;
  if (groupEnd === PREFIX_LEN) return 'share name must be at least one character long'; // [MQTT-4.8.2-1]
  for (let i = PREFIX_LEN; i < groupEnd; i++) {
    const c = filter.charCodeAt(i);
    if (c === PLUS || c === HASH) return "share name must not contain '+' or '#'"; // [MQTT-4.8.2-2]
    if (c === NUL) return 'share name must not contain U+0000'; // [MQTT-4.7.3-2]
    if (c >= 0xd800 && c <= 0xdfff) {
      const pair = c <= 0xdbff && i + 1 < groupEnd && isLowSurrogate(filter.charCodeAt(i + 1));
      if (!pair) return 'share name is not well-formed UTF-16 (lone surrogate)'; // [MQTT-1.5.3-1] [MQTT-1.5.4-1]
      i++;
    }
  }
  // A '/' inside the share name is impossible: the first '/' ends it. It must be followed by a filter.
  if (slash < 0) return "share name must be followed by '/' and a topic filter"; // [MQTT-4.8.2-2]
  if (slash === filter.length - 1) return 'shared subscription must contain a topic filter after the share name'; // [MQTT-4.8.2-2]
  const innerReason = validatePlainFilter(filter.slice(slash + 1), limits?.maxLevels === undefined ? undefined : { maxLevels: limits.maxLevels });
  if (innerReason !== null) return innerReason;
  const maxBytes = limits?.maxBytes ?? MAX_TOPIC_BYTES;
  if (filter.length > maxBytes / 3 && utf8ByteLength(filter) > maxBytes) return `topic filter exceeds ${maxBytes} bytes`; // [MQTT-4.7.3-3]
  return null;
}

/** True when the filter starts with `$share/` (whether or not it is valid). */
export function isSharedFilter(filter: string): boolean {
  return filter.startsWith(SHARE_PREFIX);
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
