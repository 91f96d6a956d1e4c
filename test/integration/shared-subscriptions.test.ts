/**
 * Shared subscriptions `$share/{group}/{filter}` [MQTT-4.8.2]: each message
 * goes to one member of each group, round-robin; normal subscriptions and
 * other groups are independent; members come and go.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IDisconnectPacket } from 'mqtt-packet';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { ClientPool, expectSilence, nextPublish, payloads, pid, PROTOCOLS, rawConnected, rawPublish, rawSubscribe, unique } from '../helpers/messages.js';
import type { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

const pool = new ClientPool();
afterEach(() => pool.closeAll());

function received(rc: RawClient): string[] {
  return payloads(rc.packets.filter((p) => p.cmd === 'publish') as Array<{ payload: Buffer }>);
}

describe('shared subscriptions', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.stop();
  });

  async function members(v: 4 | 5, filter: string, n: number, qos: 0 | 1 = 0): Promise<RawClient[]> {
    const out: RawClient[] = [];
    for (let i = 0; i < n; i++) {
      const rc = pool.add(await rawConnected(tb.port, v));
      assert.deepEqual((await rawSubscribe(rc, filter, qos)).granted, [qos]);
      out.push(rc);
    }
    return out;
  }

  async function publishN(v: 4 | 5, topic: string, n: number, from = 0): Promise<string[]> {
    const pub = pool.add(await rawConnected(tb.port, v));
    const sent: string[] = [];
    for (let i = from; i < from + n; i++) {
      await rawPublish(pub, topic, `m${i}`, 1);
      sent.push(`m${i}`);
    }
    return sent;
  }

  for (const v of PROTOCOLS) {
    test(`[MQTT-4.8.2] round-robin: 9 messages over 3 members -> exactly 3 each, each message to one member (v${v})`, async () => {
      const topic = unique('rr');
      const group = await members(v, `$share/g/${topic}`, 3);
      const sent = await publishN(v, topic, 9);
      await waitFor(() => group.reduce((n, rc) => n + received(rc).length, 0) >= 9, 3000, '9 shared deliveries');
      await new Promise((r) => setTimeout(r, 100)); // no extra copies may follow
      assert.deepEqual(group.map((rc) => received(rc).length), [3, 3, 3]);
      assert.deepEqual(group.flatMap(received).sort(), sent.sort());
    });

    test(`[MQTT-4.8.2] a normal subscription and a second group each get every message next to a group (v${v})`, async () => {
      const topic = unique('mix');
      const g1 = await members(v, `$share/one/${topic}`, 2);
      const g2 = await members(v, `$share/two/${topic}`, 1);
      const [plain] = await members(v, topic, 1);
      const sent = await publishN(v, topic, 4);
      await waitFor(() => received(plain!).length === 4 && received(g2[0]!).length === 4, 3000, 'plain and group two');
      await waitFor(() => g1.flatMap(received).length >= 4, 3000, 'group one');
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(received(plain!), sent);
      assert.deepEqual(g1.flatMap(received).sort(), sent.sort());
      assert.deepEqual(g1.map((rc) => received(rc).length), [2, 2]);
    });

    test(`[MQTT-4.8.2] a member that unsubscribes or disconnects gets no more; the others share the rest (v${v})`, async () => {
      const topic = unique('leave');
      const filter = `$share/g/${topic}`;
      const [a, b, c] = await members(v, filter, 3);
      a!.send({ cmd: 'unsubscribe', messageId: pid(), unsubscriptions: [filter] });
      await a!.next('unsuback');
      b!.send({ cmd: 'disconnect' });
      await b!.closedByBroker();
      await waitFor(() => !tb.broker.sessions.has(b!.clientId!), 2000, 'b session gone');
      const sent = await publishN(v, topic, 4);
      await waitFor(() => received(c!).length === 4, 3000, 'all 4 at the last member');
      assert.deepEqual(received(c!), sent);
      await expectSilence(a!, 100, 'publish');
    });

    test(`[MQTT-4.8.2-1] [MQTT-4.8.2-2] an invalid share name is an ill-formed filter: the connection is closed, no SUBACK (v${v})`, async () => {
      for (const topic of ['$share/a+b/t', '$share/#/t', '$share//t', '$share/g/', '$share/g/a/#/b']) {
        const rc = pool.add(await rawConnected(tb.port, v));
        rc.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 0 }] });
        await rc.closedByBroker();
        assert.deepEqual(rc.packets.map((p) => p.cmd), v === 5 ? ['disconnect'] : [], topic);
      }
    });
  }

  test('[MQTT-4.8.2] an offline persistent member is skipped while another member is connected', async () => {
    const topic = unique('off');
    const filter = `$share/g/${topic}`;
    const clientId = unique('offc');
    const opts = { clientId, clean: false, properties: { sessionExpiryInterval: 300 } };
    const away = pool.add(await rawConnected(tb.port, 5, opts));
    await rawSubscribe(away, filter, 1);
    const [here] = await members(5, filter, 1, 1);
    away.send({ cmd: 'disconnect' });
    await waitFor(() => tb.broker.sessions.get(clientId)?.connection === null, 2000, 'member offline');
    const pub = pool.add(await rawConnected(tb.port, 5));
    for (let i = 0; i < 4; i++) await rawPublish(pub, topic, `m${i}`, 1);
    const got: string[] = [];
    for (let i = 0; i < 4; i++) {
      const p = await nextPublish(here!);
      here!.send({ cmd: 'puback', messageId: p.messageId! });
      got.push(p.payload.toString());
    }
    assert.deepEqual(got, ['m0', 'm1', 'm2', 'm3']);
    assert.equal(tb.broker.sessions.get(clientId)?.queue.length, 0);
  });

  test('[MQTT-3.8.3-4] No Local on a shared subscription is a protocol error (DISCONNECT 0x82)', async () => {
    const rc = pool.add(await rawConnected(tb.port, 5));
    rc.send({ cmd: 'subscribe', messageId: pid(), subscriptions: [{ topic: '$share/g/nl', qos: 0, nl: true }] });
    const d = (await rc.next('disconnect')) as IDisconnectPacket;
    assert.equal(d.reasonCode, 0x82);
    await rc.closedByBroker();
  });

  test('[MQTT-3.8.3-4] a SUBSCRIBE refused for No Local on a shared filter adds none of its filters', async () => {
    const topic = unique('nlpart');
    const clientId = unique('nlc'); // a persistent session keeps its subscriptions after the close
    const rc = pool.add(await rawConnected(tb.port, 5, { clientId, clean: false, properties: { sessionExpiryInterval: 300 } }));
    rc.send({ cmd: 'subscribe', messageId: pid(), subscriptions: [{ topic, qos: 0 }, { topic: `$share/g/${topic}`, qos: 0, nl: true }] });
    await rc.closedByBroker();
    assert.equal(tb.broker.sessions.get(clientId)?.subscriptions.size, 0);
    assert.equal(tb.broker.subscriptions.match(topic).length, 0);
  });
});
