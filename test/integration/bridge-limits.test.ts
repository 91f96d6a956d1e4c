/**
 * Queue bounds and start modes: drop-oldest and reject-new (counted, logged,
 * v5 publishers told 0x97), message TTL, QoS 0 when queue_qos0 is off, lazy
 * start (connect at the threshold, disconnect when idle). The upstream is a
 * second in-process broker; "down" is a port nothing listens on.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredMessage } from '../../src/persistence/types.js';
import { startBroker, type TestBrokerOptions } from '../helpers/broker.js';
import { connect } from '../helpers/clients.js';
import { startTestGateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/mosquitto-cloud.js';
import { waitFor } from '../helpers/wait.js';

const bridge = (port: number, extra: Record<string, unknown>) => ({
  bridges: [{ name: 'b', addresses: [`127.0.0.1:${port}`], topics: ['q/# out 1'], restart_timeout: '0.2 0.5', ...extra }],
});

/** The upstream broker on `port`, tapped before any I/O callback can run, so no message can arrive unseen. */
async function collectUpstream(port: number, options: TestBrokerOptions = {}) {
  const cloud = await startBroker({ ...options, listener: { port } });
  const got: StoredMessage[] = [];
  cloud.broker.bus.subscribe('q/#', (m) => void got.push(m));
  return { cloud, got, payloads: () => got.map((m) => m.payload.toString()) };
}

describe('bounded bridge queue', () => {
  test('drop-oldest keeps the newest messages, counts and logs the drops', async () => {
    const port = await freePort();
    const gw = await startTestGateway(bridge(port, { max_queue_messages: 100 }));
    try {
      const c = await connect(gw.port, { clientId: 'p1' });
      for (let i = 0; i < 150; i++) await c.client.publishAsync('q/x', String(i), { qos: 1 });
      await c.end(true);
      const s = gw.gw.bridges.status()[0]!;
      assert.equal(s.queueDepth, 100);
      assert.equal(s.droppedTotal.queue_full, 50);
      await gw.waitLog(/bridge queue full: dropped/);
      const { cloud, got, payloads } = await collectUpstream(port);
      try {
        await waitFor(() => got.length >= 100, 15_000, '100 upstream');
        assert.deepEqual([...new Set(payloads())], Array.from({ length: 100 }, (_, i) => String(50 + i)));
      } finally {
        await cloud.stop();
      }
    } finally {
      await gw.stop();
    }
  });

  test('reject-new refuses past the byte bound: v5 publishers get 0x97, nothing queued is lost', async () => {
    const port = await freePort();
    const gw = await startTestGateway(bridge(port, { max_queue_bytes: 10 * 13, queue_policy: 'reject-new' })); // 10 x ('q/x' + 10 bytes)
    try {
      const c = await connect(gw.port, { clientId: 'p5', protocolVersion: 5 });
      const codes: number[] = [];
      for (let i = 0; i < 12; i++) {
        try {
          await c.client.publishAsync('q/x', String(i).padStart(10, '0'), { qos: 1 });
          codes.push(0); // success (and not 0x10 No matching subscribers: the bridge counts as one)
        } catch (err) {
          codes.push((err as { code?: number }).code ?? -1);
        }
      }
      await c.end(true);
      assert.deepEqual(codes, [...Array(10).fill(0), 0x97, 0x97]);
      const s = gw.gw.bridges.status()[0]!;
      assert.equal(s.queueDepth, 10);
      assert.equal(s.droppedTotal.rejected, 2);
    } finally {
      await gw.stop();
    }
  });

  test('message_ttl: messages older than the TTL are dropped as expired, not sent', async () => {
    const port = await freePort();
    const gw = await startTestGateway(bridge(port, { message_ttl: 1 }));
    try {
      const c = await connect(gw.port, { clientId: 'p2' });
      await c.client.publishAsync('q/x', 'old', { qos: 1 });
      await new Promise((r) => setTimeout(r, 1200)); // the TTL itself is what is tested: it must pass
      await c.client.publishAsync('q/x', 'fresh', { qos: 1 });
      await c.end(true);
      const { cloud, got, payloads } = await collectUpstream(port);
      try {
        await waitFor(() => got.length >= 1 && gw.gw.bridges.status()[0]!.queueDepth === 0, 15_000, 'fresh sent, old expired');
        assert.deepEqual(payloads(), ['fresh']);
        assert.equal(gw.gw.bridges.status()[0]!.droppedTotal.expired, 1);
      } finally {
        await cloud.stop();
      }
    } finally {
      await gw.stop();
    }
  });

  test('queue_qos0 false: QoS 0 is dropped (and counted) while the link is down', async () => {
    const port = await freePort();
    const gw = await startTestGateway(bridge(port, { queue_qos0: false, topics: ['q/# out 0'] }));
    try {
      const c = await connect(gw.port, { clientId: 'p3' });
      await c.client.publishAsync('q/x', 'lost', { qos: 0 });
      await c.client.publishAsync('q/x', 'kept?', { qos: 1 }); // rule QoS 0 caps it: also QoS 0
      await waitFor(() => gw.gw.bridges.status()[0]!.droppedTotal.offline_qos0 === 2, 5000, 'two QoS 0 drops');
      assert.equal(gw.gw.bridges.status()[0]!.queueDepth, 0);
      await c.end(true);
    } finally {
      await gw.stop();
    }
  });
});

