#!/usr/bin/env node
// Sensor-fleet benchmark (issue 19): the load a gateway carries for years, Midge vs mosquitto.
// Per run: a fresh "cloud" mosquitto (plain, not measured), a fresh broker under test with
// persistence on and a bridge `fleet/# out 1` to the cloud, then scripts/fleetload.c: C connections
// each publishing one QoS 1 message every 1/R s (spread evenly), a wildcard subscriber fleet/# on the
// broker (latency) and one on the cloud (what the bridge forwarded). Midge runs its default config
// (persistence.synchronous full) plus listener, data path and bridge; mosquitto gets persistence
// true and a bridge section to the cloud, otherwise its defaults. Scenarios x brokers interleaved,
// ROUNDS times; medians and ratios to mosquitto of the same run. Each round also measures idle RSS:
// Midge (bridge connected, no clients) vs a bare `node -e 'setInterval(()=>{},1e9)'`.
//   npm run bench:fleet -- [--rounds 3] [--warmup 10] [--duration 30] [--only 1k] [--brokers midge,mosquitto]
//   --scale F: F times the connections (same rate each), e.g. 0.2 under emulation
//   --root DIR: run the brokers (and bare Node) in the chroot DIR (emulated arm64: scripts/bench-fleet-arm64.sh)
// BENCH_NODE_ARGS: extra Node flags for Midge (A/B of startup flags).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { arg, med, root } from './bench-lib.mjs';
import { scenarios, summarize } from './bench-fleet-report.mjs';

const ROUNDS = Number(arg('rounds', 3)), WARMUP = Number(arg('warmup', 10)), DURATION = Number(arg('duration', 30));
const SCALE = Number(arg('scale', 1)), ONLY = arg('only', ''), BROKERS = arg('brokers', 'midge,mosquitto').split(','), CHROOT = arg('root', '');
const PORT = 19860, CLOUD_PORT = 19861;
const work = join(root, 'build/bench-fleet'), inner = '/tmp/midge-bench-fleet'; // inner: the path as the broker sees it
const outer = (p) => (CHROOT ? join(CHROOT, p) : p);
const NODE = CHROOT ? '/opt/node/bin/node' : process.execPath, MIDGE = CHROOT ? '/opt/midge/dist/cli.js' : join(root, 'dist/cli.js');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

mkdirSync(work, { recursive: true });
execFileSync('cc', ['-O2', '-Wall', '-o', join(work, 'fleetload'), join(root, 'scripts/fleetload.c')], { stdio: 'inherit' });

