/**
 * `midge -d` as an init script runs it: `node dist/cli.js -d -c cfg.yaml`
 * (build first: `npm run build`). The parent must exit 0 only once the
 * background midge listens, leave a pid file naming a live process in its
 * own session, and report start-up failures on its stderr with exit 1.
 * Also `process.pid_file` without -d.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { join } from 'node:path';
import { connect } from '../helpers/clients.js';
import { startMidge, tempDir, type MidgeProcess } from '../helpers/midge-process.js';
import { waitFor } from '../helpers/wait.js';

const CLI = new URL('../../../dist/cli.js', import.meta.url).pathname;
const TIMEOUT = 15_000;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `midge ARGS` in `cwd` until it exits (the -d parent), killed after TIMEOUT. */
function midge(args: string[], cwd: string): Promise<Result> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`midge -d did not exit within ${TIMEOUT} ms; stderr: ${stderr}`));
    }, TIMEOUT);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** True while `pid` runs (a zombie left for a non-reaping init counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return true;
  const text = readFileSync(stat, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2)[0] !== 'Z';
}

function config(dir: string, port: number, extra: Record<string, string> = {}): string {
  return [
    'log:',
    '  level: info',
    '  format: json',
    `  file: ${JSON.stringify(join(dir, 'midge.log'))}`,
    'listeners:',
    '  - host: 127.0.0.1',
    `    port: ${port}`,
    'persistence:',
    '  enabled: false',
    'process:',
    `  pid_file: ${JSON.stringify(join(dir, 'midge.pid'))}`,
    ...Object.values(extra),
  ].join('\n');
}

describe('midge -d (daemon mode)', () => {
  let dir: ReturnType<typeof tempDir>;
  const started: number[] = [];
  before(() => {
    dir = tempDir('midge-daemon-');
  });
  after(() => {
    for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
    dir.cleanup();
  });

  it('exits 0 once listening; the pid file names a live daemon in its own session; SIGTERM stops it and removes the pid file', async () => {
    const cfg = join(dir.path, 'cfg.yaml');
    writeFileSync(cfg, config(dir.path, 0));
    const r = await midge(['-d', '-c', cfg], dir.path);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');

    const pidFile = join(dir.path, 'midge.pid');
    assert.match(readFileSync(pidFile, 'utf8'), /^\d+\n$/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    started.push(pid);
    assert.ok(alive(pid), `pid ${pid} from the pid file is not running`);

    if (existsSync(`/proc/${pid}/stat`)) {
      // detached: setsid made it the leader of a new session (field 6 of /proc/PID/stat)
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      assert.equal(Number(fields[3]), pid, `session id of ${pid}`);
    }

    // the log file says where it listens (port 0 was asked), and an MQTT client gets in
    const log = readFileSync(join(dir.path, 'midge.log'), 'utf8');
    const m = /listening on 127\.0\.0\.1:(\d+)/.exec(log);
    assert.ok(m, `no listening line in the log file:\n${log}`);
    const client = await connect(Number(m[1]));
    await client.end();

    process.kill(pid, 'SIGTERM');
    await waitFor(() => !alive(pid), 10_000, `daemon ${pid} to exit after SIGTERM`);
    assert.equal(existsSync(pidFile), false, 'pid file removed on a clean stop');
    assert.match(readFileSync(join(dir.path, 'midge.log'), 'utf8'), /"msg":"stopped"/);
  });

  it('a bad configuration: the message on stderr, exit 1, nothing left running', async () => {
    const cfg = join(dir.path, 'bad.yaml');
    writeFileSync(cfg, 'mqtt:\n  max_qos: 3\n');
    const r = await midge(['-d', '-c', cfg], dir.path);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `midge: ${cfg}:line 2: mqtt.max_qos: expected one of 0, 1, 2, got 3\n`);
  });

  it('port in use: the background midge cannot listen; its error on stderr, exit 1, no pid file', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as AddressInfo).port;
      const cfgDir = tempDir('midge-daemon-busy-');
      try {
        const cfg = join(cfgDir.path, 'cfg.yaml');
        writeFileSync(cfg, config(cfgDir.path, port));
        const r = await midge(['-d', '-c', cfg], cfgDir.path);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /^midge: cannot start: .*EADDRINUSE.*\n$/);
        assert.equal(existsSync(join(cfgDir.path, 'midge.pid')), false);
        assert.match(readFileSync(join(cfgDir.path, 'midge.log'), 'utf8'), /EADDRINUSE/);
      } finally {
        cfgDir.cleanup();
      }
    } finally {
      blocker.close();
    }
  });
});

describe('process.pid_file without -d', () => {
  it('is written once listening and removed on SIGTERM', async () => {
    const dir = tempDir('midge-pid-');
    let m: MidgeProcess | undefined;
    try {
      const pidFile = join(dir.path, 'run', 'midge.pid');
      const yaml = `log:\n  format: json\nlisteners:\n  - host: 127.0.0.1\n    port: 0\npersistence:\n  enabled: false\nprocess:\n  pid_file: ${JSON.stringify(pidFile)}\n`;
      // in a directory that does not exist: midge stops again and exits 1 (like mosquitto), saying why
      const bad = await startMidge(dir.path, yaml);
      const code = await new Promise<number | null>((resolve) => {
        if (bad.proc.exitCode !== null) resolve(bad.proc.exitCode);
        else bad.proc.once('exit', (c) => resolve(c));
      });
      assert.equal(code, 1);
      assert.match(bad.output(), /cannot write pid file .*ENOENT/);

      const ok = yaml.replace(JSON.stringify(pidFile), JSON.stringify(join(dir.path, 'midge.pid')));
      m = await startMidge(dir.path, ok);
      await waitFor(() => existsSync(join(dir.path, 'midge.pid')), 5000, 'pid file');
      assert.equal(readFileSync(join(dir.path, 'midge.pid'), 'utf8'), `${m.proc.pid}\n`);
      assert.equal(await m.stop('SIGTERM'), 0);
      assert.equal(existsSync(join(dir.path, 'midge.pid')), false);
    } finally {
      await m?.stop('SIGKILL'); // a failed assertion must not leave midge running (the test file would never end)
      dir.cleanup();
    }
  });
});
