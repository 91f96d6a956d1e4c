#!/usr/bin/env node
// The README's first command on a bare machine, checked end to end: `npm start` (which builds first)
// runs the gateway on the embedded default config, and one QoS 1 message goes through it.
// .ci/run calls this right after `npm ci --omit=optional`, before any system package is installed,
// so the build and the start can never again depend on an optional package (onoff, node-libgpiod)
// or a system library. `-p 0` keeps the default config but takes a free port on 127.0.0.1
// instead of 1883, which another broker on the machine may hold.
// Usage: node scripts/bare-start-check.mjs   (exit 0 = started, message exchanged, stopped cleanly)
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(join(root, 'package.json'));
const mqtt = require('mqtt');
const TIMEOUT_MS = 120_000; // includes the build that `npm start` runs first

for (const optional of ['onoff', 'node-libgpiod']) {
  if (existsSync(join(root, 'node_modules', optional))) console.log(`note: optional package ${optional} is installed; this check is meant to run after npm ci --omit=optional`);
}

// npm runs the script in the checkout, so the store goes to ./data there (removed afterwards if this made it)
const cwd = root;
const dataDir = join(root, 'data');
const madeData = !existsSync(dataDir);
// a process group of its own: npm, the shell it runs the script in and midge are stopped together
const child = spawn('npm', ['start', '--', '-p', '0'], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
let output = '';
child.stdout.on('data', (d) => (output += d));
child.stderr.on('data', (d) => (output += d));

function fail(why) {
  console.error(`bare-start-check: FAILED: ${why}\n--- npm start output ---\n${output}`);
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  cleanup();
  process.exit(1);
}

function cleanup() {
  if (madeData) rmSync(dataDir, { recursive: true, force: true });
}

const timer = setTimeout(() => fail(`no message through midge within ${TIMEOUT_MS / 1000} s`), TIMEOUT_MS);
child.on('exit', (code, signal) => {
  if (!stopping) fail(`npm start exited early (code ${code}, signal ${signal})`);
});
let stopping = false;

const port = await new Promise((resolve) => {
  const onData = () => {
    const m = /listening on 127\.0\.0\.1:(\d+) \(mqtt\)/.exec(output);
    if (m) {
      child.stderr.off('data', onData);
      child.stdout.off('data', onData);
      resolve(Number(m[1]));
    }
  };
  child.stderr.on('data', onData);
  child.stdout.on('data', onData);
});

const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'bare-start-check', reconnectPeriod: 0 });
const received = new Promise((resolve) => client.on('message', (topic, payload) => resolve(`${topic} ${payload}`)));
await client.subscribeAsync('bare/check', { qos: 1 });
await client.publishAsync('bare/check', 'hello', { qos: 1 });
const got = await received;
if (got !== 'bare/check hello') fail(`received ${JSON.stringify(got)}`);
await client.endAsync();
if (!existsSync(join(cwd, 'data', 'midge.db'))) fail('no store at ./data/midge.db in the working directory');

// SIGTERM to the group, as a terminal's Ctrl-C or a service manager would: midge must stop cleanly
stopping = true;
await new Promise((resolve) => {
  child.on('close', resolve);
  process.kill(-child.pid, 'SIGTERM');
});
if (!/"msg":"stopped"/.test(output)) fail('midge did not log "stopped" after SIGTERM');
clearTimeout(timer);
cleanup();
console.log(`bare-start-check: npm start built and listened on 127.0.0.1:${port}, one QoS 1 message went through, store at ./data/midge.db`);
