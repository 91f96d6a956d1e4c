/**
 * Hostile connections at scale: hundreds of half-open sockets and slowloris
 * tricklers, partial packets after CONNECT, huge Remaining Length headers
 * and a connection flood against the real midge process. The broker closes
 * what it must when it must, holds no memory for bytes never sent, and a
 * well-behaved client keeps its round trips fast throughout.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import mqttPacket from 'mqtt-packet';
import { startBroker } from '../helpers/broker.js';
import { persistentConfig, startMidge, tempDir } from '../helpers/midge-process.js';
import { describeProbe, startProbe } from '../helpers/probe.js';
import { fdLimit, mb, MB, openFds, rssBytes } from '../helpers/proc-stats.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

/** Open a raw TCP socket to the broker (connected). */
function openSocket(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves when the broker has closed `s`. */
function closed(s: net.Socket): Promise<number> {
  return new Promise((resolve) => {
    if (s.destroyed) resolve(performance.now());
    s.once('close', () => resolve(performance.now()));
    s.on('error', () => undefined);
    s.resume();
  });
}

function connectBytes(clientId: string, version: 4 | 5 = 4, keepalive = 0): Buffer {
  return mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clientId, clean: true, keepalive } as mqttPacket.IConnectPacket);
}

test('300 half-open sockets and 100 slowloris tricklers are all closed after connect_timeout; a probe stays fast', async (t) => {
  const tb = await startBroker({ mqtt: { connect_timeout: 1 } });
  t.after(() => tb.stop());
  const probe = await startProbe(tb.port);
  const silent = await Promise.all(Array.from({ length: 300 }, () => openSocket(tb.port)));
  const tricklers = await Promise.all(Array.from({ length: 100 }, () => openSocket(tb.port)));
  const opened = performance.now();
  const connect = connectBytes('slowloris');
  let offset = 0;
  const trickle = setInterval(() => {
    if (offset >= connect.length - 1) return; // never the whole CONNECT
    for (const s of tricklers) if (!s.destroyed) s.write(connect.subarray(offset, offset + 1));
    offset++;
  }, 100);
  t.after(() => clearInterval(trickle));
  const times = await Promise.all([...silent, ...tricklers].map(closed));
  clearInterval(trickle);
  const last = Math.max(...times) - opened;
  const first = Math.min(...times) - opened;
  assert.ok(first >= 900, `closed after ${first.toFixed(0)} ms, before connect_timeout`);
  assert.ok(last < 3000, `the last socket was closed after ${last.toFixed(0)} ms (connect_timeout 1 s + sweep)`);
  const r = await probe.stop();
  await waitFor(() => tb.broker.connections.size === 0, 3000, 'no connections left');
  t.diagnostic(`probe during 400 half-open connections: ${describeProbe(r)}`);
  assert.equal(r.failures, 0);
  assert.ok(r.p99 < 500, `probe p99 ${r.p99.toFixed(1)} ms`);
});

test('a partial packet after CONNECT (then silence) is closed by keepalive; others are unaffected', async (t) => {
  const tb = await startBroker();
  t.after(() => tb.stop());
  const clients = await Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      const rc = await RawClient.connect(tb.port, 4);
      await rc.connect({ clientId: `partial-${i}`, keepalive: 1 });
      // a PUBLISH header announcing 100 bytes, then only 3 of them
      rc.write(Buffer.from([0x30, 100, 0x00, 0x05, 0x61]));
      return rc;
    }),
  );
  const start = performance.now();
  const probe = await startProbe(tb.port);
  await Promise.all(clients.map((rc) => rc.closedByBroker(4000)));
  const elapsed = performance.now() - start;
  assert.ok(elapsed >= 1400 && elapsed < 3500, `closed after ${elapsed.toFixed(0)} ms (1.5 x keepalive 1 s + sweep)`);
  const r = await probe.stop();
  assert.equal(r.failures, 0, describeProbe(r));
});

