/**
 * systemd's sd_notify protocol (Type=notify, WatchdogSec) without a native addon.
 *
 * The protocol is one datagram per message on the AF_UNIX SOCK_DGRAM socket
 * named by $NOTIFY_SOCKET, and Node has no Unix datagram sockets (dgram is UDP
 * only, net is stream only). So one small helper process is started once and
 * kept: it reads lines on its stdin and sends each as a datagram. The helper is
 * `perl` (its Socket module is in Debian's essential perl-base, so on every
 * Raspberry Pi OS / Debian system) or else `python3`. Without either, each message
 * runs `systemd-notify --pid=<our pid>` (always there with systemd), which is
 * fine for READY/STOPPING but costs a process per watchdog ping.
 * The sender is not the main PID, so the unit needs NotifyAccess=all.
 * MIDGE_SD_NOTIFY_HELPER=perl|python3|systemd-notify picks one (tests, odd systems).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Logger } from 'pino';

export interface Notifier {
  /** READY=1 (and STATUS=...), then WATCHDOG=1 every WATCHDOG_USEC/2 if systemd asked for it. */
  ready(status: string): void;
  /** STOPPING=1; stops the watchdog pings. */
  stopping(): void;
  /** The transport in use: perl, python3 or systemd-notify. */
  readonly transport: string;
}

const PERL = [
  '-MSocket',
  '-e',
  'my $p = $ENV{NOTIFY_SOCKET}; $p =~ s/^@/\\0/; my $a = pack_sockaddr_un($p);' +
    ' socket(my $s, PF_UNIX, SOCK_DGRAM, 0) or die "socket: $!\\n";' +
    ' while (my $l = <STDIN>) { chomp $l; defined(send($s, $l, 0, $a)) or warn "sd_notify: $!\\n"; }',
];
const PYTHON = [
  '-c',
  'import os, socket, sys\n' +
    'p = os.environ["NOTIFY_SOCKET"]\n' +
    'p = "\\0" + p[1:] if p.startswith("@") else p\n' +
    's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n' +
    'for l in sys.stdin:\n' +
    '    try: s.sendto(l.rstrip("\\n").encode(), p)\n' +
    '    except OSError as e: print("sd_notify:", e, file=sys.stderr)\n',
];

/** A Notifier when started by systemd with Type=notify ($NOTIFY_SOCKET set), else undefined. */
export function createNotifier(logger: Logger, env: NodeJS.ProcessEnv = process.env): Notifier | undefined {
  const socket = env['NOTIFY_SOCKET'];
  if (!socket) return undefined;
  const send = openTransport(socket, logger, env['MIDGE_SD_NOTIFY_HELPER'], env['PATH'] ?? '');
  const watchdogMs = watchdogInterval(env);
  let timer: NodeJS.Timeout | undefined;
  logger.debug({ transport: send.transport, watchdog_ms: watchdogMs }, 'sd_notify: systemd notification socket found');
  return {
    transport: send.transport,
    ready(status) {
      send.message('READY=1');
      send.message(`STATUS=${status}`);
      if (watchdogMs !== undefined && timer === undefined) {
        send.message('WATCHDOG=1');
        // From the event loop: a blocked loop misses its pings and systemd restarts us.
        timer = setInterval(() => send.message('WATCHDOG=1'), watchdogMs);
        timer.unref();
      }
    },
    stopping() {
      if (timer) clearInterval(timer);
      timer = undefined;
      send.message('STOPPING=1');
    },
  };
}

/** Half of WATCHDOG_USEC in ms, when the watchdog is on and meant for this process. */
export function watchdogInterval(env: NodeJS.ProcessEnv): number | undefined {
  const usec = Number(env['WATCHDOG_USEC']);
  if (!Number.isFinite(usec) || usec <= 0) return undefined;
  const pid = env['WATCHDOG_PID'];
  if (pid !== undefined && pid !== '' && Number(pid) !== process.pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}

interface Transport {
  transport: string;
  message(line: string): void;
}

function openTransport(socket: string, logger: Logger, wanted: string | undefined, path: string): Transport {
  const helpers: Array<[string, string[]]> = [['perl', PERL], ['python3', PYTHON]];
  for (const [name, args] of helpers) {
    if (wanted !== undefined && wanted !== name) continue;
    const exe = findExecutable(name, path);
    if (exe === undefined) continue;
    return helperTransport(name, exe, args, socket, logger, path);
  }
  return systemdNotifyTransport(logger, path);
}

function helperTransport(name: string, exe: string, args: string[], socket: string, logger: Logger, path: string): Transport {
  let fallback: Transport | undefined;
  const child: ChildProcess = spawn(exe, args, {
    stdio: ['pipe', 'ignore', 'inherit'],
    env: { NOTIFY_SOCKET: socket, PATH: path },
  });
  const fail = (why: string): void => {
    if (fallback) return;
    logger.warn(`sd_notify: ${name} helper ${why}; using systemd-notify for each message`);
    fallback = systemdNotifyTransport(logger, path);
  };
  child.on('error', (err) => fail(`failed: ${err.message}`));
  child.on('exit', (code, signal) => fail(`exited (${signal ?? code})`));
  child.stdin?.on('error', () => undefined); // reported through 'exit'
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return {
    transport: name,
    message(line) {
      if (fallback) return fallback.message(line);
      child.stdin?.write(`${line.replace(/\n/g, ' ')}\n`);
    },
  };
}

function systemdNotifyTransport(logger: Logger, path: string): Transport {
  const exe = findExecutable('systemd-notify', path);
  if (exe === undefined) logger.warn('sd_notify: no perl, python3 or systemd-notify found: systemd is not told about start-up');
  return {
    transport: 'systemd-notify',
    message(line) {
      if (exe === undefined) return;
      const r = spawnSync(exe, [`--pid=${process.pid}`, line], { stdio: 'ignore', timeout: 5000 });
      if (r.status !== 0) logger.warn({ status: r.status }, `sd_notify: systemd-notify ${line} failed`);
    },
  };
}

function findExecutable(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}
