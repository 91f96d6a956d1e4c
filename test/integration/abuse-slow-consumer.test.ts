/**
 * Clients that never read (slow consumers): what the broker buffers for
 * them stays within mqtt.max_outbound_buffer, the overflow is dropped or
 * the client disconnected as slow_consumer_policy says (and counted), and
 * a fast subscriber of the same messages plus a round-trip probe are not
 * affected.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConnectionContext } from '../../src/broker/context.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { connect } from '../helpers/clients.js';
import { rawConnected, rawSubscribe } from '../helpers/messages.js';
import { describeProbe, startProbe } from '../helpers/probe.js';
import { waitFor } from '../helpers/wait.js';

const LIMIT = 65536;
const PAYLOAD = 10_000;
/** 30 MB: well past what the kernel's socket buffers on loopback absorb (a few MB each side). */
const MESSAGES = 3000;

function connectionOf(tb: TestBroker, clientId: string): ConnectionContext {
  const conn = [...tb.broker.connections].find((c) => c.clientId === clientId);
  assert.ok(conn, `connection of ${clientId}`);
  return conn;
}

/** A subscriber to flood/# that stops reading from its socket. */
async function neverReads(tb: TestBroker, clientId: string, qos: 0 | 1, clean = true) {
  const rc = await rawConnected(tb.port, 4, { clientId, clean });
  await rawSubscribe(rc, 'flood/#', qos);
  rc.socket.pause();
  return { rc, conn: connectionOf(tb, clientId) };
}

/** Publish MESSAGES x PAYLOAD bytes at QoS 0 while sampling the slow client's buffer. */
async function flood(tb: TestBroker, conn: ConnectionContext): Promise<number> {
  const pub = await connect(tb.port, { clientId: 'flood-pub' });
  let maxBuffered = 0;
  const sample = setInterval(() => {
    if (!conn.socket.destroyed) maxBuffered = Math.max(maxBuffered, conn.socket.writableLength);
  }, 1);
  const payload = Buffer.alloc(PAYLOAD, 0x5a);
  try {
    for (let i = 0; i < MESSAGES; i++) {
      pub.client.publish(`flood/${i % 10}`, payload, { qos: 0 });
      if (i % 50 === 49) await pub.client.publishAsync('flood/sync', 'x', { qos: 1 }); // keep the publisher's own buffer small
      maxBuffered = Math.max(maxBuffered, conn.socket.destroyed ? 0 : conn.socket.writableLength);
    }
    await pub.client.publishAsync('flood/end', 'end', { qos: 1 });
  } finally {
    clearInterval(sample);
    await pub.end();
  }
  return maxBuffered;
}

test('slow_consumer_policy drop: a client that never reads is held to max_outbound_buffer; a fast subscriber gets everything', async (t) => {
  const tb = await startBroker({ mqtt: { max_outbound_buffer: LIMIT, slow_consumer_policy: 'drop' } });
  t.after(() => tb.stop());
  const fast = await connect(tb.port, { clientId: 'fast-sub' });
  t.after(() => fast.end(true));
  await fast.client.subscribeAsync('flood/#', { qos: 0 });
  const slow = await neverReads(tb, 'slow-sub', 0);
  t.after(() => slow.rc.destroy());
  const probe = await startProbe(tb.port);
  const maxBuffered = await flood(tb, slow.conn);
  await fast.waitMessages(MESSAGES + MESSAGES / 50 + 1, 20000);
  const r = await probe.stop();
  const dropped = tb.broker.stats.droppedSlowConsumer;
  t.diagnostic(`drop: slow client buffer peaked at ${maxBuffered} bytes (limit ${LIMIT}); ${dropped} messages dropped for it; probe ${describeProbe(r)}`);
  assert.ok(dropped > 0, 'the slow client lost QoS 0 messages');
  assert.ok(maxBuffered <= LIMIT + PAYLOAD + 100, `buffered ${maxBuffered} bytes for the slow client`);
  assert.equal(slow.conn.state, 'connected', 'policy drop keeps it connected below twice the limit');
  assert.equal(tb.broker.stats.slowConsumerDisconnects, 0);
  assert.equal(fast.messages.filter((m) => m.payload.length === PAYLOAD).length, MESSAGES, 'the fast subscriber lost nothing');
  assert.equal(r.failures, 0, describeProbe(r));
  assert.ok(r.p99 < 500, describeProbe(r));
});

test('slow_consumer_policy disconnect: the client is cut off at the limit (counted); its persistent QoS 1 messages wait for it', async (t) => {
  const tb = await startBroker({ mqtt: { max_outbound_buffer: LIMIT, slow_consumer_policy: 'disconnect', max_queued_messages: 0 } });
  t.after(() => tb.stop());
  const slow = await neverReads(tb, 'slow-q0', 0);
  t.after(() => slow.rc.destroy());
  const persistent = await connect(tb.port, { clientId: 'slow-q1', clean: false });
  await persistent.client.subscribeAsync('flood/end', { qos: 1 });
  await persistent.end();
  const probe = await startProbe(tb.port);
  const maxBuffered = await flood(tb, slow.conn);
  await waitFor(() => slow.conn.state === 'closed', 5000, 'the slow client to be disconnected');
  const r = await probe.stop();
  t.diagnostic(`disconnect: slow client cut off (limit ${LIMIT}); probe ${describeProbe(r)}`);
  assert.equal(tb.broker.stats.slowConsumerDisconnects, 1);
  assert.ok(maxBuffered <= LIMIT + PAYLOAD + 100, `buffered ${maxBuffered} bytes before the disconnect`);
  assert.ok(tb.broker.stats.droppedSlowConsumer >= 1, 'the message that hit the limit is counted');
  assert.equal(r.failures, 0, describeProbe(r));
  const back = await connect(tb.port, { clientId: 'slow-q1', clean: false });
  t.after(() => back.end(true));
  const [end] = await back.waitMessages(1);
  assert.equal(end!.payload.toString(), 'end', 'the offline persistent session kept its QoS 1 message');
});

test('QoS 1 to a client that never reads: bounded by the in-flight window and the queue, the overflow counted', async (t) => {
  const tb = await startBroker({ mqtt: { max_inflight_messages: 20, max_queued_messages: 100 } });
  t.after(() => tb.stop());
  const slow = await neverReads(tb, 'slow-qos1', 1);
  t.after(() => slow.rc.destroy());
  const pub = await connect(tb.port, { clientId: 'q1-pub' });
  t.after(() => pub.end(true));
  for (let i = 0; i < 500; i++) await pub.client.publishAsync('flood/q1', Buffer.alloc(1000, 1), { qos: 1 });
  const session = tb.broker.sessions.get('slow-qos1')!;
  assert.equal(session.inflight.size, 20);
  assert.equal(session.queue.length, 100);
  assert.equal(tb.broker.stats.droppedQueueFull, 380);
});
