/**
 * The durable bridge queue across a SIGKILL of the real midge process, and
 * `midge queue` / `midge queue purge`: messages PUBACKed while the upstream
 * is down survive the kill, are listed by the CLI, and are delivered in
 * order once the upstream is reachable; purge asks first and empties it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startBroker } from '../helpers/broker.js';
import { connect } from '../helpers/clients.js';
import { persistentConfig, runMidgeCli, startMidge, tempDir } from '../helpers/midge-process.js';
import { waitFor } from '../helpers/wait.js';

async function freePort(): Promise<number> {
  const probe = await startBroker();
  const port = probe.port;
  await probe.stop();
  return port;
}

function bridgeYaml(port: number, name = 'up'): string {
  return [
    'bridges:',
    `  - name: ${name}`,
    `    addresses: ["127.0.0.1:${port}"]`,
    '    topics: ["meter/# out 1"]',
    '    restart_timeout: "0.2 0.5"',
  ].join('\n');
}

describe('bridge queue survives SIGKILL; midge queue', () => {
  const dir = tempDir();
  let upstreamPort: number;
  let configFile: string;
  before(async () => {
    upstreamPort = await freePort();
    configFile = join(dir.path, 'midge.yaml');
  });
  after(() => dir.cleanup());

  test('acknowledged while the upstream is down, killed, listed, then delivered in order', async () => {
    const yaml = persistentConfig(join(dir.path, 'data'), bridgeYaml(upstreamPort));
    const m1 = await startMidge(dir.path, yaml);
    const pub = await connect(m1.port, { clientId: 'meter-pub' });
    for (let i = 0; i < 300; i++) await pub.client.publishAsync('meter/kwh', String(i), { qos: 1 });
    await pub.end(true);
    assert.equal(await m1.stop('SIGKILL'), null);

    const listed = await runMidgeCli(['queue', '-c', configFile, '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const rows = JSON.parse(listed.stdout) as Array<{ bridge: string; messages: number; state: string; oldest_age_seconds: number | null }>;
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.bridge, 'up');
    assert.equal(rows[0]!.messages, 300);
    assert.notEqual(rows[0]!.oldest_age_seconds, null);
    assert.match(rows[0]!.state, /backoff|connecting/);
    const text = await runMidgeCli(['queue', '-c', configFile]);
    assert.match(text.stdout, /^BRIDGE\s+STATE\s+MESSAGES\s+BYTES\s+OLDEST\s+DEAD/m);
    assert.match(text.stdout, /^up\s+.*\s300\s/m);

    const cloud = await startBroker({ listener: { port: upstreamPort } });
    const got: number[] = [];
    cloud.broker.bus.subscribe('meter/#', (m) => void got.push(Number(m.payload.toString())));
    const m2 = await startMidge(dir.path, yaml);
    try {
      await waitFor(() => got.length >= 300, 20_000, '300 messages upstream');
      assert.deepEqual([...new Set(got)], Array.from({ length: 300 }, (_, i) => i), 'every message, in order (a resend may repeat one)');
      await m2.stop();
    } finally {
      await cloud.stop();
    }
    const after = await runMidgeCli(['queue', '-c', configFile, '--json']);
    assert.equal((JSON.parse(after.stdout) as Array<{ messages: number }>)[0]!.messages, 0);
  });

  test('purge asks for confirmation, then deletes the queue with progress', async () => {
    const yaml = persistentConfig(join(dir.path, 'data'), bridgeYaml(upstreamPort));
    const m = await startMidge(dir.path, yaml);
    const pub = await connect(m.port, { clientId: 'meter-pub2' });
    for (let i = 0; i < 50; i++) await pub.client.publishAsync('meter/x', 'v', { qos: 1 });
    await pub.end(true);
    await m.stop();
    const no = await runMidgeCli(['queue', 'purge', '--bridge', 'up', '-c', configFile], { input: 'n\n' });
    assert.equal(no.code, 1);
    assert.match(no.stderr, /Delete 50 queued message\(s\) of bridge 'up'\?/);
    const yes = await runMidgeCli(['queue', 'purge', '--bridge', 'up', '-c', configFile], { input: 'y\n' });
    assert.equal(yes.code, 0, yes.stderr);
    assert.match(yes.stdout, /purged 50 message/);
    assert.match(yes.stderr, /purged 50\/50/);
    const listed = JSON.parse((await runMidgeCli(['queue', '-c', configFile, '--json'])).stdout) as Array<{ messages: number }>;
    assert.equal(listed[0]!.messages, 0);
  });

  test('usage errors and a configuration without persistence', async () => {
    const bad = await runMidgeCli(['queue', 'purge']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /purge needs --bridge NAME/);
    const memFile = join(dir.path, 'mem.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(memFile, 'persistence:\n  enabled: false\n');
    const mem = await runMidgeCli(['queue', '-c', memFile]);
    assert.equal(mem.code, 1);
    assert.match(mem.stderr, /persistence is off/);
  });
});
