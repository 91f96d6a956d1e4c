/** Listener limits and broker start/stop with clients attached. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { connect } from '../helpers/clients.js';
import { uid, whenClosed } from '../helpers/lifecycle.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

describe('listeners', () => {
  test('max_connections: a connection beyond the limit is closed, a slot frees on close', async () => {
    const tb = await startBroker({ listener: { max_connections: 1 } });
    try {
      const a = await RawClient.connect(tb.port, 4);
      await a.connect({ clientId: uid('first') });
      const b = await RawClient.connect(tb.port, 4);
      b.write([0x10]); // whatever it sends, it is gone
      await b.closedByBroker();
      assert.equal(b.bytes().length, 0);
      a.destroy();
      await waitFor(() => tb.broker.connections.size === 0, 2000, 'first connection to be gone');
      const c = await RawClient.connect(tb.port, 4);
      assert.equal((await c.connect({ clientId: uid('third') })).returnCode, 0);
      c.destroy();
    } finally {
      await tb.stop();
    }
  });

  test('stop() with connected clients finishes, closes every client and the port', async () => {
    const tb = await startBroker();
    const clients = await Promise.all([4, 5, 4, 5].map((protocolVersion) => connect(tb.port, { protocolVersion: protocolVersion as 4 | 5 })));
    const raw = await RawClient.connect(tb.port, 4); // never sends CONNECT
    await withTimeout(tb.stop(), 5000, 'broker.stop() with clients attached');
    await Promise.all(clients.map((c) => whenClosed(c.client)));
    await raw.closedByBroker();
    await assert.rejects(
      new Promise((resolve, reject) => net.connect({ host: '127.0.0.1', port: tb.port }, () => resolve(undefined)).once('error', reject)),
      /ECONNREFUSED/,
    );
  });

  test('stop() is idempotent', async () => {
    const tb = await startBroker();
    await tb.stop();
    await withTimeout(tb.stop(), 1000, 'second stop()');
  });
});
