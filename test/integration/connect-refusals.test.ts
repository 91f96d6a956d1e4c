/**
 * CONNECT refusals a 3.1.1 client has no return code for [MQTT-3.1.4-1]
 * [MQTT-3.2.2-6]: the connection is closed without a CONNACK (as mosquitto),
 * not answered with 3 "Server unavailable"; v5 clients get the v5 code.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IConnackPacket } from 'mqtt-packet';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { sendAndClose } from '../helpers/raw-expect.js';
import { FLAG, rawConnect, uid } from '../helpers/lifecycle.js';

describe('CONNECT refusals without a 3.1.1 return code', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker({ mqtt: { max_qos: 1, retain_available: false } });
  });
  after(async () => {
    await tb.stop();
  });

  for (const topic of ['', 'a/#', 'a/+/b']) {
    test(`[MQTT-3.1.4-1] 3.1.1 will topic '${topic}' closes without CONNACK; v5 gets CONNACK 0x90`, async () => {
      const will = { topic, payload: 'p' };
      const v4 = await sendAndClose(tb.port, rawConnect({ level: 4, flags: FLAG.CLEAN | FLAG.WILL, clientId: uid('wt'), will }), 4);
      assert.equal(v4.bytes().length, 0);
      const v5 = await sendAndClose(tb.port, rawConnect({ level: 5, flags: FLAG.CLEAN | FLAG.WILL, clientId: uid('wt'), will }), 5);
      assert.equal((v5.packets[0] as IConnackPacket).reasonCode, 0x90);
    });
  }

  const willFlags: Array<[string, number, number]> = [
    ['will retain with retain unavailable', FLAG.WILL_RETAIN, 0x9a],
    ['will QoS above max_qos', FLAG.WILL_QOS2, 0x9b],
  ];
  for (const [what, flag, v5Code] of willFlags) {
    test(`[MQTT-3.2.2-12] 3.1.1 ${what} closes without CONNACK; v5 gets 0x${v5Code.toString(16)}`, async () => {
      const flags = FLAG.CLEAN | FLAG.WILL | flag;
      const v4 = await sendAndClose(tb.port, rawConnect({ level: 4, flags, clientId: uid('wf'), will: { topic: 't', payload: 'p' } }), 4);
      assert.equal(v4.bytes().length, 0);
      const v5 = await sendAndClose(tb.port, rawConnect({ level: 5, flags, clientId: uid('wf'), will: { topic: 't', payload: 'p' } }), 5);
      assert.equal((v5.packets[0] as IConnackPacket).reasonCode, v5Code);
    });
  }
});