test('huge Remaining Length headers: no memory is reserved for bytes not sent; with max_packet_size the header alone is refused (0x95)', async (t) => {
  const tb = await startBroker();
  t.after(() => tb.stop());
  // a PUBLISH claiming 268,435,455 bytes (the protocol maximum), followed by 1 KB only
  const header = Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x03, 0x61, 0x2f, 0x62]);
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const clients = await Promise.all(
    Array.from({ length: 100 }, async (_, i) => {
      const rc = await RawClient.connect(tb.port, 4);
      await rc.connect({ clientId: `huge-${i}`, keepalive: 0 });
      rc.write(Buffer.concat([header, Buffer.alloc(1024, 0x41)]));
      return rc;
    }),
  );
  const probe = await startProbe(tb.port);
  await waitFor(() => tb.broker.stats.bytesReceived > 100 * 1024, 3000, 'the bodies to arrive');
  global.gc?.();
  const grown = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers - heapBefore;
  t.diagnostic(`100 connections each announcing a 256 MB packet: memory grew ${mb(grown)}`);
  assert.ok(grown < 32 * MB, `memory grew ${mb(grown)} for 100 announced 256 MB packets`);
  assert.ok(clients.every((c) => !c.closed), 'they are within the limits (max_packet_size 0 = protocol maximum)');
  const r = await probe.stop();
  assert.equal(r.failures, 0, describeProbe(r));
  for (const c of clients) c.destroy();

  const limited = await startBroker({ mqtt: { max_packet_size: 4096 } });
  t.after(() => limited.stop());
  const v5 = await RawClient.connect(limited.port, 5);
  await v5.connect({ clientId: 'huge-v5' });
  v5.write(header);
  const disconnect = (await v5.next('disconnect')) as mqttPacket.IDisconnectPacket;
  assert.equal(disconnect.reasonCode, 0x95, 'Packet too large, on the header alone');
  await v5.closedByBroker();
});

/**
 * The connection flood runs against the real midge process, so the
 * broker's file descriptors and RSS are its own. MIDGE_FLOOD_CONNECTIONS
 * sets the count (default 5000, 10000 on demand), capped by `ulimit -n`.
 */
test('connection flood: thousands of CONNECTed clients are held, a probe stays fast, everything is released after', async (t) => {
  const wanted = Number(process.env.MIDGE_FLOOD_CONNECTIONS ?? 5000);
  const n = Math.min(wanted, fdLimit() - 200);
  if (n < wanted) t.diagnostic(`ulimit -n ${fdLimit()}: flooding with ${n} connections instead of ${wanted}`);
  const dir = tempDir();
  t.after(() => dir.cleanup());
  const midge = await startMidge(dir.path, persistentConfig(`${dir.path}/data`));
  t.after(() => midge.proc.kill('SIGKILL'));
  const pid = midge.proc.pid!;
  assert.ok(fdLimit(pid) >= n + 100, `midge's own fd limit ${fdLimit(pid)} is below ${n} connections`);
  const fdsBefore = openFds(pid);
  const rssBefore = rssBytes(pid);
  const probe = await startProbe(midge.port);

  const sockets: net.Socket[] = [];
  let acked = 0;
  const started = performance.now();
  for (let i = 0; i < n; i += 250) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(250, n - i) }, async (_, j) => {
        const s = await openSocket(midge.port);
        s.on('error', () => undefined);
        s.once('data', (d: Buffer) => {
          if (d[0] === 0x20 && d[3] === 0) acked++;
        });
        s.write(connectBytes(`flood-${i + j}`));
        return s;
      }),
    );
    sockets.push(...batch);
  }
  await waitFor(() => acked === n, 30000, `${n} CONNACKs (got ${acked})`);
  const floodSeconds = (performance.now() - started) / 1000;
  const fdsPeak = openFds(pid);
  const rssPeak = rssBytes(pid);
  assert.ok(fdsPeak >= fdsBefore + n, `midge holds ${fdsPeak - fdsBefore} sockets for ${n} clients`);
  const r = await probe.stop();
  t.diagnostic(
    `flood: ${n} connections held (CONNACKed in ${floodSeconds.toFixed(1)} s); midge fds ${fdsBefore} -> ${fdsPeak}, ` +
      `RSS ${mb(rssBefore)} -> ${mb(rssPeak)} (${((rssPeak - rssBefore) / n / 1024).toFixed(1)} KB per connection); probe ${describeProbe(r)}`,
  );
  assert.equal(r.failures, 0, describeProbe(r));
  assert.ok(r.p99 < 1000, `probe p99 ${r.p99.toFixed(1)} ms during the flood`);

  for (const s of sockets) s.destroy();
  await waitFor(() => openFds(pid) <= fdsBefore + 5, 15000, `midge's descriptors back to ${fdsBefore} (now ${openFds(pid)})`);
  const after = await startProbe(midge.port);
  const r2 = await after.stop();
  assert.equal(r2.failures, 0);
  assert.equal(await midge.stop('SIGTERM'), 0);
});
