#!/usr/bin/env node
// Durable QoS 1 fan-in: 4 publishers (window 100, 64-byte payloads) -> 1 subscriber with a
// PERSISTENT session (clean session = 0), so every message is journaled to the store before
// the publisher gets its PUBACK. Runs midge with persistence on (SQLite) and off (memory),
// interleaved, and prints medians and the ratio. compare.sh cannot measure this: mqttload's
// subscriber uses a clean session, which writes nothing.
// Usage: npm run build && node scripts/bench-durable.mjs [--rounds 3] [--count 50000] [--sync normal|full]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : def; };
const ROUNDS = Number(arg('rounds', 3)), COUNT = Number(arg('count', 50000)), SYNC = arg('sync', 'normal');
const PUBS = 4, WINDOW = 100, SIZE = 64, TOPIC = 'bench/durable';
const root = new URL('..', import.meta.url).pathname;

const str = (s) => { const b = Buffer.from(s); return Buffer.concat([Buffer.from([b.length >> 8, b.length & 255]), b]); };
const varint = (n) => { const out = []; do { let d = n % 128; n = Math.floor(n / 128); if (n > 0) d |= 128; out.push(d); } while (n > 0); return Buffer.from(out); };
const packet = (first, body) => Buffer.concat([Buffer.from([first]), varint(body.length), body]);
const connect = (id, clean) => packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, clean ? 2 : 0, 0, 60]), str(id)]));
const subscribe = packet(0x82, Buffer.concat([Buffer.from([0, 1]), str(`${TOPIC}/#`), Buffer.from([1])]));
const puback = (hi, lo) => Buffer.from([0x40, 2, hi, lo]);

/** Calls onPacket(type, buf, start, end) for each complete packet of a byte stream. */
function framer(onPacket) {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    const buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let i = 0;
    while (i + 2 <= buf.length) {
      let len = 0, mult = 1, j = i + 1, b;
      do { if (j >= buf.length) { b = -1; break; } b = buf[j++]; len += (b & 127) * mult; mult *= 128; } while (b & 128);
      if (b === -1 || j + len > buf.length) break;
      onPacket(buf[i] >> 4, buf, j, j + len);
      i = j + len;
    }
    pending = buf.subarray(i);
  };
}

function open(port, onPacket) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(s));
    s.setNoDelay(true);
    s.on('data', framer((type, buf, start, end) => onPacket(s, type, buf, start, end)));
    s.once('error', reject);
  });
}

async function runOnce(persistence) {
  const dir = mkdtempSync(join(tmpdir(), 'midge-bench-'));
  const config = join(dir, 'midge.yaml');
  writeFileSync(config, `log:\n  level: warn\nlisteners:\n  - host: 127.0.0.1\n    port: 0\nmqtt:\n  max_inflight_messages: 65535\n  max_queued_messages: 0\npersistence:\n  enabled: ${persistence}\n  path: ${JSON.stringify(join(dir, 'data'))}\n  synchronous: ${SYNC}\n`);
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
  for (const s of [sub, ...pubs]) s.destroy();
  broker.kill('SIGTERM');
  await new Promise((r) => broker.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  return { rate: received / secs, lost: total - received, loadCpu: (cpu.user + cpu.system) / 1e6 / secs };
}

const med = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const res = { off: [], on: [] };
for (let r = 1; r <= ROUNDS; r++) {
  for (const mode of ['off', 'on']) {
    const x = await runOnce(mode === 'on');
    res[mode].push(x.rate);
    console.log(`round ${r} persistence ${mode}: ${Math.round(x.rate)} msgs/s delivered, lost ${x.lost}, load generator CPU ${(x.loadCpu * 100).toFixed(0)}%`);
  }
}
const off = med(res.off), on = med(res.on);
console.log(`\ndurable QoS 1 fan-in (${PUBS} pubs x ${COUNT}, window ${WINDOW}, ${SIZE} B, persistent subscriber, synchronous ${SYNC}), medians of ${ROUNDS}:`);
console.log(`  persistence off (memory): ${Math.round(off)} msgs/s [${res.off.map(Math.round).join(', ')}]`);
console.log(`  persistence on  (SQLite): ${Math.round(on)} msgs/s [${res.on.map(Math.round).join(', ')}]`);
console.log(`  on/off: ${(on / off).toFixed(2)}  (cost ${((1 - on / off) * 100).toFixed(0)}%)`);
