#!/usr/bin/env node
// Flash-wear benchmark (issue 15, item 4): bytes written to the storage device per message, for
// Midge and mosquitto, each run on a freshly made ext4 filesystem in an image file attached to a
// loop device; bytes = sectors written (/sys/block/loopN/stat field 7, x 512) between two
// `sync -f` of that filesystem around the measured interval. Without loop devices (not root, no
// loop support) it falls back to write_bytes in /proc/PID/io of the broker process and says so.
// Brokers are black boxes: a config file and the CLI. Publishers are MQTT.js clients on loopback,
// 64-byte payloads, QoS 1. See docs/persistence.md, "Flash wear benchmark".
// Usage: npm run bench:wear -- [--quick] [--rounds 3] [--warmup 5] [--interval 30] [--burst 10]
//          [--only midge,mosquitto-autosave] [--scenarios a,c,e] [--image-mb 256] [--proc-io]
//          [--mount-options noatime,lazytime]
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { arg, connect, med, ackingSubscriber, freePort, open, root, startMidgeProcess, startMosquitto, subscribe } from './bench-lib.mjs';
import { client, loopDevicesWork, loopFs, onCleanup, percentile, procIoFs, removeDir, sleep, steadyPublisher, stopChild, track, windowPublishers } from './bench-wear-lib.mjs';

// ---- The columns. A Midge column is a config fragment deep-merged over the base config (midgeConfig
// below: listener on a free port, data directory on the measured filesystem); `{}` is the shipped
// default. A mosquitto column is extra mosquitto.conf lines. Add a column by adding a line here,
// e.g. { id: 'midge-window', broker: 'midge', label: 'Midge commit window 20 ms', config: { persistence: { commit_window_ms: 20 } } }.
const COLUMNS = [
  { id: 'midge-default', broker: 'midge', label: 'Midge (default config)', config: {} },
  { id: 'midge-window400', broker: 'midge', label: 'Midge `commit_window_ms: 400`', config: { persistence: { commit_window_ms: 400 } } },
  { id: 'midge-window0', broker: 'midge', label: 'Midge `commit_window_ms: 0`', config: { persistence: { commit_window_ms: 0 } } },
  { id: 'midge-inflight0', broker: 'midge', label: 'Midge `inflight_wait_ms: 0`', config: { persistence: { inflight_wait_ms: 0 } } },
  { id: 'midge-normal', broker: 'midge', label: 'Midge `synchronous: normal` (opt-out: not power-cut safe)', config: { persistence: { synchronous: 'normal' } } },
  { id: 'mosquitto', broker: 'mosquitto', label: 'mosquitto default (autosave 1800 s)', conf: [] },
  { id: 'mosquitto-autosave', broker: 'mosquitto', label: 'mosquitto `autosave_on_changes true`, `autosave_interval 1`', conf: ['autosave_on_changes true', 'autosave_interval 1'] },
];

// ---- The scenarios (the rows). rate: msg/s of one steady publisher; fanIn: saturating publishers.
// Scenario-level broker settings (queue limits, bridges) apply to every column alike.
const UNLIMITED_QUEUE = { midge: { mqtt: { max_queued_messages: 0 } }, mosquitto: ['max_queued_messages 0'] };
const SCENARIOS = {
  a: { title: 'a. 10 msg/s QoS 1 through an online bridge', unit: 'B/msg', rate: 10, uplink: 'up' },
  b: { title: 'b. 10 msg/s QoS 1, uplink down (queued)', unit: 'B/msg', rate: 10, uplink: 'down' },
  c: { title: 'c. 10 msg/s QoS 1 to an offline persistent subscriber', unit: 'B/msg', rate: 10, offlineSub: true },
  d: { title: 'd. 1 retained update per second', unit: 'B/update', rate: 1, retain: true },
  e: { title: 'e. saturating durable QoS 1 fan-in', unit: 'B/msg', fanIn: true, burst: true,
    settings: { midge: { mqtt: { max_inflight_messages: 65535, max_queued_messages: 0 } }, mosquitto: ['max_inflight_messages 0', 'max_queued_messages 0'] } },
  c1k: { title: 'c at 1,000 msg/s (queue limit off)', unit: 'B/msg', rate: 1000, offlineSub: true, burst: true, settings: UNLIMITED_QUEUE },
  c1: { title: 'c at 1 msg/s', unit: 'B/msg', rate: 1, offlineSub: true },
  c100: { title: 'c at 100 msg/s (queue limit off)', unit: 'B/msg', rate: 100, offlineSub: true, settings: UNLIMITED_QUEUE },
};
const FANIN_PUBS = 4, WINDOW = 100, PAYLOAD = Buffer.alloc(64, 'x');

