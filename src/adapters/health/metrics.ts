/**
 * The health values published, with the units and Home Assistant classes
 * that go with them. One list, read by the adapter (topics), the docs and
 * Home Assistant discovery.
 */
export interface HealthMetric {
  key: string;
  /** Entity name in Home Assistant. */
  name: string;
  unit?: string;
  deviceClass?: string;
  stateClass?: 'measurement' | 'total_increasing';
  /** true/false values: a binary_sensor in Home Assistant. */
  binary?: boolean;
  /** Shown under Diagnostics rather than as a main entity. */
  diagnostic?: boolean;
}

const bytes = (key: string, name: string, stateClass: HealthMetric['stateClass'] = 'measurement'): HealthMetric => ({
  key, name, unit: 'B', deviceClass: 'data_size', stateClass,
});

export const HEALTH_METRICS: readonly HealthMetric[] = [
  { key: 'cpu_load', name: 'CPU load', unit: '%', stateClass: 'measurement' },
  { key: 'load1', name: 'Load average 1 min', stateClass: 'measurement' },
  { key: 'load5', name: 'Load average 5 min', stateClass: 'measurement' },
  { key: 'load15', name: 'Load average 15 min', stateClass: 'measurement' },
  { key: 'cpu_temp', name: 'CPU temperature', unit: '°C', deviceClass: 'temperature', stateClass: 'measurement' },
  { key: 'mem_used_percent', name: 'Memory used', unit: '%', stateClass: 'measurement' },
  bytes('mem_available', 'Memory available'),
  bytes('mem_total', 'Memory total'),
  { key: 'disk_used_percent', name: 'Data disk used', unit: '%', stateClass: 'measurement' },
  bytes('disk_free', 'Data disk free'),
  bytes('disk_total', 'Data disk size'),
  { key: 'uptime', name: 'Uptime', unit: 's', deviceClass: 'duration', stateClass: 'total_increasing', diagnostic: true },
  bytes('net_rx_bytes', 'Network received', 'total_increasing'),
  bytes('net_tx_bytes', 'Network sent', 'total_increasing'),
  { key: 'net_rx_rate', name: 'Network receive rate', unit: 'B/s', deviceClass: 'data_rate', stateClass: 'measurement' },
  { key: 'net_tx_rate', name: 'Network send rate', unit: 'B/s', deviceClass: 'data_rate', stateClass: 'measurement' },
  { key: 'throttled', name: 'Throttled flags', diagnostic: true },
  { key: 'under_voltage', name: 'Under-voltage', deviceClass: 'problem', binary: true, diagnostic: true },
  bytes('process_rss', 'Midge memory'),
];
