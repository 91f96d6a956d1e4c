/**
 * Durable state across restarts of the real midge process (SQLite store):
 * persistent sessions, queued QoS 1/2 messages, retained messages; a
 * graceful stop (SIGTERM) and a crash (SIGKILL) mid-stream.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { connect } from '../helpers/clients.js';
import { persistentConfig, startMidge, tempDir } from '../helpers/midge-process.js';
import { waitFor } from '../helpers/wait.js';

for (const protocolVersion of [4, 5] as const) {
  const v = protocolVersion === 5 ? 'v5' : '3.1.1';
  const persistent = protocolVersion === 5 ? { clean: false, properties: { sessionExpiryInterval: 3600 } } : { clean: false };

  test(`persistent session, queued QoS 1 and 2 messages and retained survive SIGTERM + restart (${v})`, async (t) => {
    const dir = tempDir();
    t.after(() => dir.cleanup());
    let midge = await startMidge(dir.path, persistentConfig(`${dir.path}/data`));
    t.after(() => midge.proc.kill('SIGKILL'));

    const sub = await connect(midge.port, { clientId: `sub-${v}`, protocolVersion, ...persistent });
    await sub.client.subscribeAsync('r/#', { qos: 2 });
    await sub.end();

    const pub = await connect(midge.port, { clientId: `pub-${v}`, protocolVersion });
    const n = 100;
    for (let i = 0; i < n; i++) await pub.client.publishAsync('r/q1', `one-${i}`, { qos: 1 });
    for (let i = 0; i < n; i++) await pub.client.publishAsync('r/q2', `two-${i}`, { qos: 2 });
    await pub.client.publishAsync('state/lamp', 'ON', { qos: 1, retain: true });
    await pub.end();

    assert.equal(await midge.stop('SIGTERM'), 0, 'graceful stop exits 0');
    midge = await startMidge(dir.path, persistentConfig(`${dir.path}/data`));

    const back = await connect(midge.port, { clientId: `sub-${v}`, protocolVersion, ...persistent });
    t.after(() => back.end(true));
    assert.equal(back.client.connected, true);
    const got = await back.waitMessages(2 * n, 10000);
    const q1 = got.filter((m) => m.topic === 'r/q1').map((m) => m.payload.toString());
    const q2 = got.filter((m) => m.topic === 'r/q2').map((m) => m.payload.toString());
    assert.deepEqual(q1, Array.from({ length: n }, (_, i) => `one-${i}`), 'QoS 1 in order, none lost');
    assert.deepEqual(q2, Array.from({ length: n }, (_, i) => `two-${i}`), 'QoS 2 in order, exactly once');
    assert.ok(got.every((m) => m.packet.qos > 0));

    const late = await connect(midge.port, { clientId: `late-${v}`, protocolVersion });
    t.after(() => late.end(true));
    await late.client.subscribeAsync('state/#', { qos: 1 });
    const [retained] = await late.waitMessages(1);
    assert.equal(retained!.payload.toString(), 'ON');
    assert.equal(retained!.packet.retain, true);
    assert.equal(await midge.stop('SIGTERM'), 0);
  });
}

test('v5 session expiry counts time spent down: an expired session does not come back', async (t) => {
  const dir = tempDir();
  t.after(() => dir.cleanup());
  let midge = await startMidge(dir.path, persistentConfig(`${dir.path}/data`));
  t.after(() => midge.proc.kill('SIGKILL'));
  const sub = await connect(midge.port, { clientId: 'short', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 1 } });
  await sub.client.subscribeAsync('x/#', { qos: 1 });
  await sub.end();
  // control: within the expiry the session is still there
  const quick = await connect(midge.port, { clientId: 'short', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 1 } });
  assert.equal(quick.connack.sessionPresent, true, 'session present right after disconnect');
  await quick.end();
  assert.equal(await midge.stop('SIGTERM'), 0);
  const downSince = Date.now();
  await waitFor(() => Date.now() - downSince > 1200, 3000, 'the session expiry to pass while down');
  midge = await startMidge(dir.path, persistentConfig(`${dir.path}/data`));
  const back = await connect(midge.port, { clientId: 'short', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 1 } });
  t.after(() => back.end(true));
  assert.equal(back.connack.sessionPresent, false, 'session expired while the broker was down');
  assert.equal(await midge.stop('SIGTERM'), 0);
});

test('v5 message expiry counts time spent down: expired queued messages do not come back, others arrive decremented', async (t) => {
  const dir = tempDir();
  t.after(() => dir.cleanup());
  let midge = await startMidge(dir.path, persistentConfig(`${dir.path}/data`));
  t.after(() => midge.proc.kill('SIGKILL'));
  const persistentV5 = { protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 3600 } };
  const sub = await connect(midge.port, { clientId: 'expiry-sub', ...persistentV5 });
  await sub.client.subscribeAsync('e/#', { qos: 1 });
  await sub.end();
  const pub = await connect(midge.port, { clientId: 'expiry-pub', protocolVersion: 5 });
  await pub.client.publishAsync('e/short', 'gone', { qos: 1, properties: { messageExpiryInterval: 1 } });
  await pub.client.publishAsync('e/long', 'kept', { qos: 1, properties: { messageExpiryInterval: 100 } });
  await pub.end();
  assert.equal(await midge.stop('SIGTERM'), 0);
  const downSince = Date.now();
  await waitFor(() => Date.now() - downSince > 2100, 4000, 'the short expiry to pass while down');
  midge = await startMidge(dir.path, persistentConfig(`${dir.path}/data`));
  const back = await connect(midge.port, { clientId: 'expiry-sub', ...persistentV5 });
  t.after(() => back.end(true));
  const [first] = await back.waitMessages(1);
  assert.equal(first!.topic, 'e/long', 'the expired message was not delivered first');
  const left = first!.packet.properties?.messageExpiryInterval ?? 0;
  assert.ok(left > 0 && left <= 98, `expiry decremented by the time down, got ${left}`);
  // nothing else is coming: a marker published now arrives next
  const marker = await connect(midge.port, { clientId: 'expiry-marker', protocolVersion: 5 });
  t.after(() => marker.end(true));
  await marker.client.publishAsync('e/marker', 'm', { qos: 1 });
  await back.waitMessages(2);
  assert.deepEqual(back.messages.map((m) => m.topic), ['e/long', 'e/marker']);
  assert.equal(await midge.stop('SIGTERM'), 0);
});

/**
 * SIGKILL in the middle of a publish stream from a separate process: every
 * message the publisher saw acknowledged is delivered after the restart
 * (zero loss), and no QoS 2 message arrives twice.
 */