const quick = process.argv.includes('--quick');
const opt = {
  rounds: Number(arg('rounds', 3)),
  warmup: Number(arg('warmup', quick ? 2 : 5)),
  interval: Number(arg('interval', quick ? 8 : 30)), // steady-rate scenarios a-d
  burst: Number(arg('burst', quick ? 4 : 10)), // e (each of on/off) and c1k
  imageMb: Number(arg('image-mb', 256)),
  // e.g. --mount-options noatime,lazytime: how the store's filesystem is mounted (default: ext4's defaults)
  mountOptions: arg('mount-options', ''),
  scenarios: arg('scenarios', Object.keys(SCENARIOS).join(',')).split(','),
  only: arg('only', ''),
};
const columns = opt.only ? COLUMNS.filter((c) => opt.only.split(',').some((o) => o === c.id || o === c.broker)) : COLUMNS;
for (const s of opt.scenarios) if (!SCENARIOS[s]) throw new Error(`unknown scenario ${s} (have ${Object.keys(SCENARIOS).join(', ')})`);
if (!columns.length) throw new Error(`--only ${opt.only} matches no column (${COLUMNS.map((c) => c.id).join(', ')})`);

const isObj = (v) => v && typeof v === 'object' && !Array.isArray(v);
const merge = (a, b) => { const out = { ...a }; for (const [k, v] of Object.entries(b ?? {})) out[k] = isObj(v) && isObj(a[k]) ? merge(a[k], v) : v; return out; };
const midgeConfig = (dataDir, col, scenarioConfig) =>
  merge(merge({ log: { level: 'info' }, listeners: [{ host: '127.0.0.1', port: 0 }], persistence: { path: dataDir } }, col.config), scenarioConfig);

/** Start the column's broker with its data on fs.dir; scenario settings: { midge: {...}, mosquitto: [lines], bridgeTo: port, persistence }. */
async function startBroker(col, fs, work, s) {
  if (col.broker === 'midge') {
    const bridges = s.bridgeTo ? { bridges: [{ name: 'cloud', addresses: [`127.0.0.1:${s.bridgeTo}`], topics: ['wear/# out 1'] }] } : {};
    const config = midgeConfig(fs.dir, col, merge(merge(s.midge, bridges), s.persistence ? {} : { persistence: { enabled: false } }));
    const file = join(work, 'midge.yaml');
    writeFileSync(file, YAML.stringify(config));
    const m = await startMidgeProcess(file);
    return { port: m.port, child: m.child, untrack: track(m.child) };
  }
  const port = await freePort();
  const lines = [...(process.getuid?.() === 0 ? ['user root'] : []), `persistence ${s.persistence}`, `persistence_location ${fs.dir}/`, ...col.conf, ...(s.mosquitto ?? [])];
  if (s.bridgeTo) lines.push('connection cloud', `address 127.0.0.1:${s.bridgeTo}`, 'topic wear/# out 1'); // last: lines after `connection` belong to it
  const child = await startMosquitto(port, work, lines);
  return { port, child, untrack: track(child) };
}

