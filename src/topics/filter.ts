/**
 * The one entry point for a SUBSCRIBE / UNSUBSCRIBE filter: it picks the
 * shared (`shared.ts`) or the plain (`validate.ts`) rules. Kept apart so that
 * `shared.ts` builds on `validate.ts` and nothing points back.
 */
import { validateSharedFilter } from './shared.js';
import { type TopicLimits, validatePlainFilter } from './validate.js';

const SHARE_PREFIX = '$share/';

/**
 * Validate a topic filter as used in SUBSCRIBE / UNSUBSCRIBE. A filter that
 * starts with `$share/` is validated as an MQTT 5 shared subscription
 * (share name syntax, then the inner filter).
 * Returns null when valid, else a short human-readable reason.
 */
export function validateTopicFilter(filter: string, limits?: TopicLimits): string | null {
  if (filter.startsWith(SHARE_PREFIX)) return validateSharedFilter(filter, limits); // [MQTT-4.8.2-1]
  return validatePlainFilter(filter, limits);
}
