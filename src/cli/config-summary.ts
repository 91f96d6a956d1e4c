/**
 * What `midge check-config` says the configuration will run: listeners
 * with their TLS and who may connect (resolved by config/listener-access),
 * auth files, persistence, bridges with their topic rules resolved, serial
 * devices, GPIO pins, health, Home Assistant and the metrics URL.
 */
import { healthBaseTopic } from '../adapters/health/index.js';
import { planBridge } from '../config/bridge-plan.js';
import type { TopicRule } from '../topics/bridge-topic-map.js';
import { allowsAnonymous, listenerAddress, takesIdentity } from '../config/listener-access.js';
import { metricsNeedAuth } from '../config/validate-metrics.js';
import type { BridgeConfig, ListenerConfig, MidgeConfig, SerialDeviceConfig } from '../config/types.js';
import { tlsEnabled } from '../tls/options.js';
import { localBaseUrl } from './status.js';

/** One line per part of the gateway (indented continuation lines for bridge rules). */
export function summarizeConfig(cfg: MidgeConfig): string[] {
  const m = cfg.mqtt;
  const limit = (n: number, unit = ''): string => (n === 0 ? 'unlimited' : `${n}${unit}`);
  const a = cfg.auth;
  return [
    `listeners: ${cfg.listeners.map((l) => describeListener(l, cfg)).join(', ')}`,
    `auth: ${a.password_file ? `password file ${a.password_file}` : 'no password file'}, ${a.acl_file ? `ACL file ${a.acl_file}` : 'no ACL (every client may use every topic)'}`,
    `mqtt: max_qos ${m.max_qos}, max_packet_size ${limit(m.max_packet_size, ' bytes')}, ` +
      `max_inflight_messages ${m.max_inflight_messages}, max_queued_messages ${limit(m.max_queued_messages)}`,
    `persistence: ${cfg.persistence.enabled ? `${cfg.persistence.path} (${durability(cfg.persistence)})` : 'off (in memory)'}`,
    `log: ${cfg.log.level} (${cfg.log.format})${cfg.log.file ? ` to ${cfg.log.file}` : ''}`,
    ...(cfg.bridges.length === 0 ? ['bridges: none'] : cfg.bridges.flatMap(describeBridge)),
    `serial: ${cfg.serial.length === 0 ? 'none' : cfg.serial.map(describeSerial).join(', ')}`,
    `gpio: ${cfg.gpio.pins.length === 0 ? 'none' : `${cfg.gpio.pins.map((p) => `${p.name} (pin ${p.pin}, ${p.direction})`).join(', ')}; driver ${cfg.gpio.driver}`}`,
    `health: ${cfg.health.enabled ? `every ${cfg.health.interval} s on ${healthBaseTopic(cfg)}/#` : 'off'}`,
    `home assistant: ${cfg.homeassistant.enabled ? `discovery under ${cfg.homeassistant.discovery_prefix}/ (node ${cfg.homeassistant.node_id || 'the host name'})` : 'off'}`,
    `metrics: ${describeMetrics(cfg)}`,
  ];
}

function describeListener(l: ListenerConfig, cfg: MidgeConfig): string {
  const tls = tlsEnabled(l) ? `${l.protocol === 'websockets' ? 'wss' : 'mqtts'}${l.require_certificate ? ', client certificate required' : ''}` : l.protocol;
  let who: string;
  if (takesIdentity(l)) who = l.require_certificate ? `certificate ${l.use_identity_as_username ? 'Common Name' : 'subject'} as user name` : 'user name from a certificate that is never asked for: no client can connect';
  else if (allowsAnonymous(l, cfg.auth)) who = 'anonymous allowed';
  else if (cfg.auth.password_file) who = 'user name and password required';
  else who = 'anonymous refused, no password file: no client can connect';
  return `${listenerAddress(l)} (${tls}, ${who})`;
}

/** What an acknowledgement survives with these persistence settings, as the summary says it. */
function durability(p: MidgeConfig['persistence']): string {
  const survives = p.synchronous === 'full' ? 'acknowledged messages survive a power cut' : 'acknowledged messages survive a crash, NOT a power cut';
  return `synchronous ${p.synchronous}: ${survives}; commit window ${p.commit_window_ms} ms`;
}

function describeBridge(b: BridgeConfig): string[] {
  const plan = planBridge(b); // validated already: does not throw
  const to = plan.addresses.map((x) => `${x.host}:${x.port}`).join(', ');
  const tls = plan.tls ? `TLS${plan.tls.certfile ? ', client certificate' : ''}${plan.tls.insecure ? ', server NOT verified' : ''}` : 'no TLS';
  return [`bridge ${plan.name} (${b.type}): ${to} (${tls})`, ...plan.rules.map((r) => `  ${describeRule(r)}`)];
}

/** `out: local sensors/# -> remote site1/sensors/# (qos 1)`. */
export function describeRule(r: TopicRule): string {
  const local = `local ${r.localFilter}`;
  const remote = `remote ${r.remoteFilter}`;
  const route = r.direction === 'in' ? `${remote} -> ${local}` : r.direction === 'out' ? `${local} -> ${remote}` : `${local} <-> ${remote}`;
  return `${r.direction}: ${route} (qos ${r.qos})`;
}

function describeSerial(d: SerialDeviceConfig): string {
  const where = d.path ?? `USB ${[d.usb_vendor_id, d.usb_product_id, d.usb_serial].filter(Boolean).join(':')}`;
  return `${d.name} (${where}, ${d.baud_rate} baud, profile ${d.profile}${d.enabled ? '' : ', disabled'})`;
}

function describeMetrics(cfg: MidgeConfig): string {
  const m = cfg.metrics;
  if (m.listen === undefined) return 'off (metrics.listen unset)';
  const base = localBaseUrl(m.listen);
  const auth = metricsNeedAuth(cfg) ? 'basic auth' : 'no login';
  return `${base}/metrics${m.status_page ? `, status page ${base}/` : ''} (${auth})`;
}
