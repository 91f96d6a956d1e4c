/**
 * Pure topic matching (MQTT 3.1.1 / 5.0 section 4.7). Allocation-free: it
 * walks both strings level by level with indices instead of splitting.
 */

const PLUS = 0x2b; // '+'
const HASH = 0x23; // '#'
const DOLLAR = 0x24; // '$'

/**
 * Does a (non-shared) topic filter match a topic name?
 *
 * - '#' matches any number of levels, including zero: 'sport/#' matches 'sport'.
 * - '+' matches exactly one level, which may be empty: 'a/+' matches 'a/'.
 * - A filter starting with a wildcard never matches a topic starting with '$'.
 *
 * Malformed input never matches: an empty filter or topic, a wildcard
 * character that does not occupy a whole filter level, a '#' that is not the
 * last level, or a topic name containing '+' or '#'. `$share/` has no special
 * meaning here; pass the inner filter of a shared subscription.
 */
export function matchTopic(filter: string, topic: string): boolean {
  const fLen = filter.length;
  const tLen = topic.length;
  if (fLen === 0 || tLen === 0) return false; // [MQTT-4.7.3-1]
  const f0 = filter.charCodeAt(0);
  if ((f0 === PLUS || f0 === HASH) && topic.charCodeAt(0) === DOLLAR) return false; // [MQTT-4.7.2-1]

  let fi = 0; // start of the current filter level
  let ti = 0; // start of the current topic level; tLen + 1 once the topic is used up
  for (;;) {
    let fe = filter.indexOf('/', fi);
    if (fe < 0) fe = fLen;
    const fc = filter.charCodeAt(fi);
    const single = fe - fi === 1;

    if (single && fc === HASH) {
      // Multi-level wildcard: must be the last level, matches the rest (even nothing, i.e. the parent level).
      if (fe !== fLen) return false; // [MQTT-4.7.1-2]
      return ti > tLen || !containsWildcard(topic, ti, tLen);
    }
    if (ti > tLen) return false; // the topic has fewer levels than the filter

    let te = topic.indexOf('/', ti);
    if (te < 0) te = tLen;

    if (single && fc === PLUS) {
      // Single-level wildcard: any one level, including an empty one. [MQTT-4.7.1-3]
      if (containsWildcard(topic, ti, te)) return false;
    } else {
      if (fe - fi !== te - ti) return false;
      for (let k = 0; k < te - ti; k++) {
        const c = topic.charCodeAt(ti + k);
        // Equal characters that are wildcards mean a malformed filter and a malformed topic name.
        if (c !== filter.charCodeAt(fi + k) || c === PLUS || c === HASH) return false; // [MQTT-4.7.1-1]
      }
    }

    if (fe === fLen) return te === tLen; // filter used up: match only if the topic is too
    fi = fe + 1;
    ti = te + 1;
  }
}

function containsWildcard(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === PLUS || c === HASH) return true; // [MQTT-4.7.1-1]
  }
  return false;
}
