// Pieces of the flash-wear benchmark (scripts/bench-wear.mjs): a fresh ext4 filesystem on a loop
// device per run, a meter of bytes written to it (or /proc/PID/io where loop devices cannot be
// mounted), clean-up on error and Ctrl-C, and MQTT.js load generators with PUBACK latencies.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';

const execFileAsync = promisify(execFile);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

// ---- clean-up: every resource registers an undo that also runs on SIGINT/SIGTERM (synchronously) ----
const undos = new Set();
/** Register a synchronous undo; returns a function that runs it once and unregisters it. */
export function onCleanup(fn) {
  const run = () => { if (undos.delete(run)) fn(); };
  undos.add(run);
  return run;
}
function cleanupAll() { for (const run of [...undos].reverse()) { try { run(); } catch (e) { console.error(`clean-up: ${e.message}`); } } }
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { console.error(`\n${sig}: cleaning up`); cleanupAll(); process.exit(130); });
process.on('exit', cleanupAll);

/** Track a child process: SIGKILLed on clean-up unless stopped first. */
export function track(child) {
  return onCleanup(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
}
export async function stopChild(child, untrack) {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    if (await Promise.race([exited.then(() => true), sleep(10000).then(() => false)]) === false) { child.kill('SIGKILL'); await exited; }
  }
  untrack?.();
}

// ---- the filesystem under the broker's data directory ----
const sh = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function unmount(mnt) {
  for (let i = 0; i < 20; i++) { try { sh('umount', [mnt]); return; } catch { sleepSync(250); } }
  sh('umount', ['-l', mnt]);
}

/**
 * A fresh ext4 filesystem of `sizeMb` in an image file under `workDir`, attached to a loop device and
 * mounted on workDir/mnt. Inode tables and journal are initialised by mkfs (lazy_*_init=0), so no
 * background ext4lazyinit writes land in the measurement. `bytesWritten()` syncs the filesystem and
 * returns the device's sectors written (field 7 of /sys/block/loopN/stat) x 512.
 */
export function loopFs(workDir, sizeMb = 256, mountOptions = '') {
  const img = join(workDir, 'fs.img'), mnt = join(workDir, 'mnt');
  mkdirSync(mnt, { recursive: true });
  sh('truncate', ['-s', `${sizeMb}M`, img]);
  sh('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=0,lazy_journal_init=0', img]);
  const dev = sh('losetup', ['--find', '--show', img]).trim();
  const detach = onCleanup(() => { try { sh('losetup', ['-d', dev]); } catch { /* already gone */ } });
  try { sh('mount', mountOptions ? ['-o', mountOptions, dev, mnt] : [dev, mnt]); } catch (e) { detach(); throw e; }
  const unmountIt = onCleanup(() => unmount(mnt));
  const stat = `/sys/block/${basename(dev)}/stat`;
  return {
    method: 'loop',
    dir: mnt,
    device: dev,
    bytesWritten: async () => { await execFileAsync('sync', ['-f', mnt]); return Number(readFileSync(stat, 'utf8').trim().split(/\s+/)[6]) * 512; },
    destroy: () => { unmountIt(); detach(); },
  };
}

/** Fallback without loop devices: a plain directory; bytes = write_bytes in /proc/PID/io of the broker. */
export function procIoFs(workDir) {
  const dir = join(workDir, 'data');
  mkdirSync(dir, { recursive: true });
  let pid = 0;
  return {
    method: 'proc-io',
    dir,
    setPid: (p) => { pid = p; },
    bytesWritten: async () => Number(/write_bytes:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))[1]),
    destroy: () => {},
  };
}

/** Whether a loop-mounted ext4 works here (root, loop support, mkfs.ext4, losetup). */
export function loopDevicesWork(workDir) {
  if (process.getuid?.() !== 0) return { ok: false, why: 'not root' };
  try { loopFs(workDir, 16).destroy(); return { ok: true }; } catch (e) { return { ok: false, why: e.message.split('\n')[0] }; } finally { rmSync(join(workDir, 'fs.img'), { force: true }); }
}

export function removeDir(dir) { if (existsSync(dir)) rmSync(dir, { recursive: true, force: true }); }

// ---- load: MQTT.js clients ----
export async function client(port, opts = {}) {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10000, ...opts });
  c.on('error', () => {});
  return c;
}

/**
 * Load counters shared by both generators: `acked` PUBACKs so far; while `recording`, the PUBACK
 * latency (ms) of each message sent goes into `lat`, and `pending` counts those not yet acknowledged.
 */
function counters() { return { sent: 0, acked: 0, errors: 0, recording: false, lat: [], pending: 0 }; }

function publishOne(c, stats, topic, payload, retain, then) {
  const rec = stats.recording, t = performance.now();
  stats.sent++;
  if (rec) stats.pending++;
  c.publish(topic, payload, { qos: 1, retain }, (err) => {
    if (rec) stats.pending--;
    if (err) stats.errors++;
    else { stats.acked++; if (rec) stats.lat.push(performance.now() - t); }
    then?.();
  });
}

/** Publish QoS 1 at a steady `rate` msg/s (open loop: the schedule does not wait for PUBACKs). */
export function steadyPublisher(c, topic, rate, payload, retain = false) {
  const stats = counters();
  const t0 = performance.now();
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - t0) * rate) / 1000) + 1;
    while (stats.sent < due) publishOne(c, stats, topic, payload, retain);
  }, Math.max(2, Math.min(50, 1000 / rate)));
  return { stats, stop: () => clearInterval(timer) };
}

/** Each client keeps `window` QoS 1 PUBLISHes in flight, sending the next on each PUBACK (saturating). */
export function windowPublishers(clients, topic, window, payload) {
  const stats = counters();
  let stopped = false;
  clients.forEach((c, i) => {
    const next = () => { if (!stopped) publishOne(c, stats, `${topic}/${i}`, payload, false, next); };
    for (let k = 0; k < window; k++) next();
  });
  return { stats, stop: () => { stopped = true; } };
}

/** Latency percentile of a load's recorded PUBACKs; messages still unacknowledged count as infinitely late. */
export function percentile(stats, p) {
  const all = [...stats.lat, ...Array(stats.pending).fill(Infinity)].sort((x, y) => x - y);
  return all.length ? all[Math.min(all.length - 1, Math.ceil((p / 100) * all.length) - 1)] : null;
}
