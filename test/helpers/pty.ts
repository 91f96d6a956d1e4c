/**
 * A pair of real pseudo-terminals joined by socat, standing in for a USB
 * serial adapter: the gateway opens `devicePath` (a symlink, like
 * /dev/serial/by-id/...), the test plays the device on `peerPath`. Killing
 * socat makes the device disappear (links removed, open ports see EIO);
 * starting it again with the same links is a replug on a new /dev/pts number.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { waitFor } from './wait.js';

export interface PtyPair {
  proc: ChildProcess;
  devicePath: string;
  peerPath: string;
  /** The /dev/pts/N the device link points at. */
  realDevice(): string;
  /** Kill socat (unplug) and wait until it has exited and removed its links. */
  unplug(): Promise<void>;
}

export async function startPtyPair(devicePath: string, peerPath: string, timeoutMs = 5000): Promise<PtyPair> {
  const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${peerPath}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await waitFor(() => /starting data transfer loop/.test(stderr) || proc.exitCode !== null, timeoutMs, `socat ready (stderr: ${stderr})`);
  if (proc.exitCode !== null) throw new Error(`socat exited: ${stderr}`);
  return {
    proc,
    devicePath,
    peerPath,
    realDevice: () => realpathSync(devicePath),
    async unplug() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
      await waitFor(() => !existsSync(devicePath), timeoutMs, 'socat links removed');
    },
  };
}

/** The device end: writes lines, collects what the gateway wrote to it. */
export interface SimDevice {
  port: SerialPort;
  received(): string;
  write(data: string | Buffer): Promise<void>;
  waitReceived(pattern: RegExp, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function openSimDevice(path: string): Promise<SimDevice> {
  const port = new SerialPort({ path, baudRate: 115200, hupcl: false, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  let got = '';
  port.on('data', (c: Buffer) => (got += c.toString('latin1')));
  port.on('error', () => undefined);
  return {
    port,
    received: () => got,
    write: (data) => new Promise<void>((resolve, reject) => port.write(data, (err) => (err ? reject(err) : port.drain(() => resolve())))),
    waitReceived: (pattern, timeoutMs = 5000) => waitFor(() => pattern.test(got), timeoutMs, `device to receive ${pattern}; got ${JSON.stringify(got)}`),
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}
