/**
 * Will messages [MQTT-3.1.2-8..17] [MQTT-3.14.4-3], v5 Will Delay Interval
 * [MQTT-3.1.3-9] and reason 0x04.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { connect, type TestClient } from '../helpers/clients.js';
import { connectWithConnack, uid, VERSIONS, whenClosed } from '../helpers/lifecycle.js';
import { withTimeout } from '../helpers/wait.js';

/** A subscriber on `topic`, and a barrier: publish a marker and wait for it, so everything routed before it has arrived. */
async function subscriber(port: number, topic: string, qos: 0 | 1 | 2 = 1): Promise<TestClient & { barrier(): Promise<string[]> }> {
  const sub = await connect(port, { protocolVersion: 5 });
  await sub.client.subscribeAsync(topic, { qos });
  return Object.assign(sub, {
    async barrier() {
      const n = sub.messages.length;
      await sub.client.publishAsync(topic, 'marker', { qos: 1 });
      await sub.waitMessages(n + 1);
      return sub.messages.map((m) => m.payload.toString());
    },
  });
}

describe('will messages', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.stop();
  });

  for (const protocolVersion of VERSIONS) {
    test(`[MQTT-3.1.2-8] will is published when the connection closes without DISCONNECT (v${protocolVersion})`, async () => {
      const topic = uid('will/abnormal');
      const sub = await subscriber(tb.port, topic);
      const a = await connect(tb.port, { protocolVersion, will: { topic, payload: Buffer.from('gone'), qos: 1, retain: false } });
      a.client.stream.destroy();
      const [msg] = await sub.waitMessages(1);
      assert.equal(msg!.payload.toString(), 'gone');
      await sub.end();
    });

    test(`[MQTT-3.14.4-3] will is discarded on a clean DISCONNECT (v${protocolVersion})`, async () => {
      const topic = uid('will/clean');
      const sub = await subscriber(tb.port, topic);
      const a = await connect(tb.port, { protocolVersion, will: { topic, payload: Buffer.from('gone'), qos: 1, retain: false } });
      await a.end();
      assert.deepEqual(await sub.barrier(), ['marker']);
      await sub.end();
    });

    test(`[MQTT-3.1.2-17] will retain: the will is stored as retained (v${protocolVersion})`, async () => {
      const topic = uid('will/retain');
      const a = await connect(tb.port, { protocolVersion, will: { topic, payload: Buffer.from('last'), qos: 0, retain: true } });
      const closed = whenClosed(a.client);
      a.client.stream.destroy();
      await closed;
      const late = await connect(tb.port, { protocolVersion });
      await late.client.subscribeAsync(topic, { qos: 1 });
      const [msg] = await late.waitMessages(1);
      assert.equal(msg!.payload.toString(), 'last');
      assert.equal(msg!.packet.retain, true);
      await late.end();
    });

    test(`[MQTT-3.1.2-16] will retain 0: the will is not retained (v${protocolVersion})`, async () => {
      const topic = uid('will/noretain');
      const sub = await subscriber(tb.port, topic);
      const a = await connect(tb.port, { protocolVersion, will: { topic, payload: Buffer.from('x'), qos: 0, retain: false } });
      a.client.stream.destroy();
      await sub.waitMessages(1);
      const late = await subscriber(tb.port, topic);
      assert.deepEqual(await late.barrier(), ['marker']);
      await sub.end();
      await late.end();
    });

    for (const qos of [0, 1, 2] as const) {
      test(`[MQTT-3.1.2-14] will QoS ${qos} is the QoS of the published will (v${protocolVersion})`, async () => {
        const topic = uid('will/qos');
        const sub = await subscriber(tb.port, topic, 2);
        const a = await connect(tb.port, { protocolVersion, will: { topic, payload: Buffer.from('q'), qos, retain: false } });
        a.client.stream.destroy();
        const [msg] = await sub.waitMessages(1);
        assert.equal(msg!.packet.qos, qos);
        await sub.end();
      });
    }
  }

  test('[MQTT-3.14.2-1] v5 DISCONNECT with reason 0x04 publishes the will', async () => {
    const topic = uid('will/0x04');
    const sub = await subscriber(tb.port, topic);
    const a = await connect(tb.port, { protocolVersion: 5, will: { topic, payload: Buffer.from('asked'), qos: 1, retain: false } });
    await new Promise<void>((resolve) => a.client.end(false, { reasonCode: 0x04 }, () => resolve()));
    const [msg] = await sub.waitMessages(1);
    assert.equal(msg!.payload.toString(), 'asked');
    await sub.end();
  });

  test('[MQTT-3.1.2-8] v5 DISCONNECT with an error reason (0x80) does not discard the will', async () => {
    const topic = uid('will/0x80');
    const sub = await subscriber(tb.port, topic);
    const a = await connect(tb.port, { protocolVersion: 5, will: { topic, payload: Buffer.from('error'), qos: 1, retain: false } });
    await new Promise<void>((resolve) => a.client.end(false, { reasonCode: 0x80 }, () => resolve()));
    const [msg] = await sub.waitMessages(1);
    assert.equal(msg!.payload.toString(), 'error');
    await sub.end();
  });

  test('[MQTT-3.1.3-9] v5 will delay interval: the will is published after the delay', async () => {
    const topic = uid('will/delay');
    const sub = await subscriber(tb.port, topic);
    const a = await connect(tb.port, {
      protocolVersion: 5,
      clientId: uid('delayed'),
      clean: false,
      properties: { sessionExpiryInterval: 30 },
      will: { topic, payload: Buffer.from('late'), qos: 1, retain: false, properties: { willDelayInterval: 1 } },
    });
    const t0 = Date.now();
    a.client.stream.destroy();
    const [msg] = await sub.waitMessages(1, 4000);
    const elapsed = Date.now() - t0;
    assert.equal(msg!.payload.toString(), 'late');
    assert.ok(elapsed >= 900, `published after ${elapsed} ms, before the 1 s delay`);
    await sub.end();
  });

  test('[MQTT-3.1.3-9] v5 will delay: no will when the client reconnects within the delay', async () => {
    const topic = uid('will/reconnect');
    const clientId = uid('back');
    const sub = await subscriber(tb.port, topic);
    const opts = { protocolVersion: 5 as const, clientId, clean: false, properties: { sessionExpiryInterval: 30 } };
    const a = await connect(tb.port, { ...opts, will: { topic, payload: Buffer.from('late'), qos: 1, retain: false, properties: { willDelayInterval: 1 } } });
    const closed = whenClosed(a.client);
    a.client.stream.destroy();
    await closed;
    const again = await connectWithConnack(tb.port, opts);
    assert.equal(again.connack.sessionPresent, true);
    await new Promise((r) => setTimeout(r, 1500)); // prove the will does NOT come after its 1 s delay
    assert.deepEqual(await sub.barrier(), ['marker']);
    await again.end();
    await sub.end();
  });

  test('[MQTT-3.1.3-9] v5 will delay longer than the session expiry: published when the session ends', async () => {
    const topic = uid('will/expiry');
    const sub = await subscriber(tb.port, topic);
    const a = await connect(tb.port, {
      protocolVersion: 5,
      clientId: uid('short'),
      clean: false,
      properties: { sessionExpiryInterval: 1 },
      will: { topic, payload: Buffer.from('ended'), qos: 1, retain: false, properties: { willDelayInterval: 3600 } },
    });
    const t0 = Date.now();
    a.client.stream.destroy();
    const [msg] = await sub.waitMessages(1, 4000);
    assert.equal(msg!.payload.toString(), 'ended');
    assert.ok(Date.now() - t0 >= 900, 'not before the session expiry');
    await sub.end();
  });

  test('[MQTT-3.1.2-8] [MQTT-3.1.3-9] v5 will delay: a Clean Start reconnect within the delay gets no old will published', async () => {
    const topic = uid('will/cleanstart');
    const clientId = uid('fresh');
    const sub = await subscriber(tb.port, topic);
    const a = await connect(tb.port, {
      protocolVersion: 5,
      clientId,
      clean: false,
      properties: { sessionExpiryInterval: 30 },
      will: { topic, payload: Buffer.from('old will'), qos: 1, retain: false, properties: { willDelayInterval: 3 } },
    });
    const closed = whenClosed(a.client);
    a.client.stream.destroy();
    await closed;
    const b = await connectWithConnack(tb.port, { protocolVersion: 5, clientId, clean: true });
    assert.equal(b.connack.sessionPresent, false);
    assert.deepEqual(await sub.barrier(), ['marker']);
    await b.end();
    await sub.end();
  });

  for (const protocolVersion of VERSIONS) {
    test(`[MQTT-3.1.2-8] a persistent session taken over by a connection that resumes it publishes no old will (v${protocolVersion})`, async () => {
      const topic = uid('will/resumed');
      const clientId = uid('resumed');
      const sub = await subscriber(tb.port, topic);
      const persistent = { protocolVersion, clientId, clean: false, ...(protocolVersion === 5 ? { properties: { sessionExpiryInterval: 30 } } : {}) };
      const a = await connect(tb.port, { ...persistent, will: { topic, payload: Buffer.from('old will'), qos: 1, retain: false } });
      const b = await connectWithConnack(tb.port, persistent);
      assert.equal(b.connack.sessionPresent, true);
      await whenClosed(a.client);
      assert.deepEqual(await sub.barrier(), ['marker']);
      await b.end();
      await sub.end();
    });
  }
});

