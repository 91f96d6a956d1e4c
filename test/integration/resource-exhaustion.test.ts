/**
 * Resource exhaustion against the real midge process: the file descriptor
 * limit (accept errors handled, logged once, no busy loop while at the
 * limit, service back when descriptors free up) and a full disk while
 * messages queue for an offline subscriber (a 2 MB tmpfs: v5 publishers
 * get 0x97, nothing acknowledged is lost, writing resumes when space
 * returns, the database opens cleanly afterwards). Clock steps are in
 * clock-step.test.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';
import type { IPubackPacket } from 'mqtt-packet';
import mqttPacket from 'mqtt-packet';
import { RC } from '../../src/reason-codes.js';
import { connect } from '../helpers/clients.js';
import { rawConnected, rawPublish } from '../helpers/messages.js';
import { persistentConfig, startMidge, tempDir } from '../helpers/midge-process.js';
import { describeProbe, startProbe } from '../helpers/probe.js';
import { cpuSeconds, openFds } from '../helpers/proc-stats.js';
import { waitFor } from '../helpers/wait.js';

const CONNECT = (id: string) => mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: id, clean: true, keepalive: 0 } as mqttPacket.IConnectPacket);

/** Open a socket and CONNECT; resolves true on CONNACK, false when the broker drops it. */
function tryConnect(port: number, id: string, held: net.Socket[]): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write(CONNECT(id)));
    s.on('error', () => undefined);
    s.once('data', (d: Buffer) => {
      held.push(s);
      resolve(d[0] === 0x20);
    });
    s.once('close', () => resolve(false));
  });
}

test('file descriptor limit: connections past it are dropped, a warning logged once, no busy loop; service returns when descriptors free up', async (t) => {
  const dir = tempDir();
  t.after(() => dir.cleanup());
  const midge = await startMidge(dir.path, persistentConfig(`${dir.path}/data`), 10000, ['prlimit', '--nofile=64:64', '--']);
  t.after(() => midge.proc.kill('SIGKILL'));
  const pid = midge.proc.pid!;
  const held: net.Socket[] = [];
  t.after(() => held.forEach((s) => s.destroy()));
  let accepted = 0;
  let refused = 0;
  for (let i = 0; i < 80; i++) (await tryConnect(midge.port, `fd-${i}`, held)) ? accepted++ : refused++;
  assert.ok(refused > 0 && accepted > 10, `accepted ${accepted}, refused ${refused} at a limit of 64 descriptors`);
  const fdsAtLimit = openFds(pid);

  // at the limit: clients keep trying; midge must not spin
  const cpuBefore = cpuSeconds(pid);
  const started = performance.now();
  let attempts = 0;
  while (performance.now() - started < 3000) {
    attempts++;
    const ok = await tryConnect(midge.port, `fd-retry-${attempts}`, held);
    assert.equal(ok, false, 'no room while at the limit');
    await new Promise((r) => setTimeout(r, 20));
  }
  const cpu = (cpuSeconds(pid) - cpuBefore) / ((performance.now() - started) / 1000);
  t.diagnostic(`fd limit 64 (${fdsAtLimit} open): ${accepted} clients held, ${refused + attempts} connections refused; midge CPU at the limit ${(cpu * 100).toFixed(1)}%`);
  assert.ok(cpu < 0.25, `midge used ${(cpu * 100).toFixed(0)}% CPU while at the descriptor limit (busy loop?)`);
  // libuv drops connections at EMFILE without telling node; midge warns as it nears the limit, rate-limited
  const logged = midge.output().match(/near the file descriptor limit 64/g) ?? [];
  assert.ok(logged.length >= 1 && logged.length <= 2, `fd limit warning logged ${logged.length} times for ${refused + attempts} refusals`);

  // descriptors free up: a real client gets in and round-trips
  for (const s of held.splice(0)) s.destroy();
  await waitFor(() => openFds(pid) < 40, 5000, 'midge to close the sockets');
  const probe = await startProbe(midge.port);
  const r = await probe.stop();
  assert.equal(r.failures, 0, describeProbe(r));
  assert.equal(await midge.stop('SIGTERM'), 0);
});

function mountTmpfs(path: string, size: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'midge-test', path], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return (err as { stderr?: Buffer }).stderr?.toString().trim() || String(err);
  }
}

test('disk full during queueing (2 MB tmpfs): 0x97 to v5 publishers, nothing acknowledged lost, recovers when space returns', async (t) => {
  const dir = tempDir();
  const data = `${dir.path}/data`;
  mkdirSync(data);
  const why = mountTmpfs(data, '2m');
  if (why !== undefined) {
    dir.cleanup();
    t.skip(`cannot mount a tmpfs here (${why}); the SQLite max_page_count variant in store-limits.test.ts covers the logic`);
    return;
  }
  const config = persistentConfig(data, 'mqtt:\n  max_queued_messages: 0');
  let midge = await startMidge(dir.path, config);
  t.after(async () => {
    midge.proc.kill('SIGKILL');
    if (midge.proc.exitCode === null && midge.proc.signalCode === null) await new Promise((r) => midge.proc.once('exit', r));
    execFileSync('umount', ['-l', data]);
    dir.cleanup();
  });
  const sub = await connect(midge.port, { clientId: 'full-sub', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 3600 } });
  await sub.client.subscribeAsync('full/#', { qos: 1 });
  await sub.end();

  const pub = await rawConnected(midge.port, 5, { clientId: 'full-pub' });
  t.after(() => pub.destroy());
  const acked: number[] = [];
  let refused = 0;
  for (let i = 0; i < 2000 && refused < 3; i++) {
    const ack = (await rawPublish(pub, 'full/t', Buffer.alloc(4000, i % 251), 1)) as IPubackPacket;
    if ((ack.reasonCode ?? 0) === RC.SUCCESS) acked.push(i);
    else {
      assert.equal(ack.reasonCode, RC.QUOTA_EXCEEDED, 'a full disk is reported as 0x97');
      refused++;
    }
  }
  assert.equal(refused, 3, `the 2 MB disk filled up after ${acked.length} messages`);
  const probe = await startProbe(midge.port);
  const r = await probe.stop();
  assert.equal(r.failures, 0, `still serving with a full disk: ${describeProbe(r)}`);
  assert.match(midge.output(), /GW_ERR_STORE_FULL/);

  execFileSync('mount', ['-o', 'remount,size=32m', data]); // space returns
  const after = (await rawPublish(pub, 'full/t', Buffer.from('after'), 1)) as IPubackPacket;
  assert.equal(after.reasonCode ?? 0, RC.SUCCESS, 'writes succeed again');
  pub.destroy();
  assert.equal(await midge.stop('SIGTERM'), 0);

  midge = await startMidge(dir.path, config);
  assert.doesNotMatch(midge.output(), /corrupt|"level":50/, 'the database opens cleanly');
  const back = await connect(midge.port, { clientId: 'full-sub', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 3600 } });
  t.after(() => back.end(true));
  await back.waitMessages(acked.length + 1, 15000);
  const got = new Set(back.messages.filter((m) => m.payload.length === 4000).map((m) => m.payload[0]));
  assert.deepEqual(acked.filter((i) => !got.has(i % 251)), [], 'every acknowledged message is delivered');
  t.diagnostic(`disk full on a 2 MB tmpfs after ${acked.length} queued 4 KB messages; all delivered after space returned and a restart`);
  await back.end();
  assert.equal(await midge.stop('SIGTERM'), 0);
});
