// Shared pieces of the project benchmarks: raw MQTT 3.1.1 packets (no client library in the
// measured path), a stream framer, socket helpers, starting midge and medians.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname;

export const str = (s) => { const b = Buffer.from(s); return Buffer.concat([Buffer.from([b.length >> 8, b.length & 255]), b]); };
export const varint = (n) => { const out = []; do { let d = n % 128; n = Math.floor(n / 128); if (n > 0) d |= 128; out.push(d); } while (n > 0); return Buffer.from(out); };
export const packet = (first, body) => Buffer.concat([Buffer.from([first]), varint(body.length), body]);
export const connect = (id, clean) => packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, clean ? 2 : 0, 0, 60]), str(id)]));
export const subscribe = (filter, qos = 1) => packet(0x82, Buffer.concat([Buffer.from([0, 1]), str(filter), Buffer.from([qos])]));
export const puback = (hi, lo) => Buffer.from([0x40, 2, hi, lo]);

/** Calls onPacket(type, buf, start, end, flags) for each complete packet of a byte stream (flags: low nibble of the fixed header). */
export function framer(onPacket) {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    const buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let i = 0;
    while (i + 2 <= buf.length) {
      let len = 0, mult = 1, j = i + 1, b;
      do { if (j >= buf.length) { b = -1; break; } b = buf[j++]; len += (b & 127) * mult; mult *= 128; } while (b & 128);
      if (b === -1 || j + len > buf.length) break;
      onPacket(buf[i] >> 4, buf, j, j + len, buf[i] & 15);
      i = j + len;
    }
    pending = buf.subarray(i);
  };
}

export function open(port, onPacket) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(s));
    s.setNoDelay(true);
    s.on('data', framer((type, buf, start, end, flags) => onPacket(s, type, buf, start, end, flags)));
    s.once('error', reject);
  });
}

/** Acknowledge every QoS 1 PUBLISH on `s`; calls onMessage(payloadBuffer) for each. */
export function ackingSubscriber(onMessage) {
  return (s, type, buf, start, end, flags) => {
    if (type !== 3) return;
    const qos = (flags >> 1) & 3;
    const tlen = (buf[start] << 8) | buf[start + 1];
    let p = start + 2 + tlen;
    if (qos > 0) { s.write(puback(buf[p], buf[p + 1])); p += 2; }
    onMessage(buf.subarray(p, end));
  };
}

/** Start `node dist/cli.js -c CONFIG` and resolve with its port (from the log) and the child. */
export async function startMidgeProcess(configFile, extraArgs = []) {
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), join(root, 'dist/cli.js'), '-c', configFile, ...extraArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    child.stderr.on('data', (c) => { log += c; const m = /listening on 127\.0\.0\.1:(\d+)/.exec(log); if (m) resolve(Number(m[1])); });
    child.once('exit', (code) => reject(new Error(`midge exited ${code}: ${log}`)));
  });
  return { child, port, log: () => log, stop: async () => { child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r)); } };
}

/** Start `mosquitto -c DIR/mosquitto.conf` with these config lines and resolve with the child once `port` accepts connections. */
export async function startMosquitto(port, dir, lines) {
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'log_dest stderr', 'log_type error', ...lines, ''].join('\n'));
  const child = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (c) => { log += c; });
  for (let i = 0; i < 100 && child.exitCode === null; i++) {
    try { const s = await open(port, () => {}); s.destroy(); return child; } catch { await new Promise((r) => setTimeout(r, 50)); }
  }
  child.kill('SIGKILL');
  throw new Error(`mosquitto did not start: ${log}`);
}

/** A free TCP port on 127.0.0.1 (bound and released). */
export function freePort() {
  return new Promise((resolve) => { const srv = net.createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); }); });
}

export const med = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
export const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : def; };
