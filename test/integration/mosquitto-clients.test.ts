/**
 * Interoperability with the Mosquitto command-line clients (the tools users
 * already script against): QoS 1/2 and retained publishing, v5 user
 * properties, `-R` and `--retained-only`. Skipped when the binaries are absent.
 */
import { after, before, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { unique } from '../helpers/messages.js';
import { waitFor } from '../helpers/wait.js';

const HAVE_MOSQUITTO = ['mosquitto_pub', 'mosquitto_sub'].every((b) => spawnSync(b, ['--help']).error === undefined);
const SKIP = HAVE_MOSQUITTO ? false : 'mosquitto_pub/mosquitto_sub not installed (apt install mosquitto-clients)';

interface Run {
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  kill(): void;
}

/** Spawn a client with a hard timeout; the promise settles when it exits. */
function run(bin: string, args: string[], timeoutMs = 8000): Run {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { done, kill: () => child.kill('SIGKILL') };
}

describe('mosquitto_pub / mosquitto_sub interop', { skip: SKIP }, () => {
  let tb: TestBroker;
  let base: string[];
  before(async () => {
    tb = await startBroker();
    base = ['-h', '127.0.0.1', '-p', String(tb.port)];
  });
  after(async () => {
    await tb.stop();
  });

  /** Start mosquitto_sub and wait until its subscription is in the broker. */
  async function subscriber(t: TestContext, topic: string, args: string[]): Promise<Run> {
    const sub = run('mosquitto_sub', [...base, '-t', topic, ...args]);
    t.after(() => sub.kill());
    await waitFor(() => tb.broker.subscriptions.match(topic).length > 0, 5000, `mosquitto_sub subscribed to ${topic}`);
    return sub;
  }

  async function pub(args: string[]): Promise<void> {
    const r = await run('mosquitto_pub', [...base, ...args]).done;
    assert.equal(r.code, 0, `mosquitto_pub failed: ${r.stderr}`);
  }

  for (const [version, flag] of [['3.1.1', 'mqttv311'], ['5', 'mqttv5']] as const) {
    test(`mosquitto_sub -q 1 receives mosquitto_pub -q 1 and -q 2 -r messages (MQTT ${version})`, async (t) => {
      const topic = unique('mq');
      const sub = await subscriber(t, topic, ['-V', flag, '-q', '1', '-C', '2', '-F', '%q %r %p']);
      await pub(['-V', flag, '-t', topic, '-q', '1', '-m', 'one']);
      await pub(['-V', flag, '-t', topic, '-q', '2', '-r', '-m', 'two']);
      const r = await sub.done;
      assert.equal(r.code, 0, r.stderr);
      // QoS is downgraded to the subscription's 1; a live retained message arrives with RETAIN=0
      assert.deepEqual(r.stdout.trim().split('\n'), ['1 0 one', '1 0 two']);
      await pub(['-V', flag, '-t', topic, '-r', '-n']); // clear the retained message
    });
  }

  test('v5 user properties from mosquitto_pub -D reach mosquitto_sub', async (t) => {
    const topic = unique('mqup');
    const sub = await subscriber(t, topic, ['-V', 'mqttv5', '-C', '1', '-F', '%P|%p']);
    await pub(['-V', 'mqttv5', '-t', topic, '-q', '1', '-m', 'hello', '-D', 'publish', 'user-property', 'k', 'v', '-D', 'publish', 'user-property', 'site', 'edge']);
    const r = await sub.done;
    assert.equal(r.code, 0, r.stderr);
    const [props, payload] = r.stdout.trim().split('|');
    assert.equal(payload, 'hello');
    assert.match(props!, /k:v/);
    assert.match(props!, /site:edge/);
  });

  test('mosquitto_sub --retained-only gets the retained message; -R skips it and waits for a live one', async (t) => {
    const topic = unique('mqret');
    await pub(['-t', topic, '-q', '1', '-r', '-m', 'stale']);
    const only = await run('mosquitto_sub', [...base, '-t', topic, '--retained-only', '-C', '1', '-F', '%r %p']).done;
    assert.equal(only.code, 0, only.stderr);
    assert.equal(only.stdout.trim(), '1 stale');
    const fresh = await subscriber(t, topic, ['-R', '-C', '1']);
    await pub(['-t', topic, '-q', '1', '-m', 'live']);
    const r = await fresh.done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'live');
    await pub(['-t', topic, '-r', '-n']);
  });

  test('mosquitto_pub -r -n deletes a retained message: mosquitto_sub --retained-only then sees nothing', async () => {
    const topic = unique('mqdel');
    await pub(['-t', topic, '-q', '1', '-r', '-m', 'x']);
    await pub(['-t', topic, '-q', '1', '-r', '-n']);
    const r = await run('mosquitto_sub', [...base, '-t', topic, '--retained-only', '-W', '1']).done;
    assert.equal(r.stdout, '');
  });
});