describe('broker stop [graceful shutdown]', () => {
  for (const protocolVersion of VERSIONS) {
    test(`[MQTT-3.1.2-8] wills are published on stop, the server closing without DISCONNECT (v${protocolVersion})`, async () => {
      const published: string[] = [];
      const tb = await startBroker({ hooks: { onPublish: (m) => void published.push(`${m.topic}=${m.payload.toString()}`) } });
      const topic = uid('will/stop');
      // the client with the will connects first, so it is closed before the subscriber
      const a = await connect(tb.port, { protocolVersion, will: { topic, payload: Buffer.from('bye'), qos: 1, retain: false } });
      const sub = await connect(tb.port, { protocolVersion });
      await sub.client.subscribeAsync(topic, { qos: 1 });
      const disconnects: number[] = [];
      a.client.on('disconnect', (p) => disconnects.push(p.reasonCode ?? -1));
      const aClosed = whenClosed(a.client);
      const subClosed = whenClosed(sub.client);
      await withTimeout(tb.stop(), 5000, 'broker.stop()');
      await aClosed;
      await subClosed;
      assert.deepEqual(published, [`${topic}=bye`]);
      assert.deepEqual(sub.messages.map((m) => m.payload.toString()), ['bye']);
      // [MQTT-4.13.2-1] v5 clients are told why: 0x8B Server shutting down
      assert.deepEqual(disconnects, protocolVersion === 5 ? [0x8b] : []);
    });
  }

  test('[MQTT-3.1.3-9] a will still waiting for its delay is published on stop', async () => {
    const published: string[] = [];
    const tb = await startBroker({ hooks: { onPublish: (m) => void published.push(m.topic) } });
    const topic = uid('will/stop-delayed');
    const a = await connect(tb.port, {
      protocolVersion: 5,
      clientId: uid('delayed-stop'),
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
      will: { topic, payload: Buffer.from('x'), qos: 0, retain: false, properties: { willDelayInterval: 3600 } },
    });
    const closed = whenClosed(a.client);
    a.client.stream.destroy();
    await closed;
    assert.deepEqual(published, []);
    await withTimeout(tb.stop(), 5000, 'broker.stop()');
    assert.deepEqual(published, [topic]);
  });
});
