/**
 * `midge passwd` (like mosquitto_passwd -c / -b / -D): files it writes are
 * accepted by a real mosquitto broker (password_file), written atomically
 * with mode 0600, and the usage errors mosquitto_passwd gives.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { loadPasswordFile } from '../../src/auth/password-file.js';
import { verifyPassword } from '../../src/auth/password-hash.js';
import { run } from '../helpers/lifecycle.js';
import { tempDir } from '../helpers/midge-process.js';
import { waitFor } from '../helpers/wait.js';

const CLI = new URL('../../../dist/cli.js', import.meta.url).pathname;
const midge = (args: string[], input?: string) => run(process.execPath, [CLI, ...args], 10000, input);
const HAVE_MOSQUITTO = ['mosquitto', 'mosquitto_pub'].every((b) => spawnSync(b, ['-h']).error === undefined);

/** A free port on 127.0.0.1 for a program that needs a fixed one in its config. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('midge passwd', () => {
  let dir: ReturnType<typeof tempDir>;
  before(() => (dir = tempDir('midge-passwd-')));
  after(() => dir.cleanup());

  test('-c -b creates the file with mode 0600 and a $7$101$ (PBKDF2-SHA512) hash; -b adds; -D deletes', async () => {
    const file = join(dir.path, 'passwd');
    writeFileSync(file, 'old contents\n', { mode: 0o644 });
    assert.equal((await midge(['passwd', '-c', '-b', file, 'alice', 'a pw'])).code, 0);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(readFileSync(file, 'utf8'), /^alice:\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/=]{88}\n$/);
    assert.equal((await midge(['passwd', '-b', file, 'bob', 'b-pw'])).code, 0);
    assert.equal((await midge(['passwd', '-b', file, 'alice', 'new-a'])).code, 0);
    let db = loadPasswordFile(file);
    assert.deepEqual([...db.keys()], ['alice', 'bob']);
    assert.equal(verifyPassword(db.get('alice')!.hash, 'new-a'), true);
    assert.equal((await midge(['passwd', '-D', file, 'alice'])).code, 0);
    const empty = await midge(['passwd', '-b', file, 'dave', '']);
    assert.equal(empty.code, 1, 'an empty password is refused, as mosquitto_passwd does');
    assert.match(empty.stderr, /empty password/);
    db = loadPasswordFile(file);
    assert.deepEqual([...db.keys()], ['bob']);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  test('without -b the password is read twice (standard input when not a terminal); a mismatch changes nothing', async () => {
    const file = join(dir.path, 'prompted');
    assert.equal((await midge(['passwd', '-c', file, 'carol'], 'c-pw\nc-pw\n')).code, 0);
    assert.equal(verifyPassword(loadPasswordFile(file).get('carol')!.hash, 'c-pw'), true);
    const before = readFileSync(file, 'utf8');
    const r = await midge(['passwd', file, 'carol'], 'one\ntwo\n');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /passwords do not match/);
    assert.equal(readFileSync(file, 'utf8'), before);
  });

  test('on a terminal (pty via script(1)) the password is asked twice with echo off', { skip: spawnSync('script', ['--version']).error ? 'script(1) not installed' : false }, async () => {
    const file = join(dir.path, 'tty');
    const child = spawn('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} passwd -c ${JSON.stringify(file)} ttyuser`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      // answer each prompt only once it is shown: the terminal is in raw (no echo) mode by then
      await waitFor(() => out.includes('Password: '), 5000, 'the first prompt');
      child.stdin!.write('tty secret\r');
      await waitFor(() => out.includes('Reenter password: '), 5000, 'the second prompt');
      child.stdin!.write('tty secret\r');
      assert.equal(await exited, 0, out);
    } finally {
      child.kill('SIGKILL');
    }
    assert.doesNotMatch(out, /tty secret/, 'the password was echoed');
    assert.equal(verifyPassword(loadPasswordFile(file).get('ttyuser')!.hash, 'tty secret'), true);
  });

  test('errors like mosquitto_passwd: -c with -D, a user name with a colon, a missing file, an unknown user to delete', async () => {
    const file = join(dir.path, 'errors');
    let r = await midge(['passwd', '-c', '-D', file, 'x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /-c and -D cannot be used together/);
    r = await midge(['passwd', '-c', '-b', file, 'a:b', 'pw']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /must not contain the ':' character/);
    r = await midge(['passwd', '-b', join(dir.path, 'missing'), 'u', 'pw']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no such file \(use -c to create it\)/);
    assert.equal((await midge(['passwd', '-c', '-b', file, 'u', 'pw'])).code, 0);
    r = await midge(['passwd', '-D', file, 'nobody']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /user nobody not found/);
    writeFileSync(file, 'u:plain\n');
    r = await midge(['passwd', '-b', file, 'v', 'pw']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /line 1: user 'u'/);
  });
});

describe('files written by midge passwd in a real mosquitto (password_file)', { skip: HAVE_MOSQUITTO ? false : 'mosquitto not installed' }, () => {
  let dir: ReturnType<typeof tempDir>;
  let broker: ChildProcess | undefined;
  let port: number;
  let log = '';
  before(async () => {
    dir = tempDir('midge-passwd-mosq-');
    const file = join(dir.path, 'passwd');
    assert.equal((await midge(['passwd', '-c', '-b', file, 'alice', 'alice-pw'])).code, 0);
    assert.equal((await midge(['passwd', '-b', file, 'bob', 'bob pw'])).code, 0);
    const conf = join(dir.path, 'mosquitto.conf');
    // as root, mosquitto drops to user mosquitto, which cannot read a 0600 file of ours
    const asRoot = process.getuid?.() === 0 ? 'user root\n' : '';
    // mosquitto cannot listen on port 0: a free port may be taken by a parallel test before it binds, so try again then
    for (let attempt = 0; attempt < 5; attempt++) {
      port = await freePort();
      log = '';
      writeFileSync(conf, `${asRoot}listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${file}\nlog_type all\n`);
      const proc = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
      broker = proc;
      proc.stdout!.on('data', (d: Buffer) => (log += d.toString()));
      proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
      await waitFor(() => / running/.test(log) || proc.exitCode !== null, 5000, 'mosquitto to listen'); // 'running' comes after the bind
      if (proc.exitCode === null || !/Address already in use/.test(log)) break;
    }
    assert.equal(broker!.exitCode, null, `mosquitto exited:\n${log}`);
  });
  after(() => {
    broker?.kill('SIGKILL');
    dir.cleanup();
  });

  for (const [user, pw] of [['alice', 'alice-pw'], ['bob', 'bob pw']] as const) {
    test(`mosquitto_pub -u ${user} with the right password is accepted`, async () => {
      const r = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-u', user, '-P', pw, '-t', 'midge/test', '-m', 'x']);
      assert.equal(r.code, 0, `${r.stderr}\n${log}`);
    });
  }

  test('mosquitto_pub with a wrong password is refused (the hash is really checked)', async () => {
    const r = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-u', 'alice', '-P', 'bob pw', '-t', 'midge/test', '-m', 'x']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /not authori[sz]ed|refused/i);
  });
});