/** One measured run: fresh filesystem, broker, load, warm-up, measured interval; everything removed after. */
async function runOne(col, name, persistence = true) {
  const sc = SCENARIOS[name];
  const work = mkdtempSync(join(tmpdir(), 'midge-wear-'));
  const removeWork = onCleanup(() => removeDir(work));
  const fs = useLoop ? loopFs(work, opt.imageMb, opt.mountOptions) : procIoFs(work);
  const clients = [];
  let broker, cloud, delivered = 0;
  try {
    let bridgeTo;
    if (sc.uplink) {
      bridgeTo = await freePort(); // 'down': nothing listens there
      if (sc.uplink === 'up') {
        const dir = join(work, 'cloud');
        mkdirSync(dir);
        cloud = await startMosquitto(bridgeTo, dir, ['persistence false']);
        cloud.untrack = track(cloud);
        const sub = await client(bridgeTo, { clientId: 'wear-cloud-sub' });
        await sub.subscribeAsync('#', { qos: 1 });
        sub.on('message', () => delivered++);
        clients.push(sub);
      }
    }
    broker = await startBroker(col, fs, work, { ...sc.settings, bridgeTo, persistence });
    fs.setPid?.(broker.child.pid);
    if (sc.offlineSub) {
      const sub = await client(broker.port, { clientId: 'wear-sub', clean: false });
      await sub.subscribeAsync('wear/#', { qos: 1 });
      await sub.endAsync();
    }
    let load;
    if (sc.fanIn) { // persistent subscriber online (raw, cheap acking), publishers windowed
      const sub = await open(broker.port, ackingSubscriber(() => delivered++));
      sub.write(connect('wear-sub', false));
      sub.write(subscribe('wear/#', 1));
      clients.push({ end: () => sub.destroy() });
      const pubs = await Promise.all(Array.from({ length: FANIN_PUBS }, (_, i) => client(broker.port, { clientId: `wear-pub-${i}` })));
      clients.push(...pubs);
      load = windowPublishers(pubs, 'wear/fan', WINDOW, PAYLOAD);
    } else {
      const pub = await client(broker.port, { clientId: 'wear-pub' });
      clients.push(pub);
      load = steadyPublisher(pub, sc.retain ? 'wear/retained' : 'wear/t', sc.rate, PAYLOAD, !!sc.retain);
    }
    await sleep(opt.warmup * 1000);
    const a0 = load.stats.acked, t0 = performance.now();
    const b0 = await fs.bytesWritten();
    load.stats.recording = true;
    await sleep((sc.burst ? opt.burst : opt.interval) * 1000);
    const a1 = load.stats.acked, t1 = performance.now();
    load.stats.recording = false;
    const b1 = await fs.bytesWritten();
    load.stop();
    for (let i = 0; i < 50 && load.stats.pending > 0; i++) await sleep(100); // up to 5 s for the last recorded PUBACKs
    const msgs = a1 - a0;
    return { bytes: b1 - b0, msgs, bytesPerMsg: msgs ? (b1 - b0) / msgs : null, rate: msgs / ((t1 - t0) / 1000),
      p50: percentile(load.stats, 50), p99: percentile(load.stats, 99), errors: load.stats.errors, delivered };
  } finally {
    for (const c of clients) c.end(true);
    if (broker) await stopChild(broker.child, broker.untrack);
    if (cloud) await stopChild(cloud, cloud.untrack);
    fs.destroy();
    removeWork();
  }
}

// ---- main ----
const probeDir = mkdtempSync(join(tmpdir(), 'midge-wear-probe-'));
const loop = process.argv.includes('--proc-io') ? { ok: false, why: '--proc-io given' } : loopDevicesWork(probeDir);
removeDir(probeDir);
const useLoop = loop.ok;
const method = useLoop
  ? 'sectors written to the loop device under a fresh ext4 filesystem (/sys/block/loopN/stat, after sync)'
  : `FALLBACK (loop device unusable: ${loop.why}): write_bytes of the broker process (/proc/PID/io)`;
const plan = opt.scenarios.flatMap((s) => (SCENARIOS[s].fanIn ? [[s, true], [s, false]] : [[s, true]]));
const secs = opt.rounds * columns.length * plan.reduce((t, [s]) => t + opt.warmup + (SCENARIOS[s].burst ? opt.burst : opt.interval) + 4, 0);
console.log(`flash wear: ${method}\n${opt.rounds} round(s) x ${columns.length} column(s) x ${plan.length} run(s), about ${Math.ceil(secs / 60)} min`);

