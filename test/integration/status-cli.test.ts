/**
 * `midge status` against a real midge process (dist/cli.js) with
 * metrics.listen set: summary, --json, -c, credentials, and the failures
 * (unreachable, no metrics.listen in the file, bad arguments).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { hashPassword } from '../../src/auth/password-hash.js';
import type { GatewayStatus } from '../../src/status/status-json.js';
import { connect } from '../helpers/clients.js';
import { run } from '../helpers/lifecycle.js';
import type { RunResult } from '../helpers/lifecycle.js';
import { startMidge, tempDir } from '../helpers/midge-process.js';
import type { MidgeProcess } from '../helpers/midge-process.js';
import { repoRoot } from '../helpers/repo-root.js';

const cli = join(repoRoot(), 'dist', 'cli.js');

/** Runs `midge ARGS` to its exit (killed after 15 s); `env` entries are `NAME=value` (through env(1)). */
const midge = (args: string[], env: string[] = []): Promise<RunResult> => run('env', [...env, process.execPath, cli, ...args], 15_000);

/** A port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('midge status', () => {
  let dir: ReturnType<typeof tempDir>;
  let proc: MidgeProcess;
  let httpPort: number;
  let configFile: string;
  before(async () => {
    dir = tempDir();
    httpPort = await closedPort();
    writeFileSync(join(dir.path, 'passwd'), `ops:${hashPassword('pw')}\n`);
    proc = await startMidge(dir.path, [
      'log: { format: json }',
      'listeners: [{ host: 127.0.0.1, port: 0, allow_anonymous: true }]',
      'persistence: { enabled: false }',
      `auth: { password_file: ${join(dir.path, 'passwd')} }`,
      `metrics: { listen: "127.0.0.1:${httpPort}" }`,
    ].join('\n'));
    configFile = join(dir.path, 'midge.yaml');
  });
  after(async () => {
    await proc.stop();
    dir.cleanup();
  });

  it('prints a summary, taking the address from -c and the password from MIDGE_PASSWORD', async () => {
    const c = await connect(proc.port, { clientId: 'c1' });
    const r = await midge(['status', '-c', configFile, '-u', 'ops'], ['MIDGE_PASSWORD=pw']);
    await c.end();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^midge \\S+ at http://127\\.0\\.0\\.1:${httpPort}: healthy, up \\d+ s\\n`));
    assert.match(r.stdout, /^clients: +1 connected \(most 1\), 0 offline session\(s\)$/m);
    assert.match(r.stdout, /^bridges: +none$/m);
    assert.match(r.stdout, new RegExp(`^listeners: 127\\.0\\.0\\.1:${proc.port} \\(mqtt\\)$`, 'm'));
  });

  it('--json prints /api/status, with credentials in --url', async () => {
    const r = await midge(['status', '--url', `http://ops:pw@127.0.0.1:${httpPort}`, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as GatewayStatus;
    assert.equal(s.health.ok, true);
    assert.ok(s.logs.some((l) => /^metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/.test(l.msg)), 'recent log lines come from the running logger');
  });

  it('exit 1 with a hint when credentials are missing or wrong', async () => {
    for (const args of [['--url', `http://127.0.0.1:${httpPort}`], ['--url', `http://ops:bad@127.0.0.1:${httpPort}`]]) {
      const r = await midge(['status', ...args]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /needs a user name and password: midge status -u USER, with the password in MIDGE_PASSWORD/);
    }
  });

  it('exit 1 with a clear message when midge is not reachable', async () => {
    const port = await closedPort();
    const r = await midge(['status', '--url', `http://127.0.0.1:${port}`]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `midge status: cannot reach midge at http://127.0.0.1:${port}: connection refused (is midge running, with metrics.listen set to this address?)\n`);
  });

  it('exit 1 when the config file has no metrics.listen; 2 for bad arguments', async () => {
    const file = join(dir.path, 'plain.yaml');
    writeFileSync(file, 'log: { level: info }\n');
    const r = await midge(['status', '-c', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /plain\.yaml: metrics\.listen is not set, so this midge has no status API/);
    const bad = await midge(['status', '--bogus']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown option --bogus/);
  });
});