describe('lazy bridge', () => {
  test('connects once `threshold` messages are queued, disconnects after idle_timeout', async () => {
    const port = await freePort();
    const { cloud, got, payloads } = await collectUpstream(port);
    const gw = await startTestGateway(bridge(port, { start_type: 'lazy', threshold: 5, idle_timeout: 1 }));
    try {
      const state = () => gw.gw.bridges.status()[0]!.state;
      assert.equal(state(), 'idle');
      const c = await connect(gw.port, { clientId: 'p4' });
      for (let i = 0; i < 4; i++) await c.client.publishAsync('q/x', String(i), { qos: 1 });
      assert.equal(state(), 'idle', 'below the threshold: still idle');
      assert.equal(gw.gw.bridges.status()[0]!.connectsTotal, 0);
      await c.client.publishAsync('q/x', '4', { qos: 1 });
      await waitFor(() => got.length === 5, 10_000, 'threshold reached: connected and sent');
      assert.deepEqual(payloads(), ['0', '1', '2', '3', '4']);
      await waitFor(() => state() === 'idle', 10_000, 'idle again after idle_timeout');
      await c.end(true);
    } finally {
      await gw.stop();
      await cloud.stop();
    }
  });
});

describe('message ids and batching', () => {
  test('mqttv50: every message carries a stable midge-id user property; payload-field adds _mid to JSON objects', async () => {
    const port = await freePort();
    const gw = await startTestGateway(bridge(port, { protocol_version: 'mqttv50', message_id: 'both' }));
    try {
      const c = await connect(gw.port, { clientId: 'p6' });
      await c.client.publishAsync('q/x', '{"t":21.5}', { qos: 1 });
      await c.client.publishAsync('q/x', 'plain', { qos: 1 });
      await c.end(true);
      const { cloud, got, payloads } = await collectUpstream(port);
      const ids = () => got.map((m) => m.properties?.userProperties?.['midge-id']);
      try {
        await waitFor(() => got.length >= 2, 15_000, 'two upstream');
        const id0 = String(ids()[0]);
        assert.match(id0, /^[0-9a-z]+-\d+$/);
        assert.deepEqual(JSON.parse(payloads()[0]!), { _mid: id0, t: 21.5 });
        assert.equal(payloads()[1], 'plain', 'a non-JSON payload is never changed');
        assert.notEqual(ids()[1], id0);
      } finally {
        await cloud.stop();
      }
    } finally {
      await gw.stop();
    }
  });

  test('a generic mqttv50 bridge adds no midge-id user property unless message_id asks for one (as a mosquitto bridge)', async () => {
    const port = await freePort();
    const gw = await startTestGateway(bridge(port, { protocol_version: 'mqttv50' }));
    try {
      const c = await connect(gw.port, { clientId: 'p8', protocolVersion: 5 });
      await c.client.publishAsync('q/x', 'bare', { qos: 1 });
      await c.client.publishAsync('q/x', 'tagged', { qos: 1, properties: { userProperties: { site: 'north' } } });
      await c.end(true);
      const { cloud, got, payloads } = await collectUpstream(port);
      try {
        await waitFor(() => got.length >= 2, 15_000, 'two upstream');
        assert.deepEqual(payloads(), ['bare', 'tagged']);
        assert.equal(got[0]!.properties?.userProperties, undefined);
        assert.deepEqual({ ...got[1]!.properties?.userProperties }, { site: 'north' });
      } finally {
        await cloud.stop();
      }
    } finally {
      await gw.stop();
    }
  });

  test('batch_max_bytes: a backlog goes up as JSON arrays per topic, within the size, in order', async () => {
    const port = await freePort();
    const gw = await startTestGateway(bridge(port, { batch_max_bytes: 100 }));
    try {
      const c = await connect(gw.port, { clientId: 'p7' });
      for (let i = 0; i < 20; i++) await c.client.publishAsync('q/a', `{"n":${i}}`, { qos: 1 });
      await c.client.publishAsync('q/b', 'text', { qos: 1 });
      await c.end(true);
      const upstream = await collectUpstream(port);
      const cloud = upstream.cloud;
      const got = () => upstream.got.map((m) => ({ topic: m.topic, payload: m.payload.toString() }));
      try {
        await waitFor(() => gw.gw.bridges.status()[0]!.queueDepth === 0 && gw.gw.bridges.status()[0]!.state === 'connected', 15_000, 'backlog sent');
        const batches = got().filter((g) => g.topic === 'q/a');
        assert.ok(batches.length >= 2 && batches.length < 20, `batched into a few PUBLISHes, got ${batches.length}`);
        for (const b of batches) assert.ok(Buffer.byteLength(b.payload) <= 100, `batch within 100 bytes: ${b.payload}`);
        const items = batches.flatMap((b) => JSON.parse(b.payload) as Array<{ n: number }>);
        assert.deepEqual([...new Set(items.map((x) => x.n))], Array.from({ length: 20 }, (_, i) => i));
        assert.deepEqual(got().filter((g) => g.topic === 'q/b').map((g) => g.payload), ['text'], 'a message with nothing to batch with goes as it is');
      } finally {
        await cloud.stop();
      }
    } finally {
      await gw.stop();
    }
  });
});

