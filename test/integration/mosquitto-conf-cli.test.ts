/**
 * `midge -c mosquitto.conf` as an init script or a migrating user runs it:
 * the real CLI (dist/cli.js) in a child process, mosquitto_pub/mosquitto_sub
 * as clients. Skipped when the mosquitto clients are absent.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = new URL('../../../dist/cli.js', import.meta.url).pathname;
const TIMEOUT = 10_000;
const HAVE_MOSQUITTO = ['mosquitto_pub', 'mosquitto_sub'].every((b) => spawnSync(b, ['--help']).error === undefined);
const SKIP = HAVE_MOSQUITTO ? false : 'mosquitto_pub/mosquitto_sub not installed (apt install mosquitto-clients)';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (killed after TIMEOUT). */
function run(bin: string, args: string[]): Promise<Result> {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Resolves with everything read so far once `re` matches the child's stdout+stderr. */
function waitForOutput(child: ChildProcess, re: RegExp, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}:\n${seen}`)), TIMEOUT);
    const onData = (d: Buffer): void => {
      seen += d.toString();
      if (re.test(seen)) {
        clearTimeout(timer);
        resolve(seen);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what}: process exited (${code}) first:\n${seen}`));
    });
  });
}

describe('midge -c mosquitto.conf', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'midge-mosq-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('starts from a mosquitto.conf, logs the warnings with their lines, and carries messages (mosquitto_pub/sub)', { skip: SKIP }, async () => {
    const conf = join(dir, 'mosquitto.conf');
    writeFileSync(conf, [
      '# a Pi-style file; `listener 0 ADDRESS` (free port) is a Midge extension for tests',
      'user mosquitto',
      'persistence false',
      'listener 0 127.0.0.1',
      'allow_anonymous true',
      '',
    ].join('\n'));
    const midge = spawn(process.execPath, [CLI, '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
    try {
      const log = await waitForOutput(midge, /listening on 127\.0\.0\.1:(\d+)/, 'midge listening');
      const port = /listening on 127\.0\.0\.1:(\d+)/.exec(log)![1];
      assert.match(log, /mosquitto\.conf:line 2: user: ignored/);

      // Retained, so the subscriber gets it whenever it subscribes (mosquitto_sub's stdout is block-buffered: no SUBACK to wait for).
      const pub = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-t', 'pi/temp', '-q', '1', '-r', '-m', '21.5']);
      assert.equal(pub.code, 0, pub.stderr);
      const sub = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', port, '-t', 'pi/#', '-q', '1', '-C', '1', '-W', '5', '-v']);
      assert.equal(sub.code, 0, sub.stderr);
      assert.equal(sub.stdout, 'pi/temp 21.5\n');
    } finally {
      midge.kill('SIGTERM');
      await new Promise((resolve) => (midge.exitCode !== null ? resolve(undefined) : midge.once('exit', resolve)));
    }
  });

  it('persistence_file: two instances in one persistence_location keep separate databases', async () => {
    const data = join(dir, 'shared-data');
    const start = (name: string): ChildProcess => {
      const conf = join(dir, `${name}.conf`);
      writeFileSync(conf, `persistence true\npersistence_location ${data}\npersistence_file ${name}.db\nlistener 0 127.0.0.1\nallow_anonymous true\n`);
      return spawn(process.execPath, [CLI, '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
    };
    const children = [start('first'), start('second')];
    try {
      await Promise.all(children.map((c, i) => waitForOutput(c, /listening on 127\.0\.0\.1:\d+/, `instance ${i}`)));
      assert.deepEqual(readdirSync(data).filter((f) => f.endsWith('.db')).sort(), ['first.db', 'second.db']);
    } finally {
      for (const c of children) c.kill('SIGTERM');
      await Promise.all(children.map((c) => new Promise((resolve) => (c.exitCode !== null ? resolve(undefined) : c.once('exit', resolve)))));
    }
  });

  it('refuses to start on an option that matters, naming file and line (exit status 1)', async () => {
    const conf = join(dir, 'bad.conf');
    writeFileSync(conf, 'listener 1883\nallow_anonymous true\n\nconnection cloud\naddress example.com\nbridge_psk 0123abcd\n');
    const r = await run(process.execPath, [CLI, '-c', conf]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `midge: ${conf}:line 6: bridge_psk: TLS-PSK bridges are not supported\n`);
  });

  it('check-config reads a .conf file: OK, summary and warnings; errors with the line', async () => {
    const conf = join(dir, 'check.conf');
    writeFileSync(conf, 'user mosquitto\nlistener 1883 127.0.0.1\nallow_anonymous true\n');
    const ok = await run(process.execPath, [CLI, 'check-config', conf]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`^${conf}: OK\\n`));
    assert.match(ok.stdout, /listeners: 127\.0\.0\.1:1883 \(mqtt, anonymous allowed\)/);
    assert.match(ok.stdout, /warning: .*check\.conf:line 1: user: ignored/);

    writeFileSync(conf, 'listener 1883\nmax_inflight_messages twenty\n');
    const bad = await run(process.execPath, [CLI, 'check-config', conf]);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, `${conf}:line 2: max_inflight_messages: expected an integer, got 'twenty'\n`);
  });

  it('check-config warns when allow_anonymous false and no password file leave no way in', async () => {
    const conf = join(dir, 'closed.conf');
    writeFileSync(conf, 'listener 1883 127.0.0.1\nallow_anonymous false\n');
    const r = await run(process.execPath, [CLI, 'check-config', conf]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /listeners: 127\.0\.0\.1:1883 \(mqtt, anonymous refused, no password file: no client can connect\)/);
    assert.match(r.stdout, /warning: listener 127\.0\.0\.1:1883: allow_anonymous is false and no password file is configured, so no client can connect/);
    writeFileSync(conf, `listener 1883 127.0.0.1\nallow_anonymous false\npassword_file ${join(dir, 'passwd')}\n`);
    writeFileSync(join(dir, 'passwd'), '');
    const withFile = await run(process.execPath, [CLI, 'check-config', conf]);
    assert.equal(withFile.code, 0, withFile.stderr);
    assert.doesNotMatch(withFile.stdout, /no client can connect/);
  });

  it('check-config accepts check_retain_source and warns when no ACL file gives it anything to check', async () => {
    const conf = join(dir, 'retsrc.conf');
    writeFileSync(conf, 'listener 1883 127.0.0.1\nallow_anonymous true\ncheck_retain_source true\n');
    const r = await run(process.execPath, [CLI, 'check-config', conf]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /warning: mqtt\.check_retain_source \(check_retain_source\) has no effect: no ACL file is configured/);
    writeFileSync(join(dir, 'acl'), 'user alice\ntopic write sensors/#\n');
    writeFileSync(conf, `listener 1883 127.0.0.1\nallow_anonymous true\ncheck_retain_source true\nacl_file ${join(dir, 'acl')}\n`);
    const withAcl = await run(process.execPath, [CLI, 'check-config', conf]);
    assert.equal(withAcl.code, 0, withAcl.stderr);
    assert.doesNotMatch(withAcl.stdout, /check_retain_source/);
  });

  it('--mosquitto-conf reads a file with any name as mosquitto.conf', async () => {
    const conf = join(dir, 'broker.cfg');
    writeFileSync(conf, 'listener 1883 127.0.0.1\nallow_anonymous true\n');
    const r = await run(process.execPath, [CLI, 'check-config', '--mosquitto-conf', conf]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /OK/);
    const yaml = await run(process.execPath, [CLI, 'check-config', conf]);
    assert.equal(yaml.code, 1, 'without the flag the file is read as YAML');
  });
});
