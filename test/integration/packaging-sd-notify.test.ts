/**
 * systemd Type=notify as systemd sees it: a real AF_UNIX datagram socket (bound
 * by a python3 receiver, since Node cannot) as $NOTIFY_SOCKET, the real midge
 * CLI (dist/cli.js). Midge must send READY=1 once it listens, WATCHDOG=1 every
 * WATCHDOG_USEC/2, STOPPING=1 on SIGTERM, through each helper transport.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { createNotifier, watchdogInterval } from '../../src/cli/sd-notify.js';
import { tempDir } from '../helpers/midge-process.js';
import { waitFor } from '../helpers/wait.js';

const CLI = new URL('../../../dist/cli.js', import.meta.url).pathname;
const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** Receives datagrams on `path`, one per line of `lines`. */
async function receiver(path: string): Promise<{ proc: ChildProcess; lines: string[] }> {
  const script =
    'import socket, sys\n' +
    's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n' +
    `s.bind(${JSON.stringify(path)})\n` +
    'print("BOUND", flush=True)\n' +
    'while True:\n' +
    '    print(s.recv(4096).decode(), flush=True)\n';
  const proc = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  await waitFor(() => lines.includes('BOUND'), 10_000, 'the datagram receiver');
  return { proc, lines };
}

for (const helper of ['perl', 'python3']) {
  describe(`sd_notify through the ${helper} helper`, { skip: !has('python3') || !has(helper) }, () => {
    it('sends READY=1 after listening, WATCHDOG=1 at half WATCHDOG_USEC, STOPPING=1 on SIGTERM', async () => {
      const dir = tempDir('midge-notify-');
      const socket = join(dir.path, 'notify');
      const rx = await receiver(socket);
      const config = join(dir.path, 'midge.yaml');
      const yaml = 'log:\n  format: json\nlisteners:\n  - host: 127.0.0.1\n    port: 0\npersistence:\n  enabled: false\n';
      writeFileSync(config, yaml);
      const env = { ...process.env, NOTIFY_SOCKET: socket, WATCHDOG_USEC: '200000', MIDGE_SD_NOTIFY_HELPER: helper };
      const midge = spawn(process.execPath, [CLI, '-c', config], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      midge.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      try {
        await waitFor(() => rx.lines.includes('READY=1'), 10_000, `READY=1; midge said:\n${out}`);
        assert.match(out, /listening on 127\.0\.0\.1:\d+/, 'READY=1 only once the listener is open');
        assert.ok(rx.lines.some((l) => /^STATUS=listening on 127\.0\.0\.1:\d+$/.test(l)), rx.lines.join('|'));
        const t0 = Date.now();
        const before = rx.lines.filter((l) => l === 'WATCHDOG=1').length;
        await waitFor(() => rx.lines.filter((l) => l === 'WATCHDOG=1').length >= before + 4, 5000, 'four watchdog pings');
        // 100 ms apart: four pings take >= 300 ms (and far less than the 5 s limit)
        assert.ok(Date.now() - t0 >= 250, `pings came too fast: ${Date.now() - t0} ms`);
        const exited = new Promise<number | null>((resolve) => midge.once('exit', resolve));
        midge.kill('SIGTERM');
        await waitFor(() => rx.lines.includes('STOPPING=1'), 5000, 'STOPPING=1');
        assert.equal(await exited, 0);
        assert.ok(rx.lines.indexOf('STOPPING=1') > rx.lines.indexOf('READY=1'));
      } finally {
        midge.kill('SIGKILL');
        rx.proc.kill();
        dir.cleanup();
      }
    });
  });
}

describe('sd_notify without systemd', () => {
  it('is off without NOTIFY_SOCKET', () => {
    assert.equal(createNotifier(pino({ level: 'silent' }), {}), undefined);
  });
  it('pings at half WATCHDOG_USEC, and only when WATCHDOG_PID is this process', () => {
    assert.equal(watchdogInterval({ WATCHDOG_USEC: '30000000' }), 15_000);
    assert.equal(watchdogInterval({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: String(process.pid) }), 15_000);
    assert.equal(watchdogInterval({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: String(process.pid + 1) }), undefined);
    assert.equal(watchdogInterval({}), undefined);
    assert.equal(watchdogInterval({ WATCHDOG_USEC: 'x' }), undefined);
  });
});
