/**
 * The in-process bus bridges and adapters use: a local publish reaches MQTT
 * subscribers, MQTT publishes reach local handlers (wildcards, retained
 * flag kept), unsubscribe stops delivery, and a throwing handler neither
 * breaks routing nor other handlers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredMessage } from '../../src/persistence/types.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { connect } from '../helpers/clients.js';
import { waitFor } from '../helpers/wait.js';

describe('local bus', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.stop();
  });

  test('bus.publish reaches an MQTT subscriber with QoS and retain', async () => {
    const sub = await connect(tb.port, { clientId: 'bus-sub' });
    try {
      await sub.client.subscribeAsync('bus/out/#', { qos: 1 });
      const n = tb.broker.bus.publish('bus/out/a', 'hello', { qos: 1 });
      assert.equal(n, 1);
      await waitFor(() => sub.messages.length === 1, 5000, 'message at subscriber');
      assert.equal(sub.messages[0]!.topic, 'bus/out/a');
      assert.equal(sub.messages[0]!.payload.toString(), 'hello');
      assert.equal(sub.messages[0]!.packet.qos, 1);
      tb.broker.bus.publish('bus/out/kept', 'r', { retain: true });
      const late = await connect(tb.port, { clientId: 'bus-late' });
      try {
        await late.client.subscribeAsync('bus/out/kept');
        await waitFor(() => late.messages.length === 1, 5000, 'retained at late subscriber');
        assert.equal(late.messages[0]!.packet.retain, true);
      } finally {
        await late.end();
      }
    } finally {
      await sub.end();
    }
  });

  test('MQTT publishes reach matching handlers only, until unsubscribed', async () => {
    const seen: StoredMessage[] = [];
    const other: StoredMessage[] = [];
    const off = tb.broker.bus.subscribe('bus/in/+/set', (m) => void seen.push(m));
    const offOther = tb.broker.bus.subscribe('bus/elsewhere', (m) => void other.push(m));
    const pub = await connect(tb.port, { clientId: 'bus-pub' });
    try {
      await pub.client.publishAsync('bus/in/lamp/set', 'ON', { qos: 1, retain: true });
      await pub.client.publishAsync('bus/in/lamp/state', 'x', { qos: 1 });
      await waitFor(() => seen.length === 1, 5000, 'handler called');
      assert.equal(seen[0]!.topic, 'bus/in/lamp/set');
      assert.equal(seen[0]!.payload.toString(), 'ON');
      assert.equal(seen[0]!.qos, 1);
      assert.equal(seen[0]!.retain, true);
      off();
      await pub.client.publishAsync('bus/in/lamp/set', 'OFF', { qos: 1 });
      assert.equal(seen.length, 1, 'no delivery after unsubscribe (PUBACK comes after routing)');
      assert.equal(other.length, 0);
    } finally {
      offOther();
      await pub.end();
    }
  });

  test('a throwing handler is isolated: routing and other handlers go on', async () => {
    const seen: string[] = [];
    const offBad = tb.broker.bus.subscribe('bus/err', () => {
      throw new Error('boom');
    });
    const offGood = tb.broker.bus.subscribe('bus/#', (m) => void seen.push(m.topic));
    const sub = await connect(tb.port, { clientId: 'bus-err-sub' });
    try {
      await sub.client.subscribeAsync('bus/err');
      tb.broker.bus.publish('bus/err', 'x');
      await waitFor(() => sub.messages.length === 1, 5000, 'subscriber still served');
      assert.deepEqual(seen, ['bus/err']);
    } finally {
      offBad();
      offGood();
      await sub.end();
    }
  });

  test('invalid topic or filter is a TypeError', () => {
    assert.throws(() => tb.broker.bus.publish('a/+/b', 'x'), TypeError);
    assert.throws(() => tb.broker.bus.subscribe('a/#/b', () => undefined), TypeError);
  });
});
