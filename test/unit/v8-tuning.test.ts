/**
 * V8 tier-up flags: the right flag names per V8 major version (they were
 * renamed in V8 12), none for versions not measured, and a flag the user
 * gave node (command line or NODE_OPTIONS, either spelling) is left alone.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { beginStartup, startupFlags, tierUpFlags, tuneV8 } from '../../src/cli/v8-tuning.js';

test('flag names per V8 major version', () => {
  assert.deepEqual(tierUpFlags('11.3.244.8-node.33'), ['--interrupt-budget=4096', '--minimum-invocations-after-ic-update=20']);
  assert.deepEqual(tierUpFlags('12.4.254.21-node.33'), ['--invocation-count-for-turbofan=500', '--minimum-invocations-after-ic-update=20']);
  assert.deepEqual(tierUpFlags('13.6.233.10-node.27'), ['--invocation-count-for-turbofan=500', '--minimum-invocations-after-ic-update=20']);
  assert.deepEqual(tierUpFlags('10.2.154.26'), []);
  assert.deepEqual(tierUpFlags('14.0.1'), []);
  assert.deepEqual(tierUpFlags('garbage'), []);
});

test("the user's own node flags win", () => {
  const v = '11.3.244.8-node.33';
  assert.deepEqual(tuneV8(v, ['--interrupt-budget=67584']), ['--minimum-invocations-after-ic-update=20']);
  assert.deepEqual(tuneV8(v, ['--minimum_invocations_after_ic_update=500', '--interrupt-budget=100000']), []);
  // the flags of this process's own V8 are known to it: applying them must not print "unrecognized flag"
  assert.deepEqual(tuneV8(process.versions.v8, []), tierUpFlags(process.versions.v8));
});

test('this node knows the flags: applying them prints no "unrecognized flag"', () => {
  const module = new URL('../../src/cli/v8-tuning.js', import.meta.url).href;
  const child = spawnSync(process.execPath, ['-e', `import(${JSON.stringify(module)}).then((m) => console.log(JSON.stringify(m.tuneV8())))`], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stderr, '');
  assert.deepEqual(JSON.parse(child.stdout), tierUpFlags(process.versions.v8));
});

test('start-up flags per V8 version, skipped when the user set them (either polarity), restored afterwards', () => {
  assert.deepEqual(startupFlags('11.3.244.8-node.33'), [['--no-opt', '--opt'], ['--semi-space-growth-factor=1', '--semi-space-growth-factor=2']]);
  assert.deepEqual(startupFlags('13.6.233.10-node.27').map(([set]) => set), ['--no-opt', '--semi-space-growth-factor=1', '--no-maglev']);
  assert.deepEqual(startupFlags('10.2.154.26'), []);
  assert.deepEqual(beginStartup('11.3.244.8-node.33', ['--opt', '--semi_space_growth_factor=3'])(), []);
  assert.deepEqual(beginStartup('13.6.233.10-node.27', ['--no-opt'])(), ['--semi-space-growth-factor=2', '--maglev']);
});

test('a child started with the start-up flags optimises again once they are restored', () => {
  const module = new URL('../../src/cli/v8-tuning.js', import.meta.url).href;
  // %GetOptimizationStatus bit 16 (value 16): TurboFan code. A hot function stays unoptimised under --no-opt, then is optimised.
  const script = `
    const { beginStartup } = await import(${JSON.stringify(module)});
    const end = beginStartup(process.versions.v8, []);
    function hot(n) { let s = 0; for (let i = 0; i < n; i++) s += i % 7; return s; }
    const run = () => { for (let i = 0; i < 20000; i++) hot(50); return (%GetOptimizationStatus(hot) & 16) !== 0; };
    const during = run();
    end();
    const after = run() || run() || run();
    console.log(JSON.stringify({ during, after }));`;
  const child = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), { during: false, after: true });
});
