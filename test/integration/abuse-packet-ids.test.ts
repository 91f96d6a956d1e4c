/**
 * QoS 2 packet identifier exhaustion, both ways. Inbound: a 3.1.1 client
 * (no Receive Maximum) leaves all 65,535 ids unreleased; state stays
 * bounded by the id space and exactly-once holds. Outbound: a subscriber
 * that never completes QoS 2 flows holds all 65,535 ids; further messages
 * queue within max_queued_messages (the rest counted as dropped) and flow
 * once ids are freed, never reusing an id still in flight.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqttPacket, { type IPublishPacket, type Packet } from 'mqtt-packet';
import { startBroker } from '../helpers/broker.js';
import { rawConnected, rawSubscribe } from '../helpers/messages.js';
import type { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

const IDS = 65535;

function publishBytes(topic: string, payload: string, qos: 0 | 1 | 2, messageId?: number, dup = false): Buffer {
  return mqttPacket.generate({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain: false, dup, messageId } as IPublishPacket);
}

function count(rc: RawClient, cmd: Packet['cmd']): number {
  return rc.packets.filter((p) => p.cmd === cmd).length;
}

test('inbound: 65,535 unreleased QoS 2 ids from a 3.1.1 client stay bounded; duplicates are not delivered again; PUBREL releases all', async (t) => {
  const tb = await startBroker();
  t.after(() => tb.stop());
  const sub = await rawConnected(tb.port, 4, { clientId: 'ids-in-sub' });
  t.after(() => sub.destroy());
  await rawSubscribe(sub, 'ids/in', 0);
  const pub = await rawConnected(tb.port, 4, { clientId: 'ids-in-pub' });
  t.after(() => pub.destroy());
  const burst: Buffer[] = [];
  for (let id = 1; id <= IDS; id++) burst.push(publishBytes('ids/in', String(id), 2, id));
  pub.write(Buffer.concat(burst));
  await waitFor(() => count(pub, 'pubrec') === IDS, 20000, `${IDS} PUBRECs (got ${count(pub, 'pubrec')})`);
  await waitFor(() => count(sub, 'publish') === IDS, 20000, `${IDS} deliveries (got ${count(sub, 'publish')})`);
  const session = tb.broker.sessions.get('ids-in-pub')!;
  assert.equal(session.inboundQos2.size, IDS, 'every id held: the id space bounds this state');
  // the client retries some of them: acknowledged again, delivered no more
  pub.write(Buffer.concat([publishBytes('ids/in', 'again-1', 2, 1, true), publishBytes('ids/in', 'again-65535', 2, IDS, true)]));
  await waitFor(() => count(pub, 'pubrec') === IDS + 2, 5000, 'PUBRECs for the duplicates');
  const rels: Buffer[] = [];
  for (let id = 1; id <= IDS; id++) rels.push(mqttPacket.generate({ cmd: 'pubrel', messageId: id }));
  pub.write(Buffer.concat(rels));
  await waitFor(() => count(pub, 'pubcomp') === IDS, 20000, `${IDS} PUBCOMPs`);
  assert.equal(session.inboundQos2.size, 0);
  assert.equal(count(sub, 'publish'), IDS, 'duplicates were not delivered');
  // the ids are free again: a new message with id 1 is a new message
  pub.write(publishBytes('ids/in', 'new-1', 2, 1));
  await waitFor(() => count(sub, 'publish') === IDS + 1, 5000, 'the new message with a reused id');
});

test('outbound: a subscriber that never completes QoS 2 holds all 65,535 ids; then messages queue, the rest are dropped and counted', async (t) => {
  const tb = await startBroker({ mqtt: { max_inflight_messages: 65535, max_queued_messages: 50 } });
  t.after(() => tb.stop());
  const sub = await rawConnected(tb.port, 4, { clientId: 'ids-out-sub' });
  t.after(() => sub.destroy());
  await rawSubscribe(sub, 'ids/out', 2);
  const pub = await rawConnected(tb.port, 4, { clientId: 'ids-out-pub' });
  t.after(() => pub.destroy());
  const total = IDS + 100;
  // QoS 2 in, pipelined: PUBLISH then PUBREL for each id of the publisher
  const burst: Buffer[] = [];
  for (let i = 0; i < total; i++) {
    const id = (i % IDS) + 1;
    burst.push(publishBytes('ids/out', String(i), 2, id), mqttPacket.generate({ cmd: 'pubrel', messageId: id }));
  }
  pub.write(Buffer.concat(burst));
  await waitFor(() => count(pub, 'pubcomp') === total, 30000, `${total} PUBCOMPs to the publisher (got ${count(pub, 'pubcomp')})`);
  await waitFor(() => count(sub, 'publish') === IDS, 20000, `${IDS} PUBLISHes to the subscriber (got ${count(sub, 'publish')})`);
  const session = tb.broker.sessions.get('ids-out-sub')!;
  assert.equal(session.inflight.size, IDS, 'every id in flight');
  assert.equal(session.queue.length, 50, 'then max_queued_messages');
  assert.equal(tb.broker.stats.droppedQueueFull, 50, 'the rest dropped and counted');
  const firstRound = sub.packets.filter((p): p is IPublishPacket => p.cmd === 'publish');
  assert.equal(new Set(firstRound.map((p) => p.messageId)).size, IDS, 'distinct ids');

  // the subscriber completes every flow: PUBREC -> PUBREL -> PUBCOMP, and the queue flows with freed ids
  sub.packets.length = 0;
  const recs: Buffer[] = [];
  for (const p of firstRound) recs.push(mqttPacket.generate({ cmd: 'pubrec', messageId: p.messageId! }));
  sub.write(Buffer.concat(recs));
  await waitFor(() => count(sub, 'pubrel') === IDS, 20000, `${IDS} PUBRELs (got ${count(sub, 'pubrel')})`);
  const comps: Buffer[] = [];
  for (const p of firstRound) comps.push(mqttPacket.generate({ cmd: 'pubcomp', messageId: p.messageId! }));
  sub.write(Buffer.concat(comps));
  await waitFor(() => count(sub, 'publish') === 50, 10000, 'the 50 queued messages');
  assert.equal(session.queue.length, 0);
  const payloads = [...firstRound, ...sub.packets.filter((p): p is IPublishPacket => p.cmd === 'publish')].map((p) => p.payload.toString());
  assert.equal(new Set(payloads).size, IDS + 50, 'no message delivered twice');
});
