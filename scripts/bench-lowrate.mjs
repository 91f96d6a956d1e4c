#!/usr/bin/env node
// Where the time goes at low rate (issue 19): ../shared/bench/mqttload.c --scenario latency at
// 1,000 msg/s (QoS 0 and 1), Midge (scripts/bench-midge.yaml, as compare.sh) vs mosquitto
// (../shared/bench/mosquitto.conf), interleaved rounds, medians. Counts, not only times (the machine
// is shared): per message, the broker's system calls (strace -c -f, in a separate run because
// strace slows the process down) and its wake-ups (voluntary context switches of all its threads,
// /proc/PID/task/*/status), besides CPU s per million messages and latency percentiles.
//   node scripts/bench-lowrate.mjs [--rounds 3] [--count 10000] [--qos 0,1] [--strace 1] [--dists a=DIR,b=DIR]
// BENCH_NODE_ARGS: extra Node flags for Midge (A/B of startup flags).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { arg, med, root } from './bench-lib.mjs';

const ROUNDS = Number(arg('rounds', 3)), COUNT = Number(arg('count', 10000)), QOS = arg('qos', '0,1').split(',').map(Number);
const STRACE = arg('strace', '1') === '1', PORT = 19870;
const shared = join(root, '../shared/bench'), work = join(root, 'build/bench-lowrate');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
mkdirSync(work, { recursive: true });
execFileSync('cc', ['-O2', '-o', join(work, 'mqttload'), join(shared, 'mqttload.c')]);
execFileSync('bash', ['-c', `sed 's/port: 18852/port: ${PORT}/' ${join(root, 'scripts/bench-midge.yaml')} > ${join(work, 'midge.yaml')}; sed 's/^listener 18850/listener ${PORT}/' ${join(shared, 'mosquitto.conf')} > ${join(work, 'mosquitto.conf')}`]);
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
// --dists name=DIR,name2=DIR2: A/B of builds (each a dist/ folder), interleaved with mosquitto;
// name=DIR+--flag+--flag2 adds Node startup flags to that variant (A/B of flags)
const dists = arg('dists', `midge=${join(root, 'dist')}`).split(',').map((d) => d.split('='));
const brokers = Object.fromEntries([
  ...dists.map(([name, spec]) => { const [dir, ...flags] = spec.split('+'); return [name, [process.execPath, [...nodeArgs, ...flags, join(dir, 'cli.js'), '-c', join(work, 'midge.yaml')]]]; }),
  ['mosquitto', ['mosquitto', ['-c', join(work, 'mosquitto.conf')]]],
]);

async function startBroker(name) {
  const [cmd, args] = brokers[name];
  const child = spawn(cmd, args, { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try { execFileSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${PORT}`], { stdio: 'ignore' }); await sleep(500); return child; } catch { await sleep(100); }
  }
  throw new Error(`${name} does not listen`);
}
/** utime and stime (s) of the whole process, from /proc/PID/stat. */
const cpuSplit = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return [Number(f[11]) / 100, Number(f[12]) / 100]; };
const wakeups = (pid) => readdirSync(`/proc/${pid}/task`).reduce((n, t) => n + Number(/voluntary_ctxt_switches:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8'))[1]), 0);
const load = (qos, pid) => JSON.parse(execFileSync(join(work, 'mqttload'), ['--scenario', 'latency', '--qos', qos, '--rate', 1000, '--count', COUNT, '--port', PORT, '--broker-pid', pid].map(String), { encoding: 'utf8' }));

async function run(name, qos, strace) {
  const b = await startBroker(name);
  try {
    if (!strace) {
      const w0 = wakeups(b.pid), c0 = cpuSplit(b.pid), x = load(qos, b.pid), w1 = wakeups(b.pid), c1 = cpuSplit(b.pid);
      const user = c1[0] - c0[0], sys = c1[1] - c0[1];
      return { cpuPerM: x.broker_cpu_s_per_M, userShare: user / (user + sys), p50: x.p50_us, p99: x.p99_us, p999: x.p999_us, wakeupsPerMsg: (w1 - w0) / x.delivered, lost: x.loss };
    }
    const out = join(work, `strace-${name}-q${qos}.txt`);
    const st = spawn('strace', ['-c', '-f', '-o', out, '-p', String(b.pid)], { stdio: 'ignore' });
    await sleep(1000);
    const x = load(qos, b.pid);
    st.kill('SIGINT');
    await new Promise((r) => st.once('exit', r));
    const text = readFileSync(out, 'utf8'), calls = {};
    for (const m of text.matchAll(/^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$/gm)) if (m[2] !== 'total') calls[m[2]] = Number(m[1]);
    const total = Number(/(\d+)\s+(?:\d+\s+)?total/.exec(text)?.[1] ?? NaN);
    return { syscallsPerMsg: total / x.delivered, top: Object.entries(calls).sort((a, c) => c[1] - a[1]).slice(0, 6).map(([k, v]) => `${k} ${(v / x.delivered).toFixed(2)}`).join(', ') };
  } finally {
    b.kill('SIGTERM');
    await new Promise((r) => b.once('exit', r));
  }
}

const rows = [];
for (let r = 1; r <= ROUNDS; r++) {
  for (const qos of QOS) {
    for (const name of Object.keys(brokers)) {
      const x = await run(name, qos, false);
      rows.push({ name, qos, ...x });
      console.log(`round ${r} QoS ${qos} ${name}: ${JSON.stringify(x)}`);
      if (STRACE && r === 1) {
        const s = await run(name, qos, true);
        rows.push({ name, qos, ...s });
        console.log(`round ${r} QoS ${qos} ${name} strace: ${JSON.stringify(s)}`);
      }
    }
  }
}
console.log(`\nmedians of ${ROUNDS} (syscalls from one strace run), ${COUNT} msgs at 1,000/s`);
for (const qos of QOS) {
  for (const key of ['cpuPerM', 'userShare', 'p50', 'p99', 'p999', 'wakeupsPerMsg', 'syscallsPerMsg']) {
    const v = {};
    for (const name of Object.keys(brokers)) { const a = rows.filter((x) => x.name === name && x.qos === qos && x[key] != null).map((x) => x[key]); v[name] = a.length ? med(a) : NaN; }
    console.log(`QoS ${qos} ${key.padEnd(15)} ` + Object.keys(brokers).map((n) => `${n} ${v[n].toFixed(2).padStart(8)}`).join('  ') + '  ' + dists.map(([n]) => `${n}/mosquitto ${(v[n] / v.mosquitto).toFixed(2)}`).join('  '));
  }
  for (const name of Object.keys(brokers)) { const t = rows.find((x) => x.name === name && x.qos === qos && x.top); if (t) console.log(`QoS ${qos} ${name} syscalls/msg: ${t.top}`); }
}
