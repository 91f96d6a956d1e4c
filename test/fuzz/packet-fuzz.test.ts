/**
 * Byte-level fuzz of the MQTT front end (reliability): valid, mutated and
 * random packets over real TCP sockets into real in-process brokers.
 * Oracle: no uncaught exception or unhandled rejection, no internal error
 * logged by a connection, well-behaved v3.1.1 and v5 clients still get a
 * publish/subscribe round trip every ROUND cases, every fuzz connection is
 * released once its socket is gone, and the heap stays bounded.
 *
 * CI: about 20 s. Longer: MIDGE_FUZZ_SECONDS=600 npm run fuzz.
 * Replay: MIDGE_FUZZ_SEED=<run seed> (cases derive from it), or one case by
 * its case seed with MIDGE_FUZZ_CASE=<seed>.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import mqttPacket from 'mqtt-packet';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { assertRoundTrip } from '../helpers/lifecycle.js';
import { waitFor } from '../helpers/wait.js';
import { buildCase, type FuzzCase } from './corpus.js';
import { caseSeed } from '../helpers/prng.js';

const SECONDS = Number(process.env.MIDGE_FUZZ_SECONDS ?? 14);
const MAX_CASES = Number(process.env.MIDGE_FUZZ_CASES ?? (process.env.MIDGE_FUZZ_SECONDS ? 10_000_000 : 20_000));
const RUN_SEED = Number(process.env.MIDGE_FUZZ_SEED ?? Math.floor(Math.random() * 0x7fffffff));
const ONE_CASE = process.env.MIDGE_FUZZ_CASE;
/** Fuzz sockets open at once. */
const PARALLEL = 12;
/** Cases between two health checks. */
const ROUND = 250;

interface Failure {
  seed: number | undefined;
  what: string;
}

function describeCase(c: FuzzCase): string {
  const hex = c.bytes.length > 2048 ? `${c.bytes.subarray(0, 2048).toString('hex')}... (${c.bytes.length} bytes)` : c.bytes.toString('hex');
  return `case seed ${c.seed} (v${c.version}, broker ${c.target}, ${c.types.join(' ')}; ${c.applied.join(' ') || 'unmutated'}; chunks ${c.chunks.map((b) => b.length).join('+')})\n  bytes ${hex}`;
}

/** Write the case's chunks, hold the socket open a little, then close it; resolves once it is closed. */
function sendCase(port: number, c: FuzzCase, inFlight: Map<number, FuzzCase>, failures: Failure[]): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    if (c.connectIntact) {
      // what the broker sends a client that connected properly must be valid MQTT of that version
      const parser = mqttPacket.parser({ protocolVersion: c.version });
      parser.on('error', (err: Error) => failures.push({ seed: c.seed, what: `broker sent bytes the client cannot parse: ${err.message}\n${describeCase(c)}` }));
      socket.on('data', (chunk: Buffer) => {
        try {
          parser.parse(chunk);
        } catch (err) {
          failures.push({ seed: c.seed, what: `broker sent bytes the client cannot parse: ${(err as Error).message}\n${describeCase(c)}` });
        }
      });
    }
    socket.setNoDelay(true);
    let localPort = 0;
    let done = false;
    const hardStop = setTimeout(() => socket.destroy(), 5000);
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(hardStop);
      inFlight.delete(localPort);
      resolve();
    };
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    socket.on('close', finish);
    socket.on('connect', async () => {
      localPort = socket.localPort ?? 0;
      inFlight.set(localPort, c);
      for (const chunk of c.chunks) {
        if (socket.destroyed) break;
        socket.write(chunk);
        // a separate macrotask so the broker sees a separate 'data' event
        if (c.chunks.length > 1) await new Promise((r) => setImmediate(r));
      }
      setTimeout(() => {
        if (c.graceful) {
          socket.end();
          setTimeout(() => socket.destroy(), 300).unref();
        } else socket.destroy();
      }, c.holdMs);
    });
  });
}

