#!/usr/bin/env node
// Bridge store-and-forward benchmark (issue 5 targets: enqueue >= 50,000 msg/s, drain >= 20,000 msg/s).
//  1. enqueue: midge with SQLite persistence and one bridge whose upstream is down; 4 raw publishers
//     (QoS 1, window 100, 64 B) publish COUNT messages each; every PUBACK means the message is durably
//     in the bridge queue. Rate = messages / time to the last PUBACK.
//  2. drain: a mosquitto (the "cloud", plain TCP, no rate cap) runs on the bridge's address with a raw
//     subscriber on it; the bridge is lazy with threshold = all messages, so it connects only once the
//     last one is queued. Rate = messages / (last arrival - first arrival) at the subscriber.
// Usage: npm run build && node scripts/bench-bridge.mjs [--rounds 3] [--count 25000] [--inflight 100]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ackingSubscriber, arg, connect, freePort, med, open, packet, startMidgeProcess, startMosquitto, str, subscribe } from './bench-lib.mjs';

const ROUNDS = Number(arg('rounds', 3)), COUNT = Number(arg('count', 25000)), INFLIGHT = Number(arg('inflight', 100));
const PUBS = 4, WINDOW = 100, SIZE = 64;

async function publishAll(port) {
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: PUBS }, async (_, p) => {
    let sent = 0, acked = 0, inflight = 0, done;
    const finished = new Promise((r) => (done = r));
    const body = (id) => Buffer.concat([str(`meter/${p}`), Buffer.from([id >> 8, id & 255]), Buffer.alloc(SIZE, 120)]);
    const pump = (s) => { const out = []; while (inflight < WINDOW && sent < COUNT) { out.push(packet(0x32, body((sent % 65535) + 1))); sent++; inflight++; } if (out.length) s.write(Buffer.concat(out)); };
    const s = await open(port, (sock, type) => { if (type === 2) pump(sock); if (type === 4) { inflight--; if (++acked === COUNT) done(); else pump(sock); } });
    s.write(connect(`bench-pub-${p}`, true));
    await finished;
    s.destroy();
  }));
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function runOnce() {
  const dir = mkdtempSync(join(tmpdir(), 'midge-bench-bridge-'));
  const upstream = await freePort();
  const config = join(dir, 'midge.yaml');
  writeFileSync(config, [
    'log:', '  level: info', 'listeners:', '  - host: 127.0.0.1', '    port: 0',
    'persistence:', '  enabled: true', `  path: ${JSON.stringify(join(dir, 'data'))}`,
    'bridges:', '  - name: bench', `    addresses: ["127.0.0.1:${upstream}"]`, '    topics: ["meter/# out 1"]',
    '    restart_timeout: "0.2 0.2"', `    max_inflight: ${INFLIGHT}`, '    start_type: lazy', `    threshold: ${COUNT * PUBS}`, '    max_queue_messages: 0', '    max_queue_bytes: 0', '',
  ].join('\n'));
  const total = COUNT * PUBS;
  // the shared bench's limits: mosquitto must not drop when its subscriber lags behind the bridge
  const mosq = await startMosquitto(upstream, dir, ['persistence false', 'max_inflight_messages 0', 'max_queued_messages 1000000', 'max_queued_bytes 0']);
  let received = 0, first = 0n, last = 0n, done;
  const finished = new Promise((r) => (done = r));
  const sub = await open(upstream, ackingSubscriber(() => {
    const now = process.hrtime.bigint();
    if (received === 0) first = now;
    last = now;
    if (++received === total) done();
  }));
  sub.write(connect('bench-cloud-sub', true));
  sub.write(subscribe('meter/#', 1));
  await new Promise((r) => setTimeout(r, 300)); // CONNACK + SUBACK (setup, not measured)
  const midge = await startMidgeProcess(config);
  const enqueueSecs = await publishAll(midge.port);
  const timeout = setTimeout(() => done(), 180000);
  await finished;
  clearTimeout(timeout);
  const drainSecs = Number(last - first) / 1e9;
  sub.destroy();
  await midge.stop();
  mosq.kill('SIGTERM');
  await new Promise((r) => mosq.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  return { enqueue: total / enqueueSecs, drain: received / drainSecs, lost: total - received };
}

const res = { enqueue: [], drain: [] };
for (let r = 1; r <= ROUNDS; r++) {
  const x = await runOnce();
  res.enqueue.push(x.enqueue);
  res.drain.push(x.drain);
  console.log(`round ${r}: enqueue ${Math.round(x.enqueue)} msg/s, drain ${Math.round(x.drain)} msg/s, not delivered ${x.lost}`);
}
console.log(`\nbridge store-and-forward (${PUBS} pubs x ${COUNT}, QoS 1, ${SIZE} B, bridge max_inflight ${INFLIGHT}), medians of ${ROUNDS}:`);
console.log(`  durable enqueue: ${Math.round(med(res.enqueue))} msg/s [${res.enqueue.map(Math.round).join(', ')}]  (target >= 50000)`);
console.log(`  replay drain:    ${Math.round(med(res.drain))} msg/s [${res.drain.map(Math.round).join(', ')}]  (target >= 20000)`);
