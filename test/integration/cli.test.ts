/**
 * The `midge` command as users run it: `node dist/cli.js ...` in a real
 * process (build first: `npm run build`). MIDGE_CLI=path overrides the
 * script, e.g. to test another build.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/repo-root.js';


const root = repoRoot();
const cli = process.env['MIDGE_CLI'] ?? join(root, 'dist', 'cli.js');
const TIMEOUT = 10_000;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `midge ARGS` to completion (killed after TIMEOUT). */
function midge(args: string[], cwd = root): Promise<Result> {
  const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  return finish(child);
}

function finish(child: ChildProcess): Promise<Result> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`midge did not exit within ${TIMEOUT} ms; stderr: ${stderr}`));
    }, TIMEOUT);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Resolves with the stderr seen so far once a line matches `re` (the CLI logs to stderr). */
function waitForLog(child: ChildProcess, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}; stderr: ${seen}`)), TIMEOUT);
    const onData = (d: Buffer): void => {
      seen += d.toString();
      if (re.test(seen)) {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        resolve(seen);
      }
    };
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`midge exited (${code}) before logging ${re}; stderr: ${seen}`)));
  });
}

const noStack = (text: string): void => assert.ok(!/^\s+at /m.test(text), `no stack trace expected:\n${text}`);

describe('midge CLI', () => {
  let dir: string;
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  before(() => {
    assert.ok(existsSync(cli), `${cli} missing: run npm run build first`);
    dir = mkdtempSync(join(tmpdir(), 'midge-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--help prints usage on stdout and exits 0', async () => {
    const r = await midge(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: midge \[-c CONFIG\] \[-p PORT\] \[-v\]/);
    assert.equal(r.stderr, '');
  });

  it('--version prints the package.json version', async () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const r = await midge(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `midge ${pkg.version}\n`);
  });

  it('bad arguments: usage on stderr, exit 2', async () => {
    for (const args of [['--bogus'], ['-p', 'http'], ['extra'], ['check-config']]) {
      const r = await midge(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /^midge: .+\n\nUsage: midge/);
      assert.equal(r.stdout, '');
    }
  });

  it('check-config on the example file: OK and a summary', async () => {
    const r = await midge(['check-config', 'midge.example.yaml']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^midge\.example\.yaml: OK\n  listeners: 127\.0\.0\.1:1883 \(mqtt, anonymous allowed\)\n/);
    assert.match(r.stdout, /persistence: \.\/data \(synchronous full: acknowledged messages survive a power cut; commit window 300 ms\)/);
  });

  it('check-config on a bad value: one line with file, line and key, exit 1', async () => {
    const path = file('bad.yaml', 'log:\n  level: info\n\nmqtt:\n  max_qos: 1\n  max_inflight_messages: abc\n');
    const r = await midge(['check-config', path]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `${path}:line 6: mqtt.max_inflight_messages: expected an integer 1..65535, got 'abc'\n`);
    assert.equal(r.stdout, '');
  });

  it('check-config on broken YAML: the line of the syntax error', async () => {
    const path = file('syntax.yaml', 'mqtt:\n  max_qos: 1\n  max_keepalive\nsys: {}\n');
    const r = await midge(['check-config', path]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:line 3: invalid YAML: .+\n$`));
    noStack(r.stderr);
  });

  it('check-config on an open network listener explains how to fix it', async () => {
    const path = file('open.yaml', 'listeners:\n  - host: 0.0.0.0\n');
    const r = await midge(['check-config', path]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /:line 2: listeners\[0\]: .*allow_anonymous: true/);
    assert.equal(r.stderr.split('\n').length, 2, 'one line');
  });

  it('check-config on a missing file, exit 1', async () => {
    const r = await midge(['check-config', join(dir, 'nope.yaml')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /nope\.yaml: cannot read config file: no such file\n$/);
  });

  it('running with a bad config: one error line, exit 1, no stack trace', async () => {
    const path = file('run-bad.yaml', 'mqtt:\n  max_qos: 3\n');
    const r = await midge(['-c', path]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `midge: ${path}:line 2: mqtt.max_qos: expected one of 0, 1, 2, got 3\n`);
  });
});

describe('midge CLI: running the broker', () => {
  let dir: string;
  let config: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'midge-run-'));
    config = join(dir, 'midge.yaml');
    writeFileSync(config, 'persistence:\n  enabled: false\nsys:\n  interval: 0\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`logs where it listens, stops on ${signal} and exits 0`, async () => {
      const child = spawn(process.execPath, [cli, '-c', config, '-p', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      const done = finish(child);
      const log = await waitForLog(child, /listening on 127\.0\.0\.1:\d+ \(mqtt\)/);
      const entry = log.split('\n').find((l) => l.includes('listening on'));
      assert.ok(entry && JSON.parse(entry), 'JSON log lines when stderr is not a terminal');
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(entry)![1]);
      assert.ok(port > 0, 'the real port, not 0');
      child.kill(signal);
      const r = await done;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`received ${signal}, stopping`));
      assert.match(r.stderr, /"msg":"stopped"/);
    });
  }

  it('a port already in use: fatal log line, exit 1', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const r = await midge(['-c', config, '-p', String(port)], dir);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /"level":60.*cannot start/);
    } finally {
      server.close();
    }
  });
});
