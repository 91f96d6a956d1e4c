/**
 * A real mosquitto (Debian package `mosquitto`) started by a test as the
 * "cloud" broker of a bridge: mutual TLS with the certs.ts PKI (client
 * certificate CN = username) or plain TCP with a password file, an ACL per
 * user, no persistence, on an ephemeral port that survives `restart()`.
 * Its log is kept in memory and in `logFile` for debugging failed tests.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { generatePki, type KeyPair, type TestPki } from './certs.js';
import { tempDir } from './midge-process.js';

export const MOSQUITTO = '/usr/sbin/mosquitto';
/** Identity of the test's own observer client, allowed everything by the ACL. */
export const OBSERVER = 'cloud-observer';

export const HAVE_MOSQUITTO_BROKER = spawnSync(MOSQUITTO, ['-h']).error === undefined;

export type AclAccess = 'read' | 'write' | 'readwrite';
/** Per user (TLS: certificate CN): topic patterns by access, e.g. `{ 'device-1': { write: ['dt/#'] } }`. */
export type AclSpec = Record<string, Partial<Record<AclAccess, string[]>>>;

export interface CloudOptions {
  /** Mutual TLS (require_certificate, use_identity_as_username) with a PKI generated for this cloud. */
  tls?: boolean;
  /** Mutual TLS with this (shared) PKI instead; plain TCP when neither `tls` nor `pki` is given. */
  pki?: TestPki;
  /** Restrict users to topics; without it every client may use every topic. The observer always gets `#`. */
  acl?: AclSpec;
  /** Plain TCP only: users of the password file (the observer is added with a random password). */
  passwords?: Record<string, string>;
  /** Plain TCP only; default true. */
  allowAnonymous?: boolean;
  maxInflightMessages?: number;
  maxQueuedMessages?: number;
  /** Log every packet (log_type all); off by default because it is slow under load. */
  verbose?: boolean;
  /** Raw lines appended to mosquitto.conf. */
  extraConfig?: string;
  startTimeoutMs?: number;
}

/** Credentials a client uses to reach the cloud: a certificate (TLS) or a username/password (plain). */
export interface CloudIdentity {
  cert?: KeyPair;
  username?: string;
  password?: string;
}

export interface MosquittoCloud {
  readonly port: number;
  /** `mqtts://127.0.0.1:PORT` or `mqtt://127.0.0.1:PORT`. */
  readonly url: string;
  readonly tls: boolean;
  /** The PKI in use (TLS only): `pki.client` is CN `device-1`; generated ones are removed by close(). */
  readonly pki: TestPki | undefined;
  /** The CA certificate clients must trust (TLS only). */
  readonly caFile: string | undefined;
  readonly dir: string;
  readonly logFile: string;
  readonly running: boolean;
  /** The test observer: TLS certificate with CN `cloud-observer`, or its username/password. */
  readonly observer: CloudIdentity;
  /** Everything mosquitto logged since start (all runs, separated by marker lines). */
  logText(): string;
  /** mosquitto_pub/mosquitto_sub connection arguments for `identity` (default: the observer). */
  cliArgs(identity?: CloudIdentity): string[];
  /** SIGTERM and wait for exit. */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** Start again on the same port (after stop/kill; stops first when running). */
  restart(): Promise<void>;
  /** Stop (SIGKILL) and remove the temp directory (and a generated PKI). */
  close(): Promise<void>;
}