describe('negative acknowledgements (MQTT 5)', () => {
  test('a PUBACK 0x87 (not authorised) dead-letters that message; the queue moves on', async () => {
    const port = await freePort();
    const { cloud, got } = await collectUpstream(port, { hooks: { authorizePublish: (_c, topic) => !topic.startsWith('q/secret') } });
    const gw = await startTestGateway(bridge(port, { protocol_version: 'mqttv50' }));
    try {
      await waitFor(() => gw.gw.bridges.status()[0]!.state === 'connected', 10_000, 'connected');
      const c = await connect(gw.port, { clientId: 'p8' });
      await c.client.publishAsync('q/secret', 'x', { qos: 1 });
      await c.client.publishAsync('q/open', 'y', { qos: 1 });
      await c.end(true);
      await waitFor(() => got.some((m) => m.topic === 'q/open') && gw.gw.bridges.status()[0]!.queueDepth === 0, 10_000, 'the next message goes through');
      const s = gw.gw.bridges.status()[0]!;
      assert.equal(s.deadLetters, 1);
      assert.equal(s.droppedTotal.dead_letter, 1);
      const [dead] = gw.gw.broker.store.bridgeQueue.loadDeadLetters('b', 10);
      assert.equal(dead!.message.topic, 'q/secret');
      assert.match(dead!.reason, /reason code 0x87/);
      await gw.waitLog(/can never be accepted upstream/);
    } finally {
      await gw.stop();
      await cloud.stop();
    }
  });
});

describe('server limits from CONNACK (MQTT 5)', () => {
  test("the window never exceeds the server's Receive Maximum (no 0x93 disconnect loop)", async () => {
    const port = await freePort();
    const gw = await startTestGateway(bridge(port, { protocol_version: 'mqttv50' }));
    try {
      const c = await connect(gw.port, { clientId: 'p9' });
      for (let i = 0; i < 300; i++) await c.client.publishAsync('q/x', String(i), { qos: 1 });
      await c.end(true);
      const connectsBefore = gw.gw.bridges.status()[0]!.connectsTotal;
      const { cloud, payloads } = await collectUpstream(port, { mqtt: { max_inflight_messages: 5 } }); // Receive Maximum 5
      // a persistent subscriber makes each PUBACK wait for a store write, so PUBLISHes pile up unacknowledged
      const persistent = await connect(cloud.port, { clientId: 'cloud-app', clean: false });
      await persistent.client.subscribeAsync('q/#', { qos: 1 });
      try {
        await waitFor(() => gw.gw.bridges.status()[0]!.queueDepth === 0, 20_000, 'backlog drained');
        assert.deepEqual([...new Set(payloads())], Array.from({ length: 300 }, (_, i) => String(i)));
        assert.equal(gw.gw.bridges.status()[0]!.connectsTotal - connectsBefore <= 2, true, 'no reconnect loop');
        assert.ok(!gw.logs.some((l) => /0x93|Receive Maximum/.test(String(l.err ?? '') + l.msg)), 'never disconnected for Receive Maximum');
      } finally {
        await persistent.end(true);
        await cloud.stop();
      }
    } finally {
      await gw.stop();
    }
  });
});
