/**
 * The inbound decoder (src/broker/decode/) over a real socket: a stream of
 * PUBLISH packets (QoS 0 and 1, small and large, v5 with and without
 * properties) and PINGREQs, cut into random slices that reach the broker as
 * separate reads, arrives complete and in order.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import mqttPacket from 'mqtt-packet';
import type { IPublishPacket, Packet } from 'mqtt-packet';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { Rng } from '../helpers/prng.js';
import { waitFor } from '../helpers/wait.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('PUBLISH fast path across chunk boundaries', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.stop();
  });

  for (const version of [4, 5] as const) {
    test(`random slices of a mixed packet stream (v${version})`, async () => {
      const rng = new Rng(0xfa57 + version);
      const sub = await RawClient.connect(tb.port, version);
      await sub.connect();
      sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `fp${version}/#`, qos: 0 }] } as Packet);
      await sub.next('suback');
      const pub = await RawClient.connect(tb.port, version);
      await pub.connect();

      const sent: Array<{ topic: string; payload: Buffer }> = [];
      let pings = 0;
      let acks = 0;
      const bytes: Buffer[] = [];
      for (let i = 0; i < 300; i++) {
        if (rng.chance(0.05)) {
          bytes.push(mqttPacket.generate({ cmd: 'pingreq' }));
          pings++;
          continue;
        }
        const qos = rng.int(0, 1) as 0 | 1;
        const payload = Buffer.alloc(rng.chance(0.1) ? rng.int(4000, 12_000) : rng.int(0, 200), i & 0xff);
        const packet: IPublishPacket = { cmd: 'publish', topic: `fp${version}/t/${i}`, payload, qos, retain: false, dup: false };
        if (qos === 1) {
          packet.messageId = (i % 60000) + 1;
          acks++;
        }
        if (version === 5 && rng.chance(0.2)) packet.properties = { contentType: 'application/octet-stream' };
        bytes.push(mqttPacket.generate(packet, { protocolVersion: version }));
        sent.push({ topic: packet.topic, payload });
      }
      const all = Buffer.concat(bytes);
      for (let at = 0; at < all.length; ) {
        const n = rng.pick([1, 2, 3, 7, 50, 333, 1500, 5000]);
        pub.write(all.subarray(at, at + n));
        at += n;
        await sleep(rng.chance(0.3) ? 2 : 0); // most slices reach the broker as separate reads
      }

      await waitFor(() => sub.packets.filter((p) => p.cmd === 'publish').length >= sent.length, 10_000, `${sent.length} messages`);
      const got = sub.packets.filter((p): p is IPublishPacket => p.cmd === 'publish');
      assert.deepEqual(
        got.map((p) => p.topic),
        sent.map((s) => s.topic),
      );
      for (const [i, p] of got.entries()) assert.ok(Buffer.from(p.payload).equals(sent[i]!.payload), `payload of ${p.topic}`);
      await waitFor(() => pub.packets.filter((p) => p.cmd === 'puback').length === acks && pub.packets.filter((p) => p.cmd === 'pingresp').length === pings, 5000, 'PUBACKs and PINGRESPs');
      sub.destroy();
      pub.destroy();
    });
  }
});
