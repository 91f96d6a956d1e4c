/**
 * `$SYS/broker/...` status topics (as mosquitto), and [MQTT-4.7.2-1]:
 * wildcards at the first level do not match topics starting with `$`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VERSION } from '../../src/version.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { connect, type TestClient } from '../helpers/clients.js';
import { uid, VERSIONS } from '../helpers/lifecycle.js';
import { waitFor } from '../helpers/wait.js';

/** Latest value seen per $SYS topic suffix. */
function latest(sub: TestClient): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of sub.messages) if (m.topic.startsWith('$SYS/broker/')) out.set(m.topic.slice('$SYS/broker/'.length), m.payload.toString());
  return out;
}

async function until(sub: TestClient, suffix: string, ok: (v: string) => boolean, what: string): Promise<string> {
  await waitFor(() => {
    const v = latest(sub).get(suffix);
    return v !== undefined && ok(v);
  }, 4000, `$SYS/broker/${suffix} ${what} (have ${latest(sub).get(suffix)})`);
  return latest(sub).get(suffix)!;
}

describe('$SYS topics', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker({ sys: { interval: 1 } });
  });
  after(async () => {
    await tb.stop();
  });

  for (const protocolVersion of VERSIONS) {
    test(`$SYS/broker/# carries version, uptime, client and message counts (v${protocolVersion})`, async () => {
      const sub = await connect(tb.port, { protocolVersion });
      await sub.client.subscribeAsync('$SYS/broker/#', { qos: 0 });
      assert.equal(await until(sub, 'version', () => true, 'present'), `midge version ${VERSION}`);
      assert.match(await until(sub, 'uptime', () => true, 'present'), /^\d+ seconds$/);
      for (const suffix of ['clients/connected', 'clients/total', 'clients/maximum', 'messages/received', 'messages/sent', 'bytes/received', 'bytes/sent', 'subscriptions/count']) {
        assert.match(await until(sub, suffix, () => true, 'present'), /^\d+$/, suffix);
      }
      assert.match(await until(sub, 'load/messages/received/1min', () => true, 'present'), /^\d+\.\d\d$/);
      await sub.end();
    });
  }

  test('uptime advances and clients/connected follows connections', async () => {
    const sub = await connect(tb.port, { protocolVersion: 5 });
    await sub.client.subscribeAsync('$SYS/broker/#', { qos: 0 });
    const first = Number.parseInt(await until(sub, 'uptime', () => true, 'present'), 10);
    await until(sub, 'uptime', (v) => Number.parseInt(v, 10) > first, 'to advance');
    const base = tb.broker.stats.clientsConnected;
    const extra = await Promise.all([1, 2, 3].map(() => connect(tb.port, { protocolVersion: 4 })));
    await until(sub, 'clients/connected', (v) => v === String(base + 3), `to be ${base + 3}`);
    await Promise.all(extra.map((c) => c.end()));
    await until(sub, 'clients/connected', (v) => v === String(base), `to be back to ${base}`);
    await sub.end();
  });

  test('messages/received counts PUBLISHes from clients', async () => {
    const sub = await connect(tb.port, { protocolVersion: 5 });
    await sub.client.subscribeAsync('$SYS/broker/messages/received', { qos: 0 });
    const before = Number(await until(sub, 'messages/received', () => true, 'present'));
    const pub = await connect(tb.port, { protocolVersion: 4 });
    for (let i = 0; i < 5; i++) await pub.client.publishAsync(uid('sys/count'), 'x', { qos: 1 });
    await until(sub, 'messages/received', (v) => Number(v) >= before + 5, `to reach ${before + 5}`);
    await pub.end();
    await sub.end();
  });

  const markers: Array<[string, string]> = [
    ['#', 'sys/broker/marker'],
    ['+/broker/#', 'sys/broker/marker'],
    ['+/+/version', 'sys/broker/version'],
  ];
  for (const [filter, markerTopic] of markers) {
    test(`[MQTT-4.7.2-1] '${filter}' does not receive $SYS topics, retained or live`, async () => {
      const all = await connect(tb.port, { protocolVersion: 5 });
      await all.client.subscribeAsync(filter, { qos: 0 });
      const watcher = await connect(tb.port, { protocolVersion: 5 });
      await watcher.client.subscribeAsync('$SYS/broker/uptime', { qos: 0 });
      await watcher.waitMessages(2, 4000); // a live $SYS update went out after the '${filter}' subscription
      await watcher.client.publishAsync(markerTopic, 'marker', { qos: 0 });
      await waitFor(() => all.messages.some((m) => m.topic === markerTopic), 2000, 'marker');
      assert.deepEqual(all.messages.filter((m) => m.topic.startsWith('$')).map((m) => m.topic), []);
      await all.end();
      await watcher.end();
    });
  }

  test('$SYS/broker/version can be subscribed to explicitly and is retained', async () => {
    const late = await connect(tb.port, { protocolVersion: 4 });
    await late.client.subscribeAsync('$SYS/broker/version', { qos: 0 });
    const [msg] = await late.waitMessages(1);
    assert.equal(msg!.packet.retain, true);
    await late.end();
  });
});

describe('$SYS disabled', () => {
  test('sys.interval 0 publishes nothing under $SYS', async () => {
    const tb = await startBroker({ sys: { interval: 0 } });
    try {
      const sub = await connect(tb.port, { protocolVersion: 5 });
      await sub.client.subscribeAsync(['$SYS/#', 'marker'], { qos: 0 });
      await new Promise((r) => setTimeout(r, 300)); // prove nothing comes
      await sub.client.publishAsync('marker', 'm', { qos: 0 });
      await sub.waitMessages(1);
      assert.deepEqual(sub.messages.map((m) => m.topic), ['marker']);
      await sub.end();
    } finally {
      await tb.stop();
    }
  });
});
