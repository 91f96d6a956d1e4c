/**
 * listeners[].mount_point (mosquitto mount_point): the listener's clients
 * publish and subscribe below the prefix without seeing it; clients on a
 * plain listener see their topics under it. Raw socket, exact bytes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { testConfig } from '../helpers/broker.js';
import { mqttString, uid } from '../helpers/lifecycle.js';
import { RawClient } from '../helpers/raw-client.js';

const publish = (topic: string, payload: string, retain = false): number[] => {
  const body = [...mqttString(topic), ...Buffer.from(payload)];
  return [retain ? 0x31 : 0x30, body.length, ...body];
};

describe('mount_point', () => {
  let gw: Gateway;
  let mounted: number;
  let plain: number;
  before(async () => {
    const base = testConfig();
    const listener = base.listeners[0]!;
    gw = await startGateway({ ...base, listeners: [{ ...listener, mount_point: 'tenant/' }, { ...listener }] }, pino({ level: 'silent' }));
    [mounted, plain] = gw.addresses().map((a) => a.port) as [number, number];
  });
  after(async () => {
    await gw.stop();
  });

  async function subscribed(port: number, filter: string): Promise<RawClient> {
    const rc = await RawClient.connect(port, 4);
    await rc.connect({ clientId: uid('mp') });
    const body = [0x00, 0x01, ...mqttString(filter), 0x00];
    rc.write([0x82, body.length, ...body]);
    await rc.next('suback');
    return rc;
  }

  test('a mounted client publishes `x`: plain clients see `tenant/x`; it sees `x` for `tenant/x` and nothing for `x`', async () => {
    const t = uid('mp');
    const inside = await subscribed(mounted, `${t}/#`);
    const outside = await subscribed(plain, `tenant/${t}/#`);
    const outsideOwn = await subscribed(plain, `${t}/#`);
    try {
      let from = outside.bytes().length;
      const fromOwn = outsideOwn.bytes().length;
      const fromInside = inside.bytes().length;
      inside.write(publish(`${t}/a`, 'up'));
      await outside.next('publish');
      assert.deepEqual([...outside.bytes().subarray(from)], publish(`tenant/${t}/a`, 'up'));
      assert.deepEqual(await outsideOwn.bytesThroughPing(fromOwn), [0xd0, 0x00]); // not under the unmounted name
      assert.deepEqual(await inside.bytesThroughPing(fromInside), [...publish(`${t}/a`, 'up'), 0xd0, 0x00]); // its own, unmounted

      from = inside.bytes().length;
      outsideOwn.write(publish(`${t}/b`, 'plain')); // outside the mount point: not for the mounted client
      outsideOwn.write(publish(`tenant/${t}/c`, 'in'));
      await inside.next('publish');
      assert.deepEqual(await inside.bytesThroughPing(from), [...publish(`${t}/c`, 'in'), 0xd0, 0x00]);
    } finally {
      for (const c of [inside, outside, outsideOwn]) c.destroy();
    }
  });

  test('retained messages and unsubscribe use the mounted filter', async () => {
    const t = uid('mr');
    const setter = await RawClient.connect(plain, 4);
    try {
      await setter.connect();
      setter.write(publish(`tenant/${t}`, 'kept', true));
      setter.write([0xc0, 0x00]);
      await setter.next('pingresp');
      const inside = await subscribed(mounted, t);
      try {
        await inside.next('publish');
        const from = inside.bytes().length - publish(t, 'kept', true).length;
        assert.deepEqual([...inside.bytes().subarray(from)], publish(t, 'kept', true));
        const body = [0x00, 0x02, ...mqttString(t)];
        inside.write([0xa2, body.length, ...body]);
        await inside.next('unsuback');
        const after = inside.bytes().length;
        setter.write(publish(`tenant/${t}`, 'gone'));
        setter.write([0xc0, 0x00]); // once answered, 'gone' has been routed (delivery is synchronous)
        await setter.next('pingresp');
        assert.deepEqual(await inside.bytesThroughPing(after), [0xd0, 0x00]);
      } finally {
        inside.destroy();
      }
      setter.write(publish(`tenant/${t}`, '', true));
    } finally {
      setter.destroy();
    }
  });
});
