// The sensor-fleet benchmark's scenarios and its summary table (medians, ratios to mosquitto).
export const scenarios = [
  { name: '1k conns x 1/s', conns: 1000, rate: 1 },
  { name: '5k conns x 0.2/s', conns: 5000, rate: 0.2 },
];

const fmt = (v) => (v == null || Number.isNaN(v) ? '-' : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));
const rows = [
  ['broker CPU %', (r) => r.broker_cpu_pct],
  ['broker CPU s per million msgs', (r) => r.broker_cpu_s_per_M],
  ['broker RSS MB (end of window)', (r) => r.broker_rss_kb / 1024],
  ['latency p50 µs', (r) => r.p50_us],
  ['latency p99 µs', (r) => r.p99_us],
  ['latency p99.9 µs', (r) => r.p999_us],
  ['lost at the subscriber', (r) => r.lost_sub],
  ['lost at the cloud', (r) => r.lost_cloud],
  ['generator CPU %', (r) => r.gen_cpu_pct],
];

/** Markdown tables: per scenario, each metric's median [min..max] per broker and the ratio Midge / mosquitto. */
export function summarize(results, idle, med, scale = 1) {
  const out = [];
  const brokers = [...new Set(results.map((r) => r.broker))];
  for (const s of scenarios) {
    const sub = results.filter((r) => r.scenario === s.name);
    if (!sub.length) continue;
    out.push(`### ${s.name}${scale !== 1 ? ` x ${scale}` : ''} (${Math.round(s.conns * scale) * s.rate} msg/s QoS 1), medians of ${Math.max(...sub.map((r) => r.round))} rounds [min..max]`, '');
    out.push(`| | ${brokers.join(' | ')} | midge / mosquitto |`, `|---|${brokers.map(() => '---|').join('')}---|`);
    for (const [label, get] of rows) {
      const m = {};
      const cells = brokers.map((b) => {
        const v = sub.filter((r) => r.broker === b).map(get).filter((x) => x != null && x >= 0);
        if (!v.length) return '-';
        m[b] = med(v);
        return `${fmt(m[b])} [${fmt(Math.min(...v))}..${fmt(Math.max(...v))}]`;
      });
      const ratio = m.midge != null && m.mosquitto > 0 && !label.startsWith('lost') && !label.startsWith('generator') ? `${(m.midge / m.mosquitto).toFixed(2)}×` : '';
      out.push(`| ${label} | ${cells.join(' | ')} | ${ratio} |`);
    }
    out.push('');
  }
  if (idle.length) {
    const mb = (a) => fmt(med(a) / 1024);
    out.push(`Idle RSS (bridge connected, no clients), medians of ${idle.length}: Midge ${mb(idle.map((x) => x.midgeKb))} MB, bare Node ${mb(idle.map((x) => x.bareKb))} MB, Midge minus bare Node ${mb(idle.map((x) => x.midgeKb - x.bareKb))} MB.`);
  }
  return out.join('\n');
}
