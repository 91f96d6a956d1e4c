/**
 * CONNACK [MQTT-3.2]: v5 properties describe the configured limits, 3.1.1
 * gets the plain 4 bytes; CONNECT authentication through the hook, with
 * packets pipelined behind CONNECT (3.1.4: clients need not wait for CONNACK).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IConnackPacket, ISubackPacket } from 'mqtt-packet';
import mqttPacket from 'mqtt-packet';
import { startBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { uid } from '../helpers/lifecycle.js';

describe('CONNACK properties', () => {
  test('v5 CONNACK with defaults: Receive Maximum and Topic Alias Maximum only', async () => {
    const tb = await startBroker();
    try {
      const rc = await RawClient.connect(tb.port, 5);
      const connack = await rc.connect({ clientId: uid('defaults'), keepalive: 60 });
      assert.equal(connack.reasonCode, 0);
      assert.equal(connack.sessionPresent, false);
      assert.deepEqual(connack.properties, { receiveMaximum: 20, topicAliasMaximum: 10 });
      rc.destroy();
    } finally {
      await tb.stop();
    }
  });

  test('v5 CONNACK properties match the configured limits', async () => {
    const mqtt = {
      max_inflight_messages: 7,
      topic_alias_maximum: 5,
      max_packet_size: 4096,
      max_keepalive: 30,
      max_qos: 1 as const,
      retain_available: false,
      wildcard_subscription_available: false,
      subscription_identifiers_available: false,
      shared_subscription_available: false,
    };
    const tb = await startBroker({ mqtt });
    try {
      const rc = await RawClient.connect(tb.port, 5);
      const connack = await rc.connect({ clientId: uid('limits'), keepalive: 60 });
      assert.deepEqual(connack.properties, {
        receiveMaximum: 7,
        topicAliasMaximum: 5,
        maximumPacketSize: 4096,
        serverKeepAlive: 30,
        maximumQoS: 1,
        retainAvailable: false,
        wildcardSubscriptionAvailable: false,
        subscriptionIdentifiersAvailable: false,
        sharedSubscriptionAvailable: false,
      });
      rc.destroy();
      const v4 = await RawClient.connect(tb.port, 4);
      await v4.connect({ clientId: uid('limits4'), keepalive: 20 });
      assert.deepEqual([...v4.bytes()], [0x20, 0x02, 0x00, 0x00], '3.1.1 CONNACK has no properties');
      v4.destroy();
    } finally {
      await tb.stop();
    }
  });

  test('topic_alias_maximum 0 is not advertised (absent means 0)', async () => {
    const tb = await startBroker({ mqtt: { topic_alias_maximum: 0 } });
    try {
      const rc = await RawClient.connect(tb.port, 5);
      const connack = await rc.connect({ clientId: uid('noalias') });
      assert.equal(connack.properties?.topicAliasMaximum, undefined);
      rc.destroy();
    } finally {
      await tb.stop();
    }
  });
});

describe('authentication hook', () => {
  test('an async authenticate hook refuses a bad password (3.1.1 return code 4 / v5 0x86)', async () => {
    const tb = await startBroker({
      hooks: { authenticate: async (_c, pw) => (pw?.toString() === 'good' ? { ok: true } : { ok: false, reasonCode: 0x86 }) },
    });
    try {
      const v4 = await RawClient.connect(tb.port, 4);
      await v4.connect({ clientId: uid('bad4'), username: 'u', password: Buffer.from('bad') });
      await v4.closedByBroker();
      assert.deepEqual([...v4.bytes()], [0x20, 0x02, 0x00, 0x04]);
      const v5 = await RawClient.connect(tb.port, 5);
      const refused = await v5.connect({ clientId: uid('bad5'), username: 'u', password: Buffer.from('bad') });
      assert.equal(refused.reasonCode, 0x86);
      await v5.closedByBroker();
      const ok = await RawClient.connect(tb.port, 5);
      assert.equal((await ok.connect({ clientId: uid('good'), username: 'u', password: Buffer.from('good') })).reasonCode, 0);
      ok.destroy();
    } finally {
      await tb.stop();
    }
  });

  for (const version of [4, 5] as const) {
    test(`pipelining (3.1.4, clients need not wait for CONNACK): packets sent right behind CONNECT wait for a slow authenticate hook (v${version})`, async () => {
      const tb = await startBroker({ hooks: { authenticate: () => new Promise((r) => setTimeout(() => r({ ok: true }), 50)) } });
      try {
        const rc = await RawClient.connect(tb.port, version);
        const gen = (p: mqttPacket.Packet) => mqttPacket.generate(p, { protocolVersion: version });
        rc.write(
          Buffer.concat([
            gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clientId: uid('pipelined'), clean: true, keepalive: 60 } as mqttPacket.IConnectPacket),
            gen({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'pipe/x', qos: 1 }] } as mqttPacket.ISubscribePacket),
            gen({ cmd: 'publish', topic: 'pipe/x', payload: Buffer.from('hi'), qos: 0, retain: false, dup: false } as mqttPacket.IPublishPacket),
            gen({ cmd: 'pingreq' }),
          ]),
        );
        const connack = (await rc.next('connack')) as IConnackPacket;
        assert.equal(connack.reasonCode ?? connack.returnCode, 0);
        assert.deepEqual(((await rc.next('suback')) as ISubackPacket).granted, [1]);
        assert.equal(((await rc.next('publish')) as mqttPacket.IPublishPacket).payload.toString(), 'hi');
        await rc.next('pingresp');
        rc.destroy();
      } finally {
        await tb.stop();
      }
    });
  }
});
