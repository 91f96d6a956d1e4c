/** Topic filters in SUBSCRIBE and UNSUBSCRIBE: syntax errors close the connection. */
import { MalformedPacketError } from '../../errors.js';
import { validateTopicFilter } from '../../topics/index.js';

/**
 * Throws when `filter` breaks the filter syntax itself: empty [MQTT-4.7.3-1],
 * '#' not alone in the last level [MQTT-4.7.1-1] [MQTT-4.7.1-2], '+' not a
 * whole level [MQTT-4.7.1-3], U+0000. Limits (mqtt.max_topic_levels) are
 * not syntax: a filter over them gets reason 0x8F and the connection stays.
 */
export function refuseIllFormed(filter: string): void {
  const reason = validateTopicFilter(filter);
  if (reason !== null) throw new MalformedPacketError(`ill-formed topic filter: ${reason}`);
}
