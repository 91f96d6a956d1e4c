/**
 * mqtt.max_payload_size (mosquitto `message_size_limit`): a PUBLISH whose
 * payload is larger is dropped, acknowledged with 0x80 in v5 (mosquitto: 0x95, not a valid PUBACK code) and a plain
 * ack in 3.1.1 (mosquitto's handle_publish.c), and the client stays connected. A CONNECT whose will
 * payload is larger is refused (handle_connect.c).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IConnectPacket, IPubackPacket, IPubrecPacket } from 'mqtt-packet';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { uid } from '../helpers/lifecycle.js';
import { RawClient } from '../helpers/raw-client.js';
import { expectSilence, nextPublish, rawConnected, rawPublish, rawSubscribe } from '../helpers/messages.js';

const LIMIT = 100;

describe('max_payload_size (message_size_limit)', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker({ mqtt: { max_payload_size: LIMIT } });
  });
  after(async () => {
    await tb.stop();
  });

  test('v5: a larger payload gets PUBACK / PUBREC 0x80 and is not delivered; the limit itself passes; the client stays', async () => {
    const sub = await rawConnected(tb.port, 5, { clientId: uid('sub') });
    await rawSubscribe(sub, 'size/#', 1);
    const pub = await rawConnected(tb.port, 5, { clientId: uid('pub') });
    const ack1 = (await rawPublish(pub, 'size/a', Buffer.alloc(LIMIT + 1), 1)) as IPubackPacket;
    assert.equal(ack1.reasonCode, 0x80);
    const ack2 = (await rawPublish(pub, 'size/a', Buffer.alloc(LIMIT + 1), 2)) as IPubrecPacket;
    assert.equal(ack2.reasonCode, 0x80);
    await rawPublish(pub, 'size/a', Buffer.alloc(LIMIT + 1), 0);
    await expectSilence(sub, 200, 'publish');
    const ok = (await rawPublish(pub, 'size/b', Buffer.alloc(LIMIT), 1)) as IPubackPacket;
    assert.ok((ok.reasonCode ?? 0) < 0x80);
    assert.equal((await nextPublish(sub)).payload.length, LIMIT);
    sub.destroy();
    pub.destroy();
  });

  test('a will payload over the limit: CONNACK 0x95 (v5) / 5 (3.1.1) and a close, as mosquitto; the limit itself connects', async () => {
    const answer = async (version: 4 | 5, size: number): Promise<{ bytes: number[]; closed: boolean }> => {
      const rc = await RawClient.connect(tb.port, version);
      try {
        rc.send({
          cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clientId: uid('will'), clean: true, keepalive: 60,
          will: { topic: 'size/will', payload: Buffer.alloc(size), qos: 0, retain: false },
          ...(version === 5 ? { properties: { requestProblemInformation: false } } : {}),
        } as IConnectPacket);
        await rc.next('connack');
        if (size > LIMIT) await rc.closedByBroker();
        return { bytes: [...rc.bytes()], closed: rc.closed };
      } finally {
        rc.destroy();
      }
    };
    assert.deepEqual(await answer(5, LIMIT + 1), { bytes: [0x20, 0x03, 0x00, 0x95, 0x00], closed: true });
    assert.deepEqual(await answer(4, LIMIT + 1), { bytes: [0x20, 0x02, 0x00, 0x05], closed: true });
    assert.deepEqual((await answer(4, LIMIT)).bytes, [0x20, 0x02, 0x00, 0x00]);
  });

  test('3.1.1: a larger payload is acked (no negative ack in 3.1.1) and dropped', async () => {
    const sub = await rawConnected(tb.port, 4, { clientId: uid('sub4') });
    await rawSubscribe(sub, 'size4/#', 1);
    const pub = await rawConnected(tb.port, 4, { clientId: uid('pub4') });
    const ack = await rawPublish(pub, 'size4/a', Buffer.alloc(LIMIT + 1), 1);
    assert.equal(ack?.cmd, 'puback');
    await expectSilence(sub, 200, 'publish');
    await rawPublish(pub, 'size4/b', 'small', 1);
    assert.equal((await nextPublish(sub)).topic, 'size4/b');
    sub.destroy();
    pub.destroy();
  });
});
