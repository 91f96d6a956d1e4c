/** Per-listener limits: max_connections on WebSocket and TLS listeners, max_publish_rate (v5 0x96 Message rate too high, 3.1.1 drop). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import type { IDisconnectPacket } from 'mqtt-packet';
import { connect } from '../helpers/clients.js';
import { generatePki, type TestPki } from '../helpers/certs.js';
import { PublishRateLimiter } from '../../src/broker/publish-rate.js';
import { uid } from '../helpers/lifecycle.js';
import { startLoggedBroker } from '../helpers/log-capture.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

describe('listener limits', () => {
  let pki: TestPki;
  before(() => {
    pki = generatePki();
  });
  after(() => pki.cleanup());

  test('max_connections on a websockets listener: the upgrade beyond the limit gets HTTP 503; a slot frees on close', async () => {
    const lb = await startLoggedBroker([{ port: 0, protocol: 'websockets', max_connections: 1 }]);
    try {
      const first = await connect(0, { protocol: 'ws', host: '127.0.0.1', port: lb.port(), path: '/mqtt' });
      const ws = new WebSocket(`ws://127.0.0.1:${lb.port()}/mqtt`, ['mqtt']);
      ws.on('error', () => undefined);
      const status = await withTimeout(new Promise<number>((resolve) => ws.once('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0))), 3000, '503');
      assert.equal(status, 503);
      await first.end();
      await waitFor(() => lb.broker.connections.size === 0, 3000, 'first client gone');
      const again = await connect(0, { protocol: 'ws', host: '127.0.0.1', port: lb.port(), path: '/mqtt' });
      await again.end();
    } finally {
      await lb.stop();
    }
  });

  test('max_connections on a TLS listener counts TLS clients', async () => {
    const lb = await startLoggedBroker([{ port: 0, certfile: pki.server.cert, keyfile: pki.server.key, max_connections: 1 }]);
    try {
      const opts = { protocol: 'mqtts' as const, ca: readFileSync(pki.caCert) };
      const first = await connect(lb.port(), opts);
      await assert.rejects(connect(lb.port(), opts));
      await lb.waitLog(/max_connections reached/);
      await first.end();
    } finally {
      await lb.stop();
    }
  });

  test('max_publish_rate: a v5 client publishing faster gets DISCONNECT 0x96 Message rate too high', async () => {
    const lb = await startLoggedBroker([{ port: 0, max_publish_rate: 5 }]);
    try {
      const raw = await RawClient.connect(lb.port(), 5);
      await raw.connect({ clientId: uid('fast5') });
      for (let i = 0; i < 20; i++) raw.send({ cmd: 'publish', topic: 'rate/v5', payload: Buffer.from(String(i)), qos: 0, retain: false, dup: false });
      const disconnect = (await raw.next('disconnect')) as IDisconnectPacket;
      assert.equal(disconnect.reasonCode, 0x96);
      await raw.closedByBroker();
    } finally {
      await lb.stop();
    }
  });

  test('max_publish_rate: a 3.1.1 client above the rate has messages dropped (still acknowledged) and stays connected', async () => {
    const lb = await startLoggedBroker([{ port: 0, max_publish_rate: 5 }]);
    try {
      const topic = uid('rate311');
      const sub = await connect(lb.port());
      await sub.client.subscribeAsync(topic, { qos: 1 });
      const pub = await connect(lb.port(), { clientId: uid('fast311') });
      const sent = [];
      for (let i = 0; i < 20; i++) sent.push(pub.client.publishAsync(topic, String(i), { qos: i % 2 === 0 ? 1 : 2 }));
      await withTimeout(Promise.all(sent), 5000, 'every publish acknowledged');
      await lb.waitLog(/above max_publish_rate 5\/s; dropping messages/);
      await waitFor(() => sub.messages.length >= 5, 3000, 'the burst allowance to arrive');
      assert.ok(sub.messages.length < 20, `expected drops, got all ${sub.messages.length}`);
      assert.ok(lb.broker.stats.publishDropped > 0);
      assert.ok(pub.client.connected);
      await pub.end();
      await sub.end();
    } finally {
      await lb.stop();
    }
  });

  test('max_publish_rate: token bucket allows a one-second burst, then refills at the rate', () => {
    const limiter = new PublishRateLimiter(5);
    const t0 = performance.now() + 10;
    for (let i = 0; i < 5; i++) assert.equal(limiter.take(t0), true, `burst ${i}`);
    assert.equal(limiter.take(t0), false);
    assert.equal(limiter.take(t0 + 100), false, 'half a token after 100 ms');
    assert.equal(limiter.take(t0 + 200), true, 'one token after 200 ms at 5/s');
    assert.equal(limiter.take(t0 + 200), false);
    for (let i = 0; i < 5; i++) assert.equal(limiter.take(t0 + 60_000), true, 'refilled, capped at the rate');
    assert.equal(limiter.take(t0 + 60_000), false);
  });
});
