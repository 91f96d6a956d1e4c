#!/usr/bin/env node
// Durable QoS 1 fan-in: 4 publishers (window 100, 64-byte payloads) -> 1 subscriber with a
// PERSISTENT session (clean session = 0), so every message is journaled to the store before
// the publisher gets its PUBACK. Runs midge with persistence on (SQLite) and off (memory),
// interleaved, and prints medians and the ratio. compare.sh cannot measure this: mqttload's
// subscriber uses a clean session, which writes nothing.
// Usage: npm run build && node scripts/bench-durable.mjs [--rounds 3] [--count 50000] [--sync normal|full] [--inflight-wait MS]
// (--inflight-wait sets persistence.inflight_wait_ms; unset: the default)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, connect, med, open, packet, puback, root, str, subscribe as subscribePacket } from './bench-lib.mjs';

const ROUNDS = Number(arg('rounds', 3)), COUNT = Number(arg('count', 50000)), SYNC = arg('sync', 'full'); // the default config's
const INFLIGHT_WAIT = arg('inflight-wait', '');
const PUBS = 4, WINDOW = 100, SIZE = 64, TOPIC = 'bench/durable';
const subscribe = subscribePacket(`${TOPIC}/#`);

async function runOnce(persistence) {
  const dir = mkdtempSync(join(tmpdir(), 'midge-bench-'));
  const config = join(dir, 'midge.yaml');
  writeFileSync(config, `log:\n  level: warn\nlisteners:\n  - host: 127.0.0.1\n    port: 0\nmqtt:\n  max_inflight_messages: 65535\n  max_queued_messages: 0\npersistence:\n  enabled: ${persistence}\n  path: ${JSON.stringify(join(dir, 'data'))}\n  synchronous: ${SYNC}\n${INFLIGHT_WAIT === '' ? '' : `  inflight_wait_ms: ${INFLIGHT_WAIT}\n`}`);
  const broker = spawn(process.execPath, [join(root, 'dist/cli.js'), '-c', config, '-v'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    broker.stderr.on('data', (c) => { log += c; const m = /listening on 127\.0\.0\.1:(\d+)/.exec(log); if (m) resolve(Number(m[1])); });
    broker.once('exit', (code) => reject(new Error(`broker exited ${code}: ${log}`)));
  });
  const total = COUNT * PUBS;
  let received = 0, done;
  const finished = new Promise((r) => (done = r));
  const sub = await open(port, (s, type, buf, start) => {
    if (type !== 3) return;
    const tlen = (buf[start] << 8) | buf[start + 1];
    const id = start + 2 + tlen;
    s.write(puback(buf[id], buf[id + 1]));
    if (++received === total) done();
  });
  sub.write(connect('durable-sub', false));
  sub.write(subscribe);
  await new Promise((r) => setTimeout(r, 300)); // CONNACK + SUBACK (setup, not measured)
  /** The broker's CPU time in clock ticks (utime + stime, /proc/PID/stat). */
  const brokerTicks = () => { const f = readFileSync(`/proc/${broker.pid}/stat`, 'utf8').split(') ')[1].split(' '); return Number(f[11]) + Number(f[12]); };
  const ticks0 = brokerTicks();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const pubs = [];
  for (let p = 0; p < PUBS; p++) {
    let sent = 0, inflight = 0;
    const body = (id) => Buffer.concat([str(`${TOPIC}/${p}`), Buffer.from([id >> 8, id & 255]), Buffer.alloc(SIZE, 120)]);
    const pump = (s) => { const out = []; while (inflight < WINDOW && sent < COUNT) { out.push(packet(0x32, body((sent % 65535) + 1))); sent++; inflight++; } if (out.length) s.write(Buffer.concat(out)); };
    const s = await open(port, (sock, type) => { if (type === 2) pump(sock); if (type === 4) { inflight--; pump(sock); } });
    s.write(connect(`durable-pub-${p}`, true));
    pubs.push(s);
  }
  const timeout = setTimeout(() => done(), 120000);
  await finished;
  clearTimeout(timeout);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const brokerCpu = (brokerTicks() - ticks0) / 100 / secs; // USER_HZ is 100 on Linux
  for (const s of [sub, ...pubs]) s.destroy();
  broker.kill('SIGTERM');
  await new Promise((r) => broker.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  return { rate: received / secs, lost: total - received, loadCpu: (cpu.user + cpu.system) / 1e6 / secs, brokerCpu, usPerMsg: (brokerCpu * secs * 1e6) / received };
}

const res = { off: [], on: [] };
for (let r = 1; r <= ROUNDS; r++) {
  for (const mode of ['off', 'on']) {
    const x = await runOnce(mode === 'on');
    res[mode].push(x.rate);
    console.log(`round ${r} persistence ${mode}: ${Math.round(x.rate)} msgs/s delivered, lost ${x.lost}, broker CPU ${(x.brokerCpu * 100).toFixed(0)}% (${x.usPerMsg.toFixed(1)} µs per message), load generator CPU ${(x.loadCpu * 100).toFixed(0)}%`);
  }
}
const off = med(res.off), on = med(res.on);
console.log(`\ndurable QoS 1 fan-in (${PUBS} pubs x ${COUNT}, window ${WINDOW}, ${SIZE} B, persistent subscriber, synchronous ${SYNC}), medians of ${ROUNDS}:`);
console.log(`  persistence off (memory): ${Math.round(off)} msgs/s [${res.off.map(Math.round).join(', ')}]`);
console.log(`  persistence on  (SQLite): ${Math.round(on)} msgs/s [${res.on.map(Math.round).join(', ')}]`);
console.log(`  on/off: ${(on / off).toFixed(2)}  (cost ${((1 - on / off) * 100).toFixed(0)}%)`);
