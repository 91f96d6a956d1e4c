/**
 * Young-generation guard: growth is held back (factor 1) once the open
 * connections rise by the threshold within one sweep interval, restored (2)
 * after the first calm interval; churn does not count; without a setter the
 * guard does nothing. The setter is offered only where the flag is known and
 * the user did not set it, and this V8 accepts the flag.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { YoungGenGuard } from '../../src/broker/young-gen.js';
import { youngGenGrowthSetter } from '../../src/cli/v8-tuning.js';

test('a net rise of `threshold` connections within an interval holds growth until a calm interval', () => {
  const calls: number[] = [];
  const guard = new YoungGenGuard(10);
  guard.use((f) => calls.push(f));
  for (let open = 1; open <= 9; open++) guard.connected(open);
  assert.deepEqual(calls, []);
  guard.connected(10);
  assert.deepEqual(calls, [1]);
  assert.equal(guard.holding, true);
  for (let open = 11; open <= 500; open++) guard.connected(open);
  assert.deepEqual(calls, [1], 'set once per storm');
  guard.tick(500); // the storm interval itself ends: 500 - 0 >= 10, still holding
  assert.equal(guard.holding, true);
  guard.tick(505); // calm: 5 more
  assert.deepEqual(calls, [1, 2]);
  assert.equal(guard.holding, false);
});

test('connections that come and go do not make a storm', () => {
  const calls: number[] = [];
  const guard = new YoungGenGuard(10);
  guard.use((f) => calls.push(f));
  guard.tick(100);
  for (let i = 0; i < 1000; i++) guard.connected(100 + (i % 5)); // churn around 100 open connections
  assert.deepEqual(calls, []);
});

test('without a setter the guard changes nothing', () => {
  const guard = new YoungGenGuard(1);
  guard.connected(5);
  guard.tick(5);
  assert.equal(guard.holding, false);
});

test('the growth setter: known V8 versions only, and the user’s flag wins', () => {
  assert.equal(typeof youngGenGrowthSetter('11.3.244.8-node.33', []), 'function');
  assert.equal(typeof youngGenGrowthSetter('13.6.233.10-node.27', []), 'function');
  assert.equal(youngGenGrowthSetter('10.2.154.26', []), undefined);
  assert.equal(youngGenGrowthSetter('14.0.1', []), undefined);
  assert.equal(youngGenGrowthSetter('11.3.244.8-node.33', ['--semi-space-growth-factor=4']), undefined);
  assert.equal(youngGenGrowthSetter('11.3.244.8-node.33', ['--semi_space_growth_factor=4']), undefined);
});

test('this V8 takes the flag and keeps the young generation at its size while held', () => {
  // a child process (fresh heap): survivors with growth held, then with growth allowed
  const moduleUrl = new URL('../../src/cli/v8-tuning.js', import.meta.url).href;
  const script = `
    import v8 from 'node:v8';
    import { youngGenGrowthSetter } from ${JSON.stringify(moduleUrl)};
    const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    const set = youngGenGrowthSetter(process.versions.v8, []);
    const keep = [];
    set(1);
    for (let i = 0; i < 50000; i++) keep.push({ a: i, b: [i], c: 'x' + i });
    const before = newSpace();
    for (let i = 0; i < 200000; i++) keep.push({ a: i, b: [i], c: 'x' + i });
    const held = newSpace();
    set(2);
    for (let i = 0; i < 200000; i++) keep.push({ a: i, b: [i], c: 'x' + i });
    console.log(JSON.stringify({ before, held, after: newSpace() }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.stderr, '', 'no "unrecognized flag" warning');
  assert.equal(r.status, 0);
  const { before, held, after } = JSON.parse(r.stdout) as { before: number; held: number; after: number };
  assert.equal(held, before, 'no growth while held');
  assert.ok(after > held, `grows again once released (${held} -> ${after})`);
});