/** Start a command with a high open-files limit (in the chroot if --root); `exec` keeps its pid. */
function start(cmd, args, { inChroot = true, log } = {}) {
  const argv = CHROOT && inChroot ? ['chroot', CHROOT, '/usr/bin/env', '-i', 'PATH=/opt/node/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root', cmd, ...args] : [cmd, ...args];
  const child = spawn('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec "$@"', 'bash', ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  child.stderr.on('data', (c) => { out += c; if (log) process.stderr.write(c); });
  child.output = () => out;
  return child;
}
async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  if (await Promise.race([exited.then(() => true), sleep(15000).then(() => false)]) === false) { child.kill('SIGKILL'); await exited; }
}
async function waitListening(child, port) {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${child.output()}`);
    try { execFileSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`], { stdio: 'ignore' }); return; } catch { await sleep(100); }
  }
  throw new Error(`nothing listens on ${port}`);
}
const rssKb = (pid) => Number(/VmRSS:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

function midgeConfig(dir) {
  writeFileSync(outer(join(dir, 'midge.yaml')), [
    'log:', '  level: warn', 'listeners:', '  - host: 127.0.0.1', `    port: ${PORT}`,
    'persistence:', '  enabled: true', `  path: ${join(dir, 'data')}`,
    'bridges:', '  - name: cloud', `    addresses: ["127.0.0.1:${CLOUD_PORT}"]`, '    topics: ["fleet/# out 1"]', '',
  ].join('\n'));
  return join(dir, 'midge.yaml');
}
function mosquittoConfig(dir) {
  mkdirSync(outer(join(dir, 'data')), { recursive: true });
  writeFileSync(outer(join(dir, 'mosquitto.conf')), [
    `listener ${PORT} 127.0.0.1`, 'allow_anonymous true', 'persistence true', `persistence_location ${join(dir, 'data')}/`,
    'log_dest stderr', 'log_type error', 'log_type warning',
    'connection cloud', `address 127.0.0.1:${CLOUD_PORT}`, 'topic fleet/# out 1', '',
  ].join('\n'));
  return join(dir, 'mosquitto.conf');
}
const brokerCommands = {
  midge: (dir) => [NODE, [...nodeArgs, MIDGE, '-c', midgeConfig(dir)]],
  mosquitto: (dir) => ['mosquitto', ['-c', mosquittoConfig(dir)]],
};

/** A fresh cloud, a fresh broker bridged to it, and `fn(broker)`; everything stopped afterwards. */
async function withBroker(name, fn) {
  const dir = join(inner, name);
  rmSync(outer(dir), { recursive: true, force: true });
  mkdirSync(outer(dir), { recursive: true });
  writeFileSync(join(work, 'cloud.conf'), `listener ${CLOUD_PORT} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 1000000\n`);
  const cloud = start('mosquitto', ['-c', join(work, 'cloud.conf')], { inChroot: false });
  const [cmd, args] = brokerCommands[name](dir);
  let broker;
  try {
    await waitListening(cloud, CLOUD_PORT);
    broker = start(cmd, args);
    await waitListening(broker, PORT);
    await sleep(2000); // the bridge connects, start-up garbage settles
    return await fn(broker);
  } finally {
    if (broker) await stop(broker);
    await stop(cloud);
    rmSync(outer(dir), { recursive: true, force: true });
  }
}

function fleetload(s, pid) {
  const out = execFileSync(join(work, 'fleetload'), ['--conns', Math.round(s.conns * SCALE), '--rate', s.rate, '--port', PORT, '--cloud-port', CLOUD_PORT, '--broker-pid', pid,
    '--warmup', WARMUP, '--duration', DURATION].map(String), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: (WARMUP + DURATION + 200) * 1000 });
  return JSON.parse(out.trim().split('\n').pop());
}

async function idleRss() {
  const bare = start(NODE, ['-e', 'setInterval(()=>{},1e9)']);
  await sleep(5000);
  const bareKb = rssKb(bare.pid);
  await stop(bare);
  const midgeKb = await withBroker('midge', async (b) => { await sleep(3000); return rssKb(b.pid); });
  return { bareKb, midgeKb };
}

const results = [], idle = [];
const file = join(work, `fleet-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`);
const chosen = scenarios.filter((s) => !ONLY || s.name.includes(ONLY));
console.log(`fleet benchmark: ${ROUNDS} rounds,${SCALE !== 1 ? ` connections x ${SCALE},` : ''} warm-up ${WARMUP} s, measured ${DURATION} s${CHROOT ? `, brokers in ${CHROOT}` : ''}; results -> ${file}`);
for (let r = 1; r <= ROUNDS; r++) {
  if (BROKERS.includes('midge')) {
    const x = await idleRss();
    idle.push(x);
    writeFileSync(file, JSON.stringify({ round: r, idle: x }) + '\n', { flag: 'a' });
    console.log(`round ${r} idle RSS: midge ${(x.midgeKb / 1024).toFixed(1)} MB, bare node ${(x.bareKb / 1024).toFixed(1)} MB`);
  }
  for (const s of chosen) {
    for (const b of BROKERS) {
      const x = await withBroker(b, (broker) => fleetload(s, broker.pid));
      const row = { round: r, scenario: s.name, broker: b, loadavg: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]), ...x };
      results.push(row);
      writeFileSync(file, JSON.stringify(row) + '\n', { flag: 'a' });
      console.log(`round ${r} ${s.name} ${b}: CPU ${x.broker_cpu_pct}% RSS ${(x.broker_rss_kb / 1024).toFixed(1)} MB p50 ${x.p50_us} us p99 ${x.p99_us} us lost ${x.lost_sub}/${x.lost_cloud} gen CPU ${x.gen_cpu_pct}%`);
    }
  }
}
console.log('\n' + summarize(results, idle, med, SCALE));
