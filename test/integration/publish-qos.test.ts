/**
 * PUBLISH end to end at QoS 0/1/2 [MQTT-4.3], QoS downgrade to the
 * subscription's QoS, the QoS 2 exactly-once flow in both directions, and
 * redelivery of in-flight state after a persistent session reconnects.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IPubackPacket, IPublishPacket, IPubrelPacket } from 'mqtt-packet';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { connect } from '../helpers/clients.js';
import type { IClientOptions } from 'mqtt';
import { RawClient } from '../helpers/raw-client.js';
import { ClientPool, expectSilence, nextPublish, pid, PROTOCOLS, rawConnected, rawSubscribe, unique } from '../helpers/messages.js';
import { waitFor } from '../helpers/wait.js';

/** CONNECT options for a session that outlives its connection, per protocol. */
function persistent(version: 4 | 5, clientId: string, cleanStart = false) {
  return version === 5 ? { clientId, clean: cleanStart, properties: { sessionExpiryInterval: 300 } } : { clientId, clean: false };
}

describe('PUBLISH QoS flows', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.stop();
  });
  const pool = new ClientPool();
  afterEach(() => pool.closeAll());
  const mq = async (opts: IClientOptions) => pool.add(await connect(tb.port, opts));
  const raw = async (v: 4 | 5, opts = {}) => pool.add(await rawConnected(tb.port, v, opts));
  const rawOpen = async (v: 4 | 5) => pool.add(await RawClient.connect(tb.port, v));

  for (const v of PROTOCOLS) {
    test(`[MQTT-4.3] QoS 0, 1 and 2 delivered end to end at the published QoS (v${v})`, async () => {
      const topic = unique('qos');
      const sub = await mq({ protocolVersion: v });
      const pub = await mq({ protocolVersion: v });
      await sub.client.subscribeAsync(topic, { qos: 2 });
      for (const qos of [0, 1, 2] as const) await pub.client.publishAsync(topic, `q${qos}`, { qos });
      const got = await sub.waitMessages(3);
      assert.deepEqual(
        got.map((m) => [m.payload.toString(), m.packet.qos]),
        [['q0', 0], ['q1', 1], ['q2', 2]],
      );
      await sub.end();
      await pub.end();
    });

    test(`[MQTT-3.8.4-6] delivered QoS is the minimum of published and subscribed QoS (v${v})`, async () => {
      const topic = unique('down');
      const sub0 = await raw(v);
      const sub1 = await raw(v);
      await rawSubscribe(sub0, topic, 0);
      await rawSubscribe(sub1, topic, 1);
      const pub = await mq({ protocolVersion: v });
      await pub.client.publishAsync(topic, 'x', { qos: 2 });
      const p0 = await nextPublish(sub0);
      const p1 = await nextPublish(sub1);
      assert.equal(p0.qos, 0);
      assert.equal(p0.messageId, undefined);
      assert.equal(p1.qos, 1);
      assert.ok(p1.messageId! > 0);
      sub0.destroy();
      sub1.destroy();
      await pub.end();
    });

    test(`[MQTT-4.3.3] inbound QoS 2: PUBREC, duplicate PUBLISH before PUBREL delivered once, PUBREL -> PUBCOMP (v${v})`, async () => {
      const topic = unique('eo');
      const sub = await mq({ protocolVersion: v });
      await sub.client.subscribeAsync(topic, { qos: 2 });
      const rc = await raw(v);
      const messageId = pid();
      const publish = { cmd: 'publish', topic, payload: 'once', qos: 2, retain: false, dup: false, messageId } as IPublishPacket;
      rc.send(publish);
      const pubrec = await rc.next('pubrec');
      assert.equal(pubrec.messageId, messageId);
      rc.send({ ...publish, dup: true }); // [MQTT-4.3.3-10] resent before PUBREL: must not be delivered again
      assert.equal((await rc.next('pubrec')).messageId, messageId);
      rc.send({ cmd: 'pubrel', messageId });
      const pubcomp = await rc.next('pubcomp');
      assert.equal(pubcomp.messageId, messageId);
      await sub.waitMessages(1);
      // after PUBCOMP the same id starts a new message [MQTT-4.3.3-11]
      rc.send({ ...publish, payload: 'again' });
      await rc.next('pubrec');
      rc.send({ cmd: 'pubrel', messageId });
      await rc.next('pubcomp');
      await sub.waitMessages(2);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(sub.messages.map((m) => m.payload.toString()), ['once', 'again']);
      rc.destroy();
      await sub.end();
    });

    test(`[MQTT-4.3.3] outbound QoS 2: PUBLISH, PUBREC -> PUBREL, PUBCOMP completes (v${v})`, async () => {
      const topic = unique('out2');
      const rc = await raw(v);
      await rawSubscribe(rc, topic, 2);
      const pub = await mq({ protocolVersion: v });
      await pub.client.publishAsync(topic, 'x', { qos: 2 });
      const p = await nextPublish(rc);
      assert.equal(p.qos, 2);
      assert.equal(p.dup, false);
      rc.send({ cmd: 'pubrec', messageId: p.messageId! });
      const pubrel = (await rc.next('pubrel')) as IPubrelPacket;
      assert.equal(pubrel.messageId, p.messageId);
      rc.send({ cmd: 'pubcomp', messageId: p.messageId! });
      const session = tb.broker.sessions.get(rc.clientId!)!;
      await waitFor(() => session.inflight.size === 0, 2000, 'in-flight cleared by PUBCOMP');
      rc.destroy();
      await pub.end();
    });

    test(`[MQTT-4.4.0-1] [MQTT-3.3.1-1] unacked QoS 1 resent with DUP=1 and the same packet id after reconnect (v${v})`, async () => {
      const topic = unique('dup');
      const clientId = unique('dupc');
      const rc = await raw(v, persistent(v, clientId, true));
      await rawSubscribe(rc, topic, 1);
      const pub = await mq({ protocolVersion: v });
      await pub.client.publishAsync(topic, 'redeliver', { qos: 1 });
      const first = await nextPublish(rc);
      assert.equal(first.dup, false);
      rc.destroy(); // no PUBACK
      await waitFor(() => tb.broker.sessions.get(clientId)?.connection === null, 2000, 'session offline');
      const rc2 = await rawOpen(v);
      const connack = await rc2.connect(persistent(v, clientId));
      assert.equal(connack.sessionPresent, true);
      const again = await nextPublish(rc2);
      assert.equal(again.messageId, first.messageId);
      assert.equal(again.dup, true);
      assert.equal(again.payload.toString(), 'redeliver');
      rc2.send({ cmd: 'puback', messageId: again.messageId! });
      await waitFor(() => tb.broker.sessions.get(clientId)?.inflight.size === 0, 2000, 'in-flight cleared');
      rc2.send({ cmd: 'disconnect' });
      await pub.end();
    });

    test(`[MQTT-4.4.0-1] PUBREL resent after reconnect when PUBREC was sent but PUBCOMP not (v${v})`, async () => {
      const topic = unique('rel');
      const clientId = unique('relc');
      const rc = await raw(v, persistent(v, clientId, true));
      await rawSubscribe(rc, topic, 2);
      const pub = await mq({ protocolVersion: v });
      await pub.client.publishAsync(topic, 'x', { qos: 2 });
      const p = await nextPublish(rc);
      rc.send({ cmd: 'pubrec', messageId: p.messageId! });
      await rc.next('pubrel');
      rc.destroy(); // no PUBCOMP
      await waitFor(() => tb.broker.sessions.get(clientId)?.connection === null, 2000, 'session offline');
      const rc2 = await rawOpen(v);
      await rc2.connect(persistent(v, clientId));
      const pubrel = (await rc2.next('pubrel')) as IPubrelPacket;
      assert.equal(pubrel.messageId, p.messageId);
      await expectSilence(rc2, 150, 'publish'); // the message itself is not sent again
      rc2.send({ cmd: 'pubcomp', messageId: p.messageId! });
      await waitFor(() => tb.broker.sessions.get(clientId)?.inflight.size === 0, 2000, 'in-flight cleared');
      rc2.send({ cmd: 'disconnect' });
      await pub.end();
    });

    test(`[MQTT-4.7.2] clients cannot publish into $SYS or to $share/ names; other $ topics are fine (v${v})`, async () => {
      const watcher = await raw(v);
      await rawSubscribe(watcher, [{ topic: '$SYS/#', qos: 1 }, { topic: '$app/#', qos: 1 }]);
      await expectSilence(watcher, 50); // no $SYS traffic in tests (interval 0)
      const rc = await raw(v);
      for (const topic of ['$SYS/broker/uptime', '$SYS', '$share/g/t']) {
        rc.send({ cmd: 'publish', topic, payload: 'spoof', qos: 1, retain: true, dup: false, messageId: pid() } as IPublishPacket);
        const ack = (await rc.next('puback')) as IPubackPacket;
        if (v === 5) assert.equal(ack.reasonCode, 0x87, topic);
      }
      assert.equal(tb.broker.retained.matching('$SYS/#').length, 0);
      rc.send({ cmd: 'publish', topic: '$app/x', payload: 'ok', qos: 1, retain: false, dup: false, messageId: pid() } as IPublishPacket);
      await rc.next('puback');
      const p = await nextPublish(watcher);
      assert.equal(p.topic, '$app/x');
      await expectSilence(watcher, 100, 'publish');
    });

    test(`[MQTT-2.2.1-3] QoS 1 PUBLISH with packet id 0 closes the connection (v${v})`, async () => {
      const rc = await raw(v);
      const topic = Buffer.from('t/zero');
      const body = [0, topic.length, ...topic, 0, 0, ...(v === 5 ? [0] : []), 0x41];
      rc.write([0x32, body.length, ...body]);
      await rc.closedByBroker();
      if (v === 5) {
        const d = rc.packets.find((p) => p.cmd === 'disconnect');
        assert.ok(d === undefined || (d.reasonCode ?? 0) >= 0x80, 'any DISCONNECT carries an error code');
      }
    });
  }
});
