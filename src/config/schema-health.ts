/** Schema of the `health` and `homeassistant` sections. */
import type { Fields } from './schema-spec.js';
import { bool, int, str } from './schema-fields.js';

export const healthFields = {
  enabled: bool(false, 'Publish gateway health (CPU load and temperature, memory, disk, uptime, network, Pi throttling) to <topic_prefix>/health.'),
  interval: int(1, 86400, 60, 'Time between samples of the cheap values (read from /proc and /sys).', { unit: 'seconds' }),
  disk_interval: int(10, 86400, 300, 'Time between samples of free disk space on persistence.path.', { unit: 'seconds' }),
  topic_prefix: str('midge/{hostname}', 'Topics are <topic_prefix>/health (JSON) and <topic_prefix>/health/<value>; {hostname} is replaced by the host name.', 1, 200),
  sys_topics: bool(true, 'Also publish each value under $SYS/midge/health/<value>.'),
} as const satisfies Fields;

export const homeAssistantFields = {
  enabled: bool(true, 'Publish Home Assistant MQTT discovery configs (retained) for GPIO pins, health values and numeric readings of other adapters. Nothing is published while no adapter runs.'),
  discovery_prefix: str('homeassistant', "Home Assistant's discovery prefix (its MQTT integration setting).", 1, 100),
  node_id: str('', 'Discovery node id and device identifier ([a-zA-Z0-9_-]); empty = the host name.', 0, 64),
  device_name: str('', 'Device name shown in Home Assistant; empty = "Midge <hostname>".', 0, 100),
  topic_prefix: str('midge/{hostname}', 'Gateway availability (<topic_prefix>/availability) and mirrored readings (<topic_prefix>/<kind>/<device>/reading) are published here; {hostname} is replaced.', 1, 200),
} as const satisfies Fields;
