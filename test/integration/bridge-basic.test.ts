/**
 * Bridge basics against a second broker as the upstream (plain TCP): out
 * rules forward with prefixes, in rules deliver locally, the state topic,
 * queueing while the upstream is down and draining in order once it is up.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { connect } from '../helpers/clients.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

describe('bridge to a generic MQTT broker', () => {
  let cloud: TestBroker;
  let gw: TestGateway;
  before(async () => {
    cloud = await startBroker();
    gw = await startTestGateway({
      bridges: [
        {
          name: 'up',
          addresses: [`127.0.0.1:${cloud.port}`],
          topics: ['sensors/# out 1 "" site1/', 'cmd/# in 1 local/ site1/'],
          restart_timeout: '0.2 1',
          keepalive: 5,
        },
      ],
    });
    await waitFor(() => gw.gw.bridges.status()[0]!.state === 'connected', 10_000, 'bridge connected');
  });
  after(async () => {
    await gw.stop();
    await cloud.stop();
  });

  test('out rule: local QoS 1 messages arrive upstream with the remote prefix, in order', async () => {
    const remote = await connect(cloud.port, { clientId: 'remote-sub' });
    const local = await connect(gw.port, { clientId: 'local-pub' });
    try {
      await remote.client.subscribeAsync('site1/#', { qos: 1 });
      for (let i = 0; i < 50; i++) await local.client.publishAsync('sensors/t', String(i), { qos: 1 });
      const got = await remote.waitMessages(50, 10_000);
      assert.deepEqual(got.map((m) => m.payload.toString()), Array.from({ length: 50 }, (_, i) => String(i)));
      assert.equal(got[0]!.topic, 'site1/sensors/t');
      await waitFor(() => gw.gw.bridges.status()[0]!.queueDepth === 0, 5000, 'queue drained');
      assert.equal(gw.gw.bridges.status()[0]!.sentTotal, 50);
    } finally {
      await remote.end();
      await local.end();
    }
  });

  test('in rule: upstream messages are published locally with the local prefix', async () => {
    const local = await connect(gw.port, { clientId: 'local-sub' });
    const remote = await connect(cloud.port, { clientId: 'remote-pub' });
    try {
      await local.client.subscribeAsync('local/#', { qos: 1 });
      await waitFor(() => gw.gw.broker.subscriptions.match('local/cmd/x').length > 0, 5000);
      await remote.client.publishAsync('site1/cmd/lamp', 'ON', { qos: 1 });
      const [m] = await local.waitMessages(1, 10_000);
      assert.equal(m!.topic, 'local/cmd/lamp');
      assert.equal(m!.payload.toString(), 'ON');
    } finally {
      await local.end();
      await remote.end();
    }
  });

  test('state topic is retained 1 while connected', async () => {
    const c = await connect(gw.port, { clientId: 'state-sub' });
    try {
      await c.client.subscribeAsync('$SYS/broker/connection/up/state');
      const [m] = await c.waitMessages(1, 5000);
      assert.equal(m!.payload.toString(), '1');
      assert.equal(m!.packet.retain, true);
    } finally {
      await c.end();
    }
  });
});

describe('bridge with the upstream down', () => {
  test('messages are queued, then delivered in order once the upstream comes up', async () => {
    const probe = await startBroker();
    const port = probe.port;
    await probe.stop(); // a port that is known to be free now
    const gw = await startTestGateway({
      bridges: [{ name: 'late', addresses: [`127.0.0.1:${port}`], topics: ['data/# out 1'], restart_timeout: '0.2 0.5' }],
    });
    try {
      const local = await connect(gw.port, { clientId: 'offline-pub' });
      for (let i = 0; i < 500; i++) await local.client.publishAsync('data/x', String(i), { qos: 1 });
      await local.end();
      assert.equal(gw.gw.bridges.status()[0]!.queueDepth, 500);
      assert.notEqual(gw.gw.bridges.status()[0]!.state, 'connected');
      const cloud = await startBroker({ listener: { port } });
      // tapped before any I/O callback can run, so no message can arrive before it
      const got: number[] = [];
      cloud.broker.bus.subscribe('data/#', (m) => void got.push(Number(m.payload.toString())));
      try {
        await waitFor(() => got.length >= 500, 20_000, '500 messages upstream');
        assert.deepEqual(got.slice(0, 500), Array.from({ length: 500 }, (_, i) => i));
        await waitFor(() => gw.gw.bridges.status()[0]!.queueDepth === 0, 10_000, 'queue empty');
      } finally {
        await cloud.stop();
      }
    } finally {
      await gw.stop();
    }
  });
});