/** A gc() even without --expose-gc (V8 flag set at run time); undefined if that is refused. */
function gcFunction(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

describe('packet fuzz', { timeout: Math.max(60_000, SECONDS * 1000 * 3) }, () => {
  const brokers: TestBroker[] = [];
  const failures: Failure[] = [];
  const inFlight = new Map<number, FuzzCase>();
  const onUncaught = (err: unknown) => failures.push({ seed: undefined, what: `uncaught exception: ${(err as Error)?.stack ?? String(err)}` });
  const onRejection = (err: unknown) => failures.push({ seed: undefined, what: `unhandled rejection: ${(err as Error)?.stack ?? String(err)}` });

  before(async () => {
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onRejection);
    brokers.push(await startBroker());
    brokers.push(
      await startBroker({
        mqtt: { max_packet_size: 512, max_inflight_messages: 3, topic_alias_maximum: 2, max_queued_messages: 20, max_keepalive: 60 },
        listener: { max_publish_rate: 500 },
      }),
    );
    // asynchronous authentication: packets sent right behind CONNECT wait in the connection's backlog; ACL hooks
    brokers.push(
      await startBroker({
        hooks: {
          authenticate: async (_client, password) => {
            await new Promise((r) => setTimeout(r, password?.length ?? 0));
            return password?.[0] === 0 ? { ok: false, reasonCode: 0x86 } : { ok: true };
          },
          authorizePublish: (_client, topic) => !topic.startsWith('fz/b'),
          authorizeSubscribe: (_client, filter) => filter !== '+',
          authorizeRead: (_client, topic) => topic !== 'fz/a',
        },
      }),
    );
    for (const tb of brokers) {
      // a connection logs 'internal error' when a handler threw something other than a protocol error: a bug
      const log = tb.broker.log as unknown as { error: (obj: unknown, msg?: string) => void };
      log.error = (obj, msg) => {
        const remote = (obj as { remote?: string })?.remote;
        const port = remote ? Number(remote.split(':').pop()) : NaN;
        const c = inFlight.get(port);
        const err = (obj as { err?: Error })?.err;
        failures.push({ seed: c?.seed, what: `broker logged an error: ${msg} ${err?.stack ?? ''}${c ? `\n${describeCase(c)}` : ''}` });
      };
    }
  });

  after(async () => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onRejection);
    for (const tb of brokers) await tb.stop();
  });

  async function expectDrained(tb: TestBroker, when: string): Promise<void> {
    try {
      await waitFor(() => tb.broker.connections.size === 0, 5000, 'connections to drain');
    } catch {
      const left = [...tb.broker.connections].map((c) => `${c.id}:${c.state}:${c.clientId}`).join(', ');
      failures.push({ seed: undefined, what: `${tb.broker.connections.size} connection(s) never released ${when} (run seed ${RUN_SEED}): ${left}` });
    }
  }

  test(`survives mutated and random packets (run seed ${RUN_SEED}, ${SECONDS} s)`, async () => {
    const globalGc = gcFunction();
    globalGc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const deadline = Date.now() + SECONDS * 1000;
    const seeds = ONE_CASE !== undefined ? [Number(ONE_CASE)] : null;
    const total = seeds ? 1 : MAX_CASES;
    let next = 0;
    let ran = 0;
    let checks = 0;
    while (next < total && Date.now() < deadline && failures.length === 0) {
      const roundEnd = Math.min(total, next + ROUND);
      const worker = async () => {
        while (next < roundEnd && Date.now() < deadline && failures.length === 0) {
          const c = buildCase(seeds ? seeds[next]! : caseSeed(RUN_SEED, next));
          next++;
          await sendCase(brokers[c.target]!.port, c, inFlight, failures);
          ran++;
        }
      };
      await Promise.all(Array.from({ length: PARALLEL }, worker));
      // the broker still serves well-behaved clients of both versions
      for (const tb of brokers) {
        for (const version of [4, 5] as const) {
          try {
            await assertRoundTrip(tb.port, version);
          } catch (err) {
            failures.push({ seed: undefined, what: `round trip v${version} failed after ${ran} cases (run seed ${RUN_SEED}): ${(err as Error).message}` });
          }
        }
      }
      // every socket of the round is gone: the broker must have let go of every connection
      for (const tb of brokers) await expectDrained(tb, `after ${ran} cases`);
      checks++;
    }
    for (const tb of brokers) {
      await expectDrained(tb, 'at the end');
      assert.equal(tb.broker.stats.clientsConnected, 0, 'clients connected counter back to 0');
      const attached = [...tb.broker.sessions.values()].filter((s) => s.connection !== null);
      assert.deepEqual(attached.map((s) => s.clientId), [], 'no session still attached to a closed connection');
    }
    globalGc?.();
    const growth = process.memoryUsage().heapUsed - heapBefore;
    const bound = (globalGc ? 48 : 160) * 1024 * 1024;
    console.log(`packet fuzz: ${ran} cases, ${checks} health checks, run seed ${RUN_SEED}, heap growth ${(growth / 1048576).toFixed(1)} MB`);
    assert.ok(growth < bound, `heap grew by ${growth} bytes (bound ${bound})`);
    assert.deepEqual(failures.map((f) => (f.seed !== undefined ? `[case seed ${f.seed}] ` : '') + f.what), []);
    assert.ok(ran > 0, 'ran at least one case');
  });
});
