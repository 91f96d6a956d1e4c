/**
 * Crash safety: the midge process is SIGKILLed again and again in the
 * middle of a mixed QoS 1 / QoS 2 workload with persistence on. Publishers
 * and the subscriber have persistent sessions and resume their flows after
 * each restart (one MQTT.js client each, reconnected to the new port).
 * After every restart: the database opens cleanly, every message a
 * publisher saw acknowledged before the kill reaches the subscriber, and
 * no QoS 2 message arrives twice. A bridge forwards the same workload to
 * a real mosquitto behind a fault proxy that refuses the uplink on every
 * other cycle, so each kill also hits a bridge backlog; at the end every
 * acknowledged message has reached the cloud as well (at least once).
 *
 * MIDGE_KILL_CYCLES sets the number of cycles (default 20, ~30 s);
 * MIDGE_KILL_SEED replays a run's kill timings.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import { persistentConfig, startMidge, tempDir, type MidgeProcess } from '../helpers/midge-process.js';
import { Rng } from '../helpers/prng.js';
import { waitFor } from '../helpers/wait.js';
import { startBridgedCloud } from '../helpers/bridged-cloud.js';

const CYCLES = Number(process.env.MIDGE_KILL_CYCLES ?? 20);
const SEED = Number(process.env.MIDGE_KILL_SEED ?? Math.floor(Math.random() * 2 ** 32));
const WINDOW = 10;

function client(port: number, clientId: string): MqttClient {
  const c = mqtt.connect({ protocol: 'mqtt', host: '127.0.0.1', port, clientId, clean: false, reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 5,
    properties: { sessionExpiryInterval: 3600 } });
  c.on('error', () => undefined);
  return c;
}

/** The next 'connect' of `c`, within `timeoutMs`. */
function connected(c: MqttClient, timeoutMs = 10000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${c.options.clientId}: no CONNACK within ${timeoutMs} ms`)), timeoutMs);
    c.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Reconnect an MQTT.js client to a restarted midge: same object, so it resumes its in-flight flows. */
async function reconnect(c: MqttClient, port: number): Promise<void> {
  if (c.connected) return;
  c.options.port = port;
  const done = connected(c);
  c.reconnect({ incomingStore: c.incomingStore, outgoingStore: c.outgoingStore }); // without them MQTT.js starts empty stores
  await done;
}

/** Publishes `<prefix>:<n>` for n = 0, 1, ... with WINDOW in flight; records acknowledged n. */
class Publisher {
  readonly acked = new Set<number>();
  private next = 0;
  private inflight = 0;

  get inflightCount(): number {
    return this.inflight;
  }

  constructor(
    readonly c: MqttClient,
    readonly qos: 1 | 2,
  ) {
    c.on('connect', () => this.pump());
  }

  stopped = false;

  pump(): void {
    while (!this.stopped && this.c.connected && this.inflight < WINDOW) {
      const n = this.next++;
      this.inflight++;
      this.c.publish('kill/t', `q${this.qos}:${n}`, { qos: this.qos }, (err) => {
        this.inflight--;
        if (!err) this.acked.add(n);
        this.pump();
      });
    }
  }
}

test(`crash safety: ${CYCLES} SIGKILLs during a QoS 1/2 workload: no acknowledged message lost, no QoS 2 duplicate, clean database`, async (t) => {
  t.diagnostic(`seed ${SEED} (MIDGE_KILL_SEED to replay)`);
  const rng = new Rng(SEED);
  const dir = tempDir();
  t.after(() => dir.cleanup());
  // the cloud side of the bridge (left out, with the rest of the test kept, when mosquitto is not installed)
  const bridged = await startBridgedCloud(t, 'kill/#');
  const proxy = bridged?.proxy;
  const observer = bridged?.observer;
  const bridge = bridged?.bridgeYaml('kill/# out 1', ['restart_timeout: "0.1 0.3"', 'max_queue_messages: 0', 'max_queue_bytes: 0']) ?? '';
  const config = persistentConfig(`${dir.path}/data`, `mqtt:\n  max_queued_messages: 0\n${bridge}`);
  let midge: MidgeProcess = await startMidge(dir.path, config);
  t.after(() => midge.proc.kill('SIGKILL'));

  const received: string[] = [];
  const sub = client(midge.port, 'kill-sub');
  sub.on('message', (_topic, payload) => received.push(payload.toString()));
  await connected(sub);
  await sub.subscribeAsync('kill/#', { qos: 2 });
  const pubs = [new Publisher(client(midge.port, 'kill-pub-1'), 1), new Publisher(client(midge.port, 'kill-pub-2'), 2)];
  t.after(() => {
    for (const p of pubs) p.stopped = true;
    for (const c of [sub, ...pubs.map((p) => p.c)]) c.end(true);
  });
  await Promise.all(pubs.map((p) => (p.c.connected ? undefined : connected(p.c))));

  const missing = (acked: Array<Set<number>>) => {
    const got = new Set(received);
    return pubs.flatMap((p, i) => [...acked[i]!].filter((n) => !got.has(`q${p.qos}:${n}`)).map((n) => `q${p.qos}:${n}`));
  };
  let totalAcked = 0;
  const started = performance.now();
  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    const before = pubs.reduce((s, p) => s + p.acked.size, 0);
    await waitFor(() => pubs.reduce((s, p) => s + p.acked.size, 0) >= before + 50, 10000, `cycle ${cycle}: 50 acknowledgements (${pubs.map((p) => `${p.c.options.clientId} connected ${p.c.connected} in flight ${p.inflightCount}`).join(', ')})`);
    await new Promise((r) => setTimeout(r, rng.int(0, 300)));
    if (cycle % 2 === 1) proxy?.refuse(); // the uplink is down for this kill: the bridge holds a backlog
    else proxy?.resume();
    midge.proc.kill('SIGKILL');
    const ackedAtKill = pubs.map((p) => new Set(p.acked)); // acknowledged before the kill
    await new Promise((r) => midge.proc.once('exit', r));
    await waitFor(() => [sub, ...pubs.map((p) => p.c)].every((c) => !c.connected), 5000, 'clients to see the crash');

    midge = await startMidge(dir.path, config);
    const log = midge.output();
    assert.doesNotMatch(log, /corrupt|"level":50|"level":60/, `cycle ${cycle}: the database must open cleanly:\n${log}`);
    await reconnect(sub, midge.port);
    await Promise.all(pubs.map((p) => reconnect(p.c, midge.port)));
    await waitFor(() => missing(ackedAtKill).length === 0, 15000, `cycle ${cycle}: acknowledged messages to arrive (missing ${missing(ackedAtKill).slice(0, 5).join(', ')}...)`);
    totalAcked = ackedAtKill.reduce((s, a) => s + a.size, 0);
  }
  if (observer && proxy) {
    proxy.resume();
    const finalAcked = pubs.map((p) => new Set(p.acked));
    const cloudMissing = () => {
      const got = new Set(observer.messages.map((m) => m.payload.toString()));
      return pubs.flatMap((p, i) => [...finalAcked[i]!].filter((n) => !got.has(`q${p.qos}:${n}`)));
    };
    for (const p of pubs) p.stopped = true;
    await waitFor(() => cloudMissing().length === 0, 60_000, `every acknowledged message at the cloud (missing ${cloudMissing().length})`);
    t.diagnostic(`bridge: ${observer.messages.length} deliveries at the cloud, ${new Set(observer.messages.map((m) => m.payload.toString())).size} distinct`);
  }
  const q2 = received.filter((m) => m.startsWith('q2:'));
  assert.equal(new Set(q2).size, q2.length, `QoS 2 messages delivered twice: ${q2.length - new Set(q2).size}`);
  t.diagnostic(`${CYCLES} kill cycles survived in ${((performance.now() - started) / 1000).toFixed(1)} s: ${totalAcked} acknowledged messages, none lost, ${received.length} deliveries, ${received.length - new Set(received).size} QoS 1 duplicates`);
  for (const p of pubs) p.stopped = true;
  for (const c of [sub, ...pubs.map((p) => p.c)]) await c.endAsync();
  assert.equal(await midge.stop('SIGTERM'), 0);
});
