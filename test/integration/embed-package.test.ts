/**
 * The packed package works for an application that installs it: `npm pack`
 * into a temporary directory, the tarball installed into a temporary
 * project, then an ESM script there imports { startGateway } from 'midge',
 * runs a broker with a hook and an event and an MQTT.js client, and stops;
 * `tsc --noEmit` on a small .ts consumer proves the declarations resolve.
 * Fixtures: test/fixtures/embed-consumer/. Needs `npm run build` first.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/midge-process.js';
import { repoRoot } from '../helpers/repo-root.js';

const ROOT = repoRoot();
const FIXTURES = join(ROOT, 'test/fixtures/embed-consumer');

function run(cmd: string, args: string[], cwd: string): { status: number | null; stdout: string; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 90_000, env: { ...process.env, npm_config_update_notifier: 'false' } });
  return { status: r.status, stdout: r.stdout, out: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}` };
}

describe('packed package, installed into a temporary project', () => {
  const tmp = tempDir('midge-embed-');
  const project = join(tmp.path, 'app');

  before(() => {
    assert.ok(existsSync(join(ROOT, 'dist/index.d.ts')), 'dist/ with declarations: run `npm run build` first');
    const pack = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp.path], ROOT);
    assert.equal(pack.status, 0, pack.out);
    const tarball = join(tmp.path, (JSON.parse(pack.stdout) as Array<{ filename: string }>)[0]!.filename);
    mkdirSync(join(project, 'node_modules/midge'), { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    // Installing the tarball with `npm install --offline --no-audit --no-fund TARBALL` fails here with
    // ENOTCACHED: the npm cache does not hold midge's dependencies, and better-sqlite3's install script
    // would fetch a prebuilt binary (or compile) even with a full cache. Tests download nothing, so the
    // project gets the dependencies the repository already has: one symlink per entry of its
    // node_modules (the shared folder itself is never written to), and the tarball extracted into
    // node_modules/midge, which is where npm would put it. Only files the tarball holds are there:
    // a file left out of package.json `files`, or an export pointing at nothing, fails below.
    for (const name of readdirSync(join(ROOT, 'node_modules'))) {
      if (name !== 'midge' && name !== '.bin') symlinkSync(join(ROOT, 'node_modules', name), join(project, 'node_modules', name));
    }
    const untar = run('tar', ['-xzf', tarball, '-C', join(project, 'node_modules/midge'), '--strip-components=1'], project);
    assert.equal(untar.status, 0, untar.out);
    copyFileSync(join(FIXTURES, 'consume.mjs'), join(project, 'consume.mjs'));
    copyFileSync(join(FIXTURES, 'consume.ts.txt'), join(project, 'consume.ts'));
    copyFileSync(join(FIXTURES, 'tsconfig.json'), join(project, 'tsconfig.json'));
  });
  after(() => tmp.cleanup());

  it('an ESM script imports { startGateway } from "midge": hook and event fire for an MQTT.js publish', () => {
    const r = run(process.execPath, ['consume.mjs'], project);
    assert.equal(r.status, 0, r.out);
    const seen = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { port: number; hook: string[]; events: string[]; connected: string[] };
    assert.ok(seen.port > 0);
    assert.deepEqual(seen.hook, ['sensors/t']);
    assert.deepEqual(seen.events, ['consumer sensors/t 21.5']);
    assert.deepEqual(seen.connected, ['consumer']);
  });

  it('tsc --noEmit on a TypeScript consumer: the declarations resolve through package.json exports', () => {
    const r = run(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], project);
    assert.equal(r.status, 0, r.out);
  });

  it('deep imports are closed: only "midge" and "midge/package.json" are exported', () => {
    const script = "import('midge/dist/gateway.js').then(() => process.exit(1), (e) => process.exit(e.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED' ? 0 : 2))";
    const r = run(process.execPath, ['--input-type=module', '-e', script], project);
    assert.equal(r.status, 0, r.out);
  });
});
