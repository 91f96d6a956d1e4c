/**
 * mqtt.upgrade_outgoing_qos (mosquitto upgrade_outgoing_qos): messages go
 * out at the subscription's QoS even when published lower, live and
 * retained (mosquitto subs.c, retain.c); off, the lower of the two
 * [MQTT-3.8.4-6]. Raw socket, exact bytes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from '../helpers/broker.js';
import { mqttString, uid } from '../helpers/lifecycle.js';
import { RawClient } from '../helpers/raw-client.js';

/** The bytes a 3.1.1 subscriber receives for: a QoS 0 retained message already there when it subscribes at `subQos`, then a live QoS 0 one. */
async function received(upgrade: boolean, subQos: 1 | 2): Promise<{ retained: number[]; live: number[]; topic: string }> {
  const tb = await startBroker({ mqtt: { upgrade_outgoing_qos: upgrade } });
  const topic = uid('t/up');
  const publisher = await RawClient.connect(tb.port, 4);
  const subscriber = await RawClient.connect(tb.port, 4);
  try {
    await publisher.connect();
    const retainedPub = [...mqttString(topic), ...Buffer.from('r')];
    publisher.write([0x31, retainedPub.length, ...retainedPub]);
    publisher.write([0xc0, 0x00]); // PINGREQ: its PINGRESP comes after the retained message is set
    await publisher.next('pingresp');
    await subscriber.connect();
    let from = subscriber.bytes().length;
    const sub = [0x00, 0x07, ...mqttString(topic), subQos];
    subscriber.write([0x82, sub.length, ...sub]);
    await subscriber.next();
    await subscriber.next();
    const retained = [...subscriber.bytes().subarray(from)];
    from = subscriber.bytes().length;
    const livePub = [...mqttString(topic), ...Buffer.from('l')];
    publisher.write([0x30, livePub.length, ...livePub]);
    await subscriber.next('publish');
    return { retained, live: [...subscriber.bytes().subarray(from)], topic };
  } finally {
    publisher.destroy();
    subscriber.destroy();
    await tb.stop();
  }
}

describe('upgrade_outgoing_qos', () => {
  test('on: QoS 0 messages reach a QoS 2 / QoS 1 subscription at QoS 2 / 1, retained and live (as mosquitto)', async () => {
    const two = await received(true, 2);
    const t2 = mqttString(two.topic);
    // SUBACK granted 2, then the retained message: PUBLISH QoS 2 RETAIN, packet id 1
    assert.deepEqual(two.retained, [0x90, 0x03, 0x00, 0x07, 0x02, 0x35, t2.length + 3, ...t2, 0x00, 0x01, ...Buffer.from('r')]);
    assert.deepEqual(two.live, [0x34, t2.length + 3, ...t2, 0x00, 0x02, ...Buffer.from('l')]);
    const one = await received(true, 1);
    const t1 = mqttString(one.topic);
    assert.deepEqual(one.live, [0x32, t1.length + 3, ...t1, 0x00, 0x02, ...Buffer.from('l')]);
  });

  test('off (the default): the lower of the two QoS, so QoS 0 [MQTT-3.8.4-6]', async () => {
    const r = await received(false, 2);
    const t = mqttString(r.topic);
    assert.deepEqual(r.retained, [0x90, 0x03, 0x00, 0x07, 0x02, 0x31, t.length + 1, ...t, ...Buffer.from('r')]);
    assert.deepEqual(r.live, [0x30, t.length + 1, ...t, ...Buffer.from('l')]);
  });
});