for (const qos of [1, 2] as const) {
  test(`crash (SIGKILL) mid-stream: zero loss of acknowledged QoS ${qos} messages${qos === 2 ? ', none twice' : ''}`, async (t) => {
    const dir = tempDir();
    t.after(() => dir.cleanup());
    // no queue limit: every acknowledged message must be kept for the offline subscriber
    const config = persistentConfig(`${dir.path}/data`, 'mqtt:\n  max_queued_messages: 0');
    let midge = await startMidge(dir.path, config);
    t.after(() => midge.proc.kill('SIGKILL'));
    const sub = await connect(midge.port, { clientId: `crash-sub-${qos}`, clean: false });
    await sub.client.subscribeAsync('crash/#', { qos });
    await sub.end();

    // publisher child: publishes with a window of 20 and prints each acked sequence number
    const script = `
      const mqtt = require('mqtt');
      const c = mqtt.connect('mqtt://127.0.0.1:${midge.port}', { clientId: 'crash-pub', reconnectPeriod: 0 });
      let next = 0, inflight = 0;
      const pump = () => { while (inflight < 20 && next < 100000) { const i = next++; inflight++;
        c.publish('crash/t', String(i), { qos: ${qos} }, (err) => { inflight--; if (!err) process.stdout.write(i + '\\n'); pump(); }); } };
      c.on('connect', pump); c.on('error', () => {}); c.on('close', () => process.exit(0));`;
    const child = spawn(process.execPath, ['-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    t.after(() => child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await waitFor(() => out.split('\n').length > 1000, 20000, '1000 acknowledged publishes');
    midge.proc.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const acked = new Set(out.trim().split('\n').filter(Boolean).map(Number));

    midge = await startMidge(dir.path, config);
    const back = await connect(midge.port, { clientId: `crash-sub-${qos}`, clean: false });
    t.after(() => back.end(true));
    const maxAcked = Math.max(...acked);
    await back.waitMessages(acked.size, 20000);
    // everything acknowledged arrives; wait until the highest acked one is in
    await waitFor(() => back.messages.some((m) => Number(m.payload.toString()) === maxAcked), 20000, 'the last acked message');
    const received = back.messages.map((m) => Number(m.payload.toString()));
    const got = new Set(received);
    const lost = [...acked].filter((i) => !got.has(i));
    assert.deepEqual(lost, [], `acknowledged messages lost: ${lost.length} of ${acked.size}`);
    if (qos === 2) assert.equal(received.length, got.size, 'a QoS 2 message was delivered twice');
    // in order: the sequence the subscriber sees is increasing
    for (let i = 1; i < received.length; i++) assert.ok(received[i]! > received[i - 1]! || qos === 1, 'out of order');
    assert.equal(await midge.stop('SIGTERM'), 0);
  });
}
