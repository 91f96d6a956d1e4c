/**
 * Topic name and topic filter validation (MQTT 3.1.1 section 4.7, MQTT 5.0
 * sections 4.7 and 4.8.2). Every function here is pure and allocation-free
 * on the success path: a single pass over the UTF-16 code units checks the
 * wildcard placement, U+0000, surrogates and the UTF-8 length together.
 */
export interface TopicLimits {
  /** Maximum number of '/'-separated levels. Default: no limit. */
  maxLevels?: number;
  /** Maximum UTF-8 encoded length in bytes. Default (and protocol maximum): 65535. */
  maxBytes?: number;
}

/** Protocol maximum for any UTF-8 encoded string (two-byte length prefix). */
export const MAX_TOPIC_BYTES = 65535;

const SLASH = 0x2f; // '/'
const PLUS = 0x2b; // '+'
const HASH = 0x23; // '#'
const DOLLAR = 0x24; // '$'
const NUL = 0x00;

/**
 * Validate a topic name as used in PUBLISH (and Will topics).
 * Returns null when valid, else a short human-readable reason.
 */
export function validateTopicName(name: string, limits?: TopicLimits): string | null {
  const len = name.length;
  if (len === 0) return 'topic name must not be empty'; // [MQTT-4.7.3-1]
  const maxBytes = limits?.maxBytes ?? MAX_TOPIC_BYTES;
  const maxLevels = limits?.maxLevels ?? Infinity;
  let bytes = 0;
  let levels = 1;
  for (let i = 0; i < len; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x80) {
      if (c === SLASH) levels++;
      else if (c === PLUS || c === HASH) return 'topic name must not contain wildcard characters'; // [MQTT-4.7.1-1]
      else if (c === NUL) return 'topic name must not contain U+0000'; // [MQTT-4.7.3-2]
      bytes += 1;
    } else {
      const step = utf8Step(name, i, c);
      if (step < 0) return 'topic name is not well-formed UTF-16 (lone surrogate)'; // [MQTT-1.5.3-1] [MQTT-1.5.4-1]
      bytes += step;
      if (step === 4) i++;
    }
  }
  if (bytes > maxBytes) return `topic name exceeds ${maxBytes} bytes`; // [MQTT-4.7.3-3]
  if (levels > maxLevels) return `topic name exceeds ${maxLevels} levels`;
  return null;
}

/**
 * Validate a filter without giving `$share/` any special meaning. Used for
 * the inner filter of a shared subscription and by the subscription index.
 */
export function validatePlainFilter(filter: string, limits?: TopicLimits): string | null {
  const len = filter.length;
  if (len === 0) return 'topic filter must not be empty'; // [MQTT-4.7.3-1]
  const maxBytes = limits?.maxBytes ?? MAX_TOPIC_BYTES;
  const maxLevels = limits?.maxLevels ?? Infinity;
  let bytes = 0;
  let levels = 1;
  let levelStart = 0;
  for (let i = 0; i < len; i++) {
    const c = filter.charCodeAt(i);
    if (c < 0x80) {
      if (c === SLASH) {
        levels++;
        levelStart = i + 1;
      } else if (c === HASH) {
        // '#' must be the whole last level: at the start of a level and the final character.
        if (i !== levelStart || i !== len - 1) return "'#' must be the last character and occupy a whole level"; // [MQTT-4.7.1-2]
      } else if (c === PLUS) {
        const next = i + 1 < len ? filter.charCodeAt(i + 1) : SLASH;
        if (i !== levelStart || next !== SLASH) return "'+' must occupy a whole level"; // [MQTT-4.7.1-3]
      } else if (c === NUL) {
        return 'topic filter must not contain U+0000'; // [MQTT-4.7.3-2]
      }
      bytes += 1;
    } else {
      const step = utf8Step(filter, i, c);
      if (step < 0) return 'topic filter is not well-formed UTF-16 (lone surrogate)'; // [MQTT-1.5.3-1] [MQTT-1.5.4-1]
      bytes += step;
      if (step === 4) i++;
    }
  }
  if (bytes > maxBytes) return `topic filter exceeds ${maxBytes} bytes`; // [MQTT-4.7.3-3]
  if (levels > maxLevels) return `topic filter exceeds ${maxLevels} levels`;
  return null;
}

/** True when the filter contains a '+' or '#' character anywhere. */
export function hasWildcard(filter: string): boolean {
  return filter.includes('+') || filter.includes('#');
}

/** True when the topic starts with '$' (e.g. `$SYS/...`), see [MQTT-4.7.2-1]. */
export function isDollarTopic(topic: string): boolean {
  return topic.charCodeAt(0) === DOLLAR;
}

/** UTF-8 length of a topic or filter string (well-formed input assumed; lone surrogates count 3 like U+FFFD). */
export function utf8ByteLength(s: string): number {
  let bytes = 0;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else {
      const step = utf8Step(s, i, c);
      if (step === 4) i++;
      bytes += step < 0 ? 3 : step;
    }
  }
  return bytes;
}

/**
 * UTF-8 byte count for the non-ASCII code unit `c` at index `i`: 2 or 3 for
 * a BMP character, 4 for a surrogate pair (the caller skips the low half),
 * -1 for a lone surrogate, which has no UTF-8 encoding.
 */
function utf8Step(s: string, i: number, c: number): number {
  if (c < 0x800) return 2;
  if (c < 0xd800 || c > 0xdfff) return 3;
  if (c <= 0xdbff) {
    const d = s.charCodeAt(i + 1); // NaN past the end: fails the range test
    if (d >= 0xdc00 && d <= 0xdfff) return 4;
  }
  return -1;
}
