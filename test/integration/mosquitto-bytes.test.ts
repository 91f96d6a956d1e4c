/**
 * Byte-level choices shared with mosquitto where the spec leaves one (issue 18): a tool or test written
 * against mosquitto sees the same bytes. Raw socket, exact bytes out.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { uid } from '../helpers/lifecycle.js';
import { RawClient } from '../helpers/raw-client.js';

describe('mosquitto-identical bytes', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.stop();
  });

  async function connected(): Promise<RawClient> {
    const rc = await RawClient.connect(tb.port, 5);
    await rc.connect({ clientId: uid('bytes') });
    return rc;
  }

  /** The bytes received from `from` on. */
  const since = (rc: RawClient, from: number) => [...rc.bytes().subarray(from)];

  test('[MQTT-3.2.2.3] CONNACK: Topic Alias Maximum before Receive Maximum (send_connack.c order)', async () => {
    const rc = await RawClient.connect(tb.port, 5);
    await rc.connect({ clientId: uid('order') });
    assert.deepEqual([...rc.bytes()], [0x20, 0x09, 0x00, 0x00, 0x06, 0x22, 0x00, 0x0a, 0x21, 0x00, 0x14]);
    rc.destroy();
  });

  test('[MQTT-3.4.2-1] PUBACK success is 2 bytes; 0x10 is 3 bytes without a property length', async () => {
    const topic = uid('t/ack');
    const rc = await connected();
    let from = rc.bytes().length;
    rc.write([0x32, 5 + topic.length, 0x00, topic.length, ...Buffer.from(topic), 0x00, 0x01, 0x00]); // QoS 1, nobody subscribed
    await rc.next('puback');
    assert.deepEqual(since(rc, from), [0x40, 0x03, 0x00, 0x01, 0x10]);
    // [MQTT-3.8.3-3] only a No Local subscription of the publisher matches: 0x00, written short
    rc.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic, qos: 1, nl: true }] });
    await rc.next('suback');
    from = rc.bytes().length;
    rc.write([0x32, 5 + topic.length, 0x00, topic.length, ...Buffer.from(topic), 0x00, 0x03, 0x00]);
    await rc.next('puback');
    assert.deepEqual(since(rc, from), [0x40, 0x02, 0x00, 0x03]);
    rc.destroy();
  });

  test('[MQTT-3.5.2-1] PUBREC 0x00 with nobody subscribed, again 2 bytes for a duplicate; PUBCOMP 2 bytes', async () => {
    const topic = uid('t/rec');
    const rc = await connected();
    const publish = [0x34, 5 + topic.length, 0x00, topic.length, ...Buffer.from(topic), 0x00, 0x07, 0x00];
    let from = rc.bytes().length;
    rc.write(publish);
    await rc.next('pubrec');
    rc.write(publish); // duplicate before PUBREL [MQTT-4.3.3-10]
    await rc.next('pubrec');
    assert.deepEqual(since(rc, from), [0x50, 0x02, 0x00, 0x07, 0x50, 0x02, 0x00, 0x07]);
    from = rc.bytes().length;
    rc.write([0x62, 0x02, 0x00, 0x07]);
    await rc.next('pubcomp');
    assert.deepEqual(since(rc, from), [0x70, 0x02, 0x00, 0x07]);
    rc.destroy();
  });
});
