/**
 * A listener's `mount_point` (mosquitto.conf(5)): a topic prefix that the
 * listener's clients never see. Topics they publish (and their wills) and
 * filters they subscribe or unsubscribe get the prefix in front; messages
 * sent to them lose it (mosquitto handle_publish.c, handle_subscribe.c,
 * send_publish.c). So clients of different mount points cannot reach each
 * other's topics, and a client on a plain listener sees them under the
 * prefix.
 */
import { parseSharedFilter } from '../topics/index.js';

/** A topic the client published, as routed. */
export function mountTopic(mount: string, topic: string): string {
  return mount === '' ? topic : mount + topic;
}

/**
 * A filter the client subscribed or unsubscribed, as routed. A shared
 * subscription keeps its `$share/GROUP/` in front and mounts the filter
 * inside (mosquitto prefixes the whole string, which turns it into an
 * ordinary filter that shares nothing).
 */
export function mountFilter(mount: string, filter: string): string {
  if (mount === '') return filter;
  const shared = parseSharedFilter(filter);
  return shared ? `$share/${shared.group}/${mount}${shared.filter}` : mount + filter;
}

/** A routed topic as the client sees it; undefined when it is not below the mount point (not sent, as mosquitto). */
export function unmountTopic(mount: string, topic: string): string | undefined {
  if (mount === '') return topic;
  return topic.length > mount.length && topic.startsWith(mount) ? topic.slice(mount.length) : undefined;
}
