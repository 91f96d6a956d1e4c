#!/usr/bin/env node
// Runs the compiled tests (build/test/**/*.test.js) with node:test.
// Node 20's --test takes no globs, so the files are listed here.
// Usage: npm test [-- FILTER...]  (substrings of test file paths, e.g. `npm test -- unit/ qos`)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const testRoot = join(root, 'build', 'test');

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...find(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = find(testRoot)
  .filter((f) => filters.length === 0 || filters.some((s) => relative(testRoot, f).includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files matched in ${testRoot}`);
  process.exit(1);
}
// Node 20's --test-timeout bounds a whole file. Files that need longer run afterwards, one at a time,
// with their own bound (the power-cut test boots a VM under emulation again and again: 4-5 min;
// the packaging-source test compiles dist/ and installs the production dependencies: 1-3 min).
const LONG = { 'integration/powercut.test.js': 480_000, 'unit/packaging-source.test.js': 300_000 };
const isLong = (f) => relative(testRoot, f) in LONG;
const run = (list, timeoutMs, concurrency) =>
  list.length === 0 ? 0 : (spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, `--test-timeout=${timeoutMs}`, ...list], { stdio: 'inherit', cwd: root }).status ?? 1);
let status = run(files.filter((f) => !isLong(f)), 120_000, 2);
for (const f of files.filter(isLong)) status = run([f], LONG[relative(testRoot, f)], 1) || status;
process.exit(status);