const running = new Set<ChildProcess>();
let observerCerts = 0;
process.once('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

/** A port that was free a moment ago (bind 127.0.0.1:0, read it, close). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

function aclFile(acl: AclSpec): string {
  const lines: string[] = [];
  const all: AclSpec = { ...acl, [OBSERVER]: { readwrite: ['#'] } };
  for (const [user, rules] of Object.entries(all)) {
    lines.push(`user ${user}`);
    for (const access of ['read', 'write', 'readwrite'] as const) {
      for (const topic of rules[access] ?? []) lines.push(`topic ${access} ${topic}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

function config(dir: string, port: number, o: CloudOptions, observerPassword: string): string {
  const lines = [
    `listener ${port} 127.0.0.1`,
    'persistence false',
    'log_dest stderr',
    ...(o.verbose ? ['log_type all'] : ['log_type error', 'log_type warning', 'log_type notice', 'log_type information']),
    'log_timestamp true',
    'log_timestamp_format %H:%M:%S',
    'connection_messages true',
    `user ${userInfo().username}`,
  ];
  if (o.maxInflightMessages !== undefined) lines.push(`max_inflight_messages ${o.maxInflightMessages}`);
  if (o.maxQueuedMessages !== undefined) lines.push(`max_queued_messages ${o.maxQueuedMessages}`);
  if (o.pki) {
    lines.push(`cafile ${o.pki.caCert}`, `certfile ${o.pki.server.cert}`, `keyfile ${o.pki.server.key}`,
      'require_certificate true', 'use_identity_as_username true', 'allow_anonymous false');
  } else {
    const pw = join(dir, 'passwd');
    writeFileSync(pw, '');
    for (const [user, pass] of Object.entries({ ...o.passwords, [OBSERVER]: observerPassword })) {
      execFileSync('mosquitto_passwd', ['-b', pw, user, pass], { stdio: 'ignore' });
    }
    lines.push(`password_file ${pw}`, `allow_anonymous ${o.allowAnonymous ?? true}`);
  }
  if (o.acl) {
    writeFileSync(join(dir, 'acl'), aclFile(o.acl));
    lines.push(`acl_file ${join(dir, 'acl')}`);
  }
  if (o.extraConfig) lines.push(o.extraConfig);
  return lines.join('\n') + '\n';
}

interface Run {
  proc: ChildProcess;
  exited: Promise<void>;
}

/** Spawn mosquitto on `port`; resolves once it logged "running", rejects with its log if it exits first. */
function spawnOnce(conf: string, append: (s: string) => void, timeoutMs: number): Promise<Run> {
  const proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(proc);
  let out = '';
  const exited = new Promise<void>((resolve) => proc.once('exit', () => {
    running.delete(proc);
    resolve();
  }));
  return new Promise<Run>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`mosquitto not running within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    proc.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
      append(d.toString());
      if (/ running\b/.test(out)) {
        clearTimeout(timer);
        resolve({ proc, exited });
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mosquitto exited with ${code} before running:\n${out}`));
    });
  });
}

export async function startMosquittoCloud(opts: CloudOptions = {}): Promise<MosquittoCloud> {
  const ownPki = opts.tls && !opts.pki ? generatePki() : undefined;
  const options: CloudOptions = ownPki ? { ...opts, pki: ownPki } : opts;
  const tmp = tempDir('midge-cloud-');
  const cleanup = (): void => {
    tmp.cleanup();
    ownPki?.cleanup();
  };
  const dir = tmp.path;
  const logFile = join(dir, 'mosquitto.log');
  const confFile = join(dir, 'mosquitto.conf');
  const timeoutMs = options.startTimeoutMs ?? 10000;
  const observerPassword = `pw-${process.pid}-${Date.now()}`;
  const observer: CloudIdentity = options.pki
    ? { cert: options.pki.issueClient(`${OBSERVER}-${process.pid}-${++observerCerts}`, OBSERVER) }
    : { username: OBSERVER, password: observerPassword };
  let log = '';
  const append = (s: string): void => {
    log += s;
    appendFileSync(logFile, s);
  };
  let port = 0;
  let run: Run | undefined;

  async function startOn(p: number): Promise<void> {
    writeFileSync(confFile, config(dir, p, options, observerPassword));
    append(`--- midge test: starting mosquitto on port ${p} ---\n`);
    run = await spawnOnce(confFile, append, timeoutMs);
    port = p;
  }

  let lastError: unknown;
  for (let attempt = 0; attempt < 5 && !run; attempt++) {
    try {
      await startOn(await freePort());
    } catch (err) {
      lastError = err;
      if (!/Address already in use/.test(String(err))) break;
    }
  }
  if (!run) {
    cleanup();
    throw lastError;
  }

  async function signal(sig: NodeJS.Signals, timeout = 10000): Promise<void> {
    const r = run;
    if (!r) return;
    run = undefined;
    r.proc.kill(sig);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        r.proc.kill('SIGKILL');
        resolve();
      }, timeout);
    });
    await Promise.race([r.exited, late]);
    clearTimeout(timer);
    await r.exited;
  }

  const cloud: MosquittoCloud = {
    get port() { return port; },
    get url() { return `${options.pki ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`; },
    tls: Boolean(options.pki),
    pki: options.pki,
    caFile: options.pki?.caCert,
    dir,
    logFile,
    get running() { return run !== undefined; },
    observer,
    logText: () => log,
    cliArgs(identity = observer) {
      const args = ['-h', '127.0.0.1', '-p', String(port)];
      if (options.pki) args.push('--cafile', options.pki.caCert);
      if (identity.cert) args.push('--cert', identity.cert.cert, '--key', identity.cert.key);
      if (identity.username !== undefined) args.push('-u', identity.username);
      if (identity.password !== undefined) args.push('-P', identity.password);
      return args;
    },
    stop: (timeout) => signal('SIGTERM', timeout),
    kill: () => signal('SIGKILL'),
    async restart() {
      await signal('SIGTERM');
      // the port is ours by convention; another process may have taken it meanwhile, so retry briefly
      for (let attempt = 0; ; attempt++) {
        try {
          await startOn(port);
          return;
        } catch (err) {
          if (attempt >= 20 || !/Address already in use/.test(String(err))) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async close() {
      await signal('SIGKILL');
      cleanup();
    },
  };
  return cloud;
}
