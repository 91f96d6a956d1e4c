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
const args = ['--test', '--test-concurrency=2', '--test-timeout=120000', ...files];
const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
