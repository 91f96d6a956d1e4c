/**
 * The human summary printed by `midge status`: a few aligned lines, the
 * problems first.
 */
import type { GatewayStatus } from '../status/status-json.js';

export function formatStatus(s: GatewayStatus, url: string): string {
  const b = s.broker;
  const dropped = Object.values(b.dropped).reduce((a, n) => a + n, 0);
  const lines = [
    `midge ${s.version} at ${url}: ${s.health.ok ? 'healthy' : `${s.health.problems.length} problem(s)`}, up ${duration(s.uptimeSeconds)}`,
    ...s.health.problems.map((p) => `  ! ${p}`),
    `clients:   ${b.clientsConnected} connected (most ${b.clientsMaximum}), ${b.sessionsOffline} offline session(s)`,
    `messages:  ${b.publishReceived} received, ${b.publishSent} sent, ${dropped} dropped${dropDetail(b.dropped)}, ${b.refused} refused`,
    `topics:    ${b.subscriptions} subscription(s), ${b.retained} retained message(s)`,
    `store:     ${s.store.enabled ? `database ${bytes(s.store.fileBytes)}` : 'memory only'}, ${s.store.queuedMessages} queued (${bytes(s.store.queuedBytes)} stored), ${s.store.errors} error(s)${s.store.writesPerDay !== undefined ? `, writes ${bytes(s.store.writesPerDay)}/day at the current rate` : ''}`,
    `process:   pid ${s.process.pid}, node ${s.process.node}, ${bytes(s.process.rssBytes)} resident`,
    `listeners: ${b.listeners.map((l) => `${l.address} (${l.protocol}${l.tls ? ', tls' : ''})`).join(', ')}`,
  ];
  lines.push(s.bridges.length === 0 ? 'bridges:   none' : 'bridges:');
  for (const br of s.bridges) {
    const oldest = br.oldestAgeSeconds === null ? '' : `, oldest ${duration(br.oldestAgeSeconds)}`;
    lines.push(
      `  ${br.name} (${br.type}) ${br.state}${br.address ? ` ${br.address}` : ''}: queue ${br.queueDepth}${oldest}, ` +
        `${round(br.sendRate)}/s, ${br.sentTotal} sent, ${br.deadLetters} dead letter(s)${br.lastError ? `; last error: ${br.lastError}` : ''}`,
    );
  }
  lines.push(s.adapters.length === 0 ? 'devices:   none' : 'devices:');
  for (const a of s.adapters) {
    const counters = Object.entries(a.counters).map(([k, v]) => `${k} ${v}`).join(', ');
    const reading = a.lastReading ? `; last reading ${new Date(a.lastReading.at).toISOString()}` : '';
    lines.push(`  ${a.kind} ${a.name} ${a.state}${counters ? `: ${counters}` : ''}${reading}${a.lastError ? `; last error: ${a.lastError}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

function dropDetail(dropped: Record<string, number>): string {
  const parts = Object.entries(dropped).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

export function duration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

export function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
