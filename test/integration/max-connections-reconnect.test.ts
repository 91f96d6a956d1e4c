/**
 * max_connections counts a client until it ends its side of the connection
 * (issue 18): a client that closes and reconnects at once must not be
 * refused because its old socket waits for Node's 'close' — which, when the
 * broker still has bytes for a client that stopped reading, never comes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { uid } from '../helpers/lifecycle.js';
import { RawClient } from '../helpers/raw-client.js';
import { connectedRaw } from '../helpers/raw-expect.js';
import { waitFor } from '../helpers/wait.js';
import type { ConnectionContext } from '../../src/broker/context.js';

const MAX = 2;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);

describe('max_connections and clients that reconnect at once', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker({ listener: { max_connections: MAX } });
  });
  after(async () => {
    await tb.stop();
  });

  const serverSide = (clientId: string | undefined): ConnectionContext => {
    const conn = [...tb.broker.connections].find((c) => c.clientId === clientId);
    assert.ok(conn, `no connection for ${clientId}`);
    return conn;
  };

  /** A connected client that has stopped reading while the broker still has bytes queued for it. */
  async function stuckClient(): Promise<RawClient> {
    const topic = uid('stuck');
    const rc = await connectedRaw(tb.port, 4, 'stuck');
    rc.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 0 }] });
    await rc.next('suback');
    rc.socket.pause();
    const conn = serverSide(rc.clientId);
    // fill the loopback buffers until Node itself holds unsent bytes (checked after the tick's uncork)
    for (let i = 0; i < 1000 && conn.socket.writableLength === 0; i++) {
      tb.broker.bus.publish(topic, CHUNK);
      await tick();
    }
    assert.ok(conn.socket.writableLength > 0, 'broker holds unsent bytes for the paused client');
    return rc;
  }

  test('clients that half-close with unsent bytes pending and reconnect at once are admitted; the old sockets are then destroyed', async () => {
    const stuck: RawClient[] = [];
    for (let i = 0; i < MAX; i++) stuck.push(await stuckClient());
    const old = stuck.map((rc) => serverSide(rc.clientId).socket);
    for (const rc of stuck) rc.socket.end(); // FIN, still not reading: the broker cannot finish its close
    // reconnect as soon as the broker has read the FINs (not before: that race no server can win)
    await waitFor(() => old.every((s) => s.readableEnded), 3000, 'the broker to read the FINs');
    assert.ok(old.every((s) => !s.closed), 'the old sockets are still open');
    const fresh: RawClient[] = [];
    try {
      for (let i = 0; i < MAX; i++) {
        const rc = await RawClient.connect(tb.port, 4);
        fresh.push(rc);
        const connack = await rc.connect({ clientId: uid('again') });
        assert.equal(connack.returnCode, 0);
      }
      // the half-closed sockets do not keep their descriptors: destroyed after the grace period
      await waitFor(() => tb.broker.connections.size === MAX, 6000, 'the half-closed connections to go');
      for (const rc of fresh) assert.equal(rc.closed, false);
    } finally {
      for (const rc of [...stuck, ...fresh]) rc.destroy();
    }
  });
});
