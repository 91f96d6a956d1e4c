/**
 * `midge -d` (mosquitto's daemon mode, for init scripts). The parent runs
 * this same script again without `-d`, detached (a new session: no
 * controlling terminal, so a closing terminal's SIGHUP never reaches it),
 * stdin closed, stdout/stderr appended to `log.file` or discarded, and an
 * IPC channel. The child starts the gateway, writes the pid file, reports
 * `ready` (or why it could not start) and closes the channel; the parent
 * then exits 0 (or prints the reason and exits 1).
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Output } from './output.js';

/** Set in the child's environment: report start-up over IPC. */
export const DAEMON_CHILD_ENV = 'MIDGE_DAEMON_CHILD';
/** How long the parent waits for the child to listen before giving up and stopping it. */
const START_TIMEOUT_MS = 30_000;

export type DaemonMessage = { type: 'ready'; pid: number; listening: string[] } | { type: 'failed'; message: string };

/** The child's side of the channel; undefined when this process is not a daemon child. */
export interface DaemonChannel {
  ready(listening: string[]): void;
  /** Resolves once the message is sent, so that `process.exit()` cannot drop it. */
  failed(message: string): Promise<void>;
}

export function daemonChannel(): DaemonChannel | undefined {
  if (process.env[DAEMON_CHILD_ENV] !== '1' || !process.send) return undefined;
  delete process.env[DAEMON_CHILD_ENV];
  const send = (msg: DaemonMessage): Promise<void> =>
    new Promise((resolve) => {
      if (!process.connected || !process.send) return resolve();
      process.send(msg, undefined, {}, () => resolve());
    });
  return {
    ready: (listening) => void send({ type: 'ready', pid: process.pid, listening }).then(() => process.connected && process.disconnect()),
    failed: (message) => send({ type: 'failed', message }),
  };
}

/**
 * Parent side: start the detached child with `argv` minus `-d`, wait for its
 * report. `logFile` receives the child's stdout/stderr (else /dev/null).
 */
export async function daemonise(argv: readonly string[], logFile: string | undefined, io: Output): Promise<number> {
  const script = process.argv[1];
  if (script === undefined) {
    io.err('midge: -d: cannot tell which script to run\n');
    return 1;
  }
  let out: number | 'ignore' = 'ignore';
  if (logFile !== undefined) {
    try {
      out = openSync(logFile, 'a');
    } catch (err) {
      io.err(`midge: log.file: cannot open ${logFile}: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
  }
  const args = argv.filter((a) => a !== '-d' && a !== '--daemon');
  const child = spawn(process.execPath, [...process.execArgv, script, ...args], {
    detached: true,
    stdio: ['ignore', out, out, 'ipc'],
    env: { ...process.env, [DAEMON_CHILD_ENV]: '1' },
  });
  if (typeof out === 'number') closeSync(out);

  return new Promise<number>((resolve) => {
    let done = false;
    const finish = (code: number, message?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (message) io.err(`midge: ${message}\n`);
      child.removeAllListeners();
      if (child.connected) child.disconnect();
      child.unref();
      resolve(code);
    };
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      finish(1, `-d: midge did not start listening within ${START_TIMEOUT_MS / 1000} s; stopped it${logFile ? ` (see ${logFile})` : ''}`);
    }, START_TIMEOUT_MS);
    child.on('message', (m: DaemonMessage) => {
      if (m.type === 'ready') finish(0);
      else if (m.type === 'failed') finish(1, m.message);
    });
    child.on('error', (err) => finish(1, `-d: cannot start midge in the background: ${err.message}`));
    // 'close', not 'exit': every IPC message has been delivered by then
    child.on('close', (code, signal) => {
      const how = signal ? `killed by ${signal}` : `exited with status ${code ?? '?'}`;
      finish(1, `-d: midge ${how} before it was listening${logFile ? ` (see ${logFile})` : ''}`);
    });
  });
}