const runs = [];
for (let r = 1; r <= opt.rounds; r++) {
  for (const [s, persistence] of plan) {
    for (const col of columns) {
      const x = await runOne(col, s, persistence);
      runs.push({ round: r, scenario: s, persistence, column: col.id, ...x });
      const ms = (v) => (v === Infinity ? 'unacked' : `${v?.toFixed(1)} ms`);
      console.log(`round ${r} ${s}${persistence ? '' : ' (persistence off)'} ${col.id}: ${x.bytesPerMsg === null ? '-' : Math.round(x.bytesPerMsg)} B/msg `
        + `(${x.bytes} B, ${x.msgs} msgs, ${Math.round(x.rate)} msg/s), PUBACK p50 ${ms(x.p50)} p99 ${ms(x.p99)}${x.errors ? `, ${x.errors} errors` : ''}`);
    }
  }
}

// ---- medians and the tables ----
const pick = (s, col, persistence, key) => runs.filter((x) => x.scenario === s && x.column === col && x.persistence === persistence).map((x) => x[key]).filter((v) => v !== null);
const median = (a) => (a.length ? med(a) : null);
const num = (v, digits = 0) => (v === null ? '-' : v === Infinity ? 'unacked' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const results = {};
for (const s of opt.scenarios) {
  results[s] = {};
  for (const col of columns) {
    const m = { bytesPerMsg: median(pick(s, col.id, true, 'bytesPerMsg')), rate: median(pick(s, col.id, true, 'rate')), p50: median(pick(s, col.id, true, 'p50')), p99: median(pick(s, col.id, true, 'p99')) };
    if (SCENARIOS[s].fanIn) {
      m.rateOff = median(pick(s, col.id, false, 'rate'));
      const on = pick(s, col.id, true, 'rate'), off = pick(s, col.id, false, 'rate');
      m.ratio = median(on.map((v, i) => v / off[i]));
    }
    results[s][col.id] = m;
  }
}
const header = (first) => `| ${first} | ${columns.map((c) => c.label).join(' | ')} |\n|---|${columns.map(() => '---|').join('')}`;
const cell = (s, m) => (SCENARIOS[s].fanIn
  ? `${num(m.bytesPerMsg)} B/msg; on/off ${num(m.ratio, 2)} (${num(m.rate)} / ${num(m.rateOff)} msg/s)`
  : num(m.bytesPerMsg));
const wear = [header(`bytes written per message (${useLoop ? 'loop device' : '/proc/PID/io FALLBACK'}), median of ${opt.rounds}`),
  ...opt.scenarios.map((s) => `| ${SCENARIOS[s].title} (${SCENARIOS[s].unit}) | ${columns.map((c) => cell(s, results[s][c.id])).join(' | ')} |`)].join('\n');
const latRows = opt.scenarios.filter((s) => SCENARIOS[s].offlineSub);
const latency = latRows.length ? [header('PUBACK latency p50 / p99, ms (offline persistent subscriber)'),
  ...latRows.map((s) => `| ${num(SCENARIOS[s].rate)} msg/s | ${columns.map((c) => `${num(results[s][c.id].p50, 1)} / ${num(results[s][c.id].p99, 1)}`).join(' | ')} |`)].join('\n') : '';
console.log(`\n${wear}\n\n${latency}\n`);
console.log(`measured ${opt.interval} s (a-d) / ${opt.burst} s (e on and off, c1k) after ${opt.warmup} s of warm-up; 64 B payloads, QoS 1; e: ${FANIN_PUBS} publishers x ${WINDOW} in flight,`
  + ' on/off = throughput with persistence on / the same broker with it off. "unacked": that share of the messages sent in the interval had no PUBACK 5 s after it.');

const out = join(root, 'build/bench-wear');
mkdirSync(out, { recursive: true });
const file = join(out, `wear-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const json = JSON.stringify({ date: new Date().toISOString(), method, options: opt, columns, scenarios: SCENARIOS, runs, results, tables: { wear, latency } }, null, 2);
writeFileSync(file, json);
writeFileSync(join(out, 'latest.json'), json);
console.log(`results: ${file}`);
