/**
 * Keep alive [MQTT-3.1.2-24] [MQTT-3.12.4-1], v5 Server Keep Alive
 * [MQTT-3.2.2-21] and connect_timeout.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IConnackPacket, IDisconnectPacket } from 'mqtt-packet';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { assertRoundTrip, FLAG, rawConnect, uid, VERSIONS } from '../helpers/lifecycle.js';

/** The broker sweeps every 500 ms; allow that plus scheduling slack. */
const SWEEP_SLACK_MS = 700;

describe('keep alive', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.stop();
  });

  for (const version of VERSIONS) {
    test(`[MQTT-3.1.2-24] a silent client is closed after 1.5 x keepalive (v${version})`, async () => {
      const rc = await RawClient.connect(tb.port, version);
      await rc.connect({ clientId: uid('silent'), keepalive: 1 });
      const t0 = Date.now();
      await rc.closedByBroker(1500 + SWEEP_SLACK_MS + 500);
      const elapsed = Date.now() - t0;
      assert.ok(elapsed >= 1400, `closed after ${elapsed} ms, before 1.5 x keepalive`);
      assert.ok(elapsed <= 1500 + SWEEP_SLACK_MS, `closed after ${elapsed} ms`);
      if (version === 5) {
        // [MQTT-4.13.2-1] v5: DISCONNECT 0x8D Keep Alive timeout first
        const disconnect = (await rc.next('disconnect')) as IDisconnectPacket;
        assert.equal(disconnect.reasonCode, 0x8d);
      } else {
        assert.equal(rc.packets.length, 0);
      }
    });

    test(`[MQTT-3.12.4-1] PINGREQ gets PINGRESP and keeps the connection alive (v${version})`, async () => {
      const rc = await RawClient.connect(tb.port, version);
      await rc.connect({ clientId: uid('pinger'), keepalive: 1 });
      const t0 = Date.now();
      while (Date.now() - t0 < 3000) {
        rc.send({ cmd: 'pingreq' });
        await rc.next('pingresp', 1000);
        await new Promise((r) => setTimeout(r, 600)); // ping interval below the keepalive
      }
      assert.equal(rc.closed, false, 'closed although it pinged within the keepalive');
      rc.destroy();
    });

    test(`[MQTT-3.1.2-10] keepalive 0 turns the mechanism off (v${version})`, async () => {
      const rc = await RawClient.connect(tb.port, version);
      await rc.connect({ clientId: uid('ka0'), keepalive: 0 });
      await new Promise((r) => setTimeout(r, 2000)); // prove it is NOT closed
      assert.equal(rc.closed, false);
      rc.send({ cmd: 'pingreq' });
      await rc.next('pingresp');
      rc.destroy();
    });
  }

  test('a client closed for keepalive does not disturb others', async () => {
    const rc = await RawClient.connect(tb.port, 5);
    await rc.connect({ clientId: uid('silent'), keepalive: 1 });
    await rc.closedByBroker(3000);
    await assertRoundTrip(tb.port, 5);
  });
});

describe('max_keepalive', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker({ mqtt: { max_keepalive: 1 } });
  });
  after(async () => {
    await tb.stop();
  });

  test('[MQTT-3.2.2-21] v5 keepalive above max_keepalive gets Server Keep Alive and it is enforced', async () => {
    const rc = await RawClient.connect(tb.port, 5);
    const connack = await rc.connect({ clientId: uid('capped'), keepalive: 60 });
    assert.equal(connack.reasonCode, 0);
    assert.equal(connack.properties?.serverKeepAlive, 1);
    const t0 = Date.now();
    await rc.closedByBroker(1500 + SWEEP_SLACK_MS + 500);
    assert.ok(Date.now() - t0 >= 1400);
    assert.equal(((await rc.next('disconnect')) as IDisconnectPacket).reasonCode, 0x8d);
  });

  test('[MQTT-3.2.2-21] v5 keepalive 0 with max_keepalive set gets Server Keep Alive', async () => {
    const rc = await RawClient.connect(tb.port, 5);
    const connack = await rc.connect({ clientId: uid('zero'), keepalive: 0 });
    assert.equal(connack.properties?.serverKeepAlive, 1);
    rc.destroy();
  });

  test('v5 keepalive within max_keepalive: no Server Keep Alive', async () => {
    const rc = await RawClient.connect(tb.port, 5);
    const connack = await rc.connect({ clientId: uid('within'), keepalive: 1 });
    assert.equal(connack.properties?.serverKeepAlive, undefined);
    rc.destroy();
  });

  test('3.1.1 keepalive above max_keepalive is refused with return code 2 (as mosquitto)', async () => {
    const rc = await RawClient.connect(tb.port, 4);
    rc.write(rawConnect({ level: 4, flags: FLAG.CLEAN, clientId: uid('v4'), keepalive: 60 }));
    await rc.closedByBroker();
    assert.deepEqual([...rc.bytes()], [0x20, 0x02, 0x00, 0x02]);
  });

  test('3.1.1 keepalive within max_keepalive is accepted', async () => {
    const rc = await RawClient.connect(tb.port, 4);
    const connack = (await rc.connect({ clientId: uid('v4ok'), keepalive: 1 })) as IConnackPacket;
    assert.equal(connack.returnCode, 0);
    rc.destroy();
  });
});

describe('connect_timeout', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker({ mqtt: { connect_timeout: 1 } });
  });
  after(async () => {
    await tb.stop();
  });

  test('a socket that never sends CONNECT is closed after connect_timeout', async () => {
    const rc = await RawClient.connect(tb.port, 4);
    const t0 = Date.now();
    await rc.closedByBroker(1000 + SWEEP_SLACK_MS + 500);
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 900, `closed after ${elapsed} ms, before connect_timeout`);
    assert.equal(rc.bytes().length, 0);
  });

  test('a socket that sends half a CONNECT is closed after connect_timeout', async () => {
    const rc = await RawClient.connect(tb.port, 4);
    rc.write(rawConnect({ level: 4, flags: FLAG.CLEAN, clientId: uid('half') }).subarray(0, 6));
    await rc.closedByBroker(1000 + SWEEP_SLACK_MS + 500);
    assert.equal(rc.bytes().length, 0);
  });

  test('a socket trickling bytes of a CONNECT is still closed after connect_timeout', async () => {
    const rc = await RawClient.connect(tb.port, 4);
    const bytes = rawConnect({ level: 4, flags: FLAG.CLEAN, clientId: uid('trickle') + 'x'.repeat(40) });
    let i = 0;
    const timer = setInterval(() => {
      if (i < bytes.length && !rc.closed) rc.write(bytes.subarray(i, ++i));
    }, 100);
    try {
      await rc.closedByBroker(1000 + SWEEP_SLACK_MS + 500);
    } finally {
      clearInterval(timer);
    }
    assert.equal(rc.bytes().length, 0);
  });

  test('a client that connects in time is not affected by connect_timeout', async () => {
    const rc = await RawClient.connect(tb.port, 4);
    await rc.connect({ clientId: uid('intime'), keepalive: 0 });
    await new Promise((r) => setTimeout(r, 1800)); // prove it is NOT closed
    assert.equal(rc.closed, false);
    rc.destroy();
  });
});
