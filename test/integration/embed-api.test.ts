/**
 * The embedding API (src/embed/, docs/embedding.md) from the source tree:
 * partial config validated with defaults, hooks and events around a real
 * MQTT client, in-process publish/subscribe, a throwing event listener
 * that harms nothing, and an idempotent stop.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ConfigError, startGateway, type ClientInfo, type StoredMessage } from '../../src/index.js';
import { connect } from '../helpers/clients.js';
import { waitFor } from '../helpers/wait.js';

const quiet = () => pino({ level: 'warn' }, new Writable({ write: (_c, _e, cb) => cb() }));

describe('embedding API', () => {
  test('a bad config key is a ConfigError naming it, before anything listens', async () => {
    await assert.rejects(startGateway({ config: { listeners: [{ port: 70000 }] }, logger: quiet() }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /listeners\[0\]\.port/);
      return true;
    });
  });

  test('hooks, events, in-process messages, idempotent stop', async () => {
    const hooked: string[] = [];
    const gateway = await startGateway({
      config: { listeners: [{ host: '127.0.0.1', port: 0 }], persistence: { enabled: false }, sys: { interval: 0 } },
      hooks: {
        authorizePublish: (_client, topic) => !topic.startsWith('forbidden/'),
        onPublish: (message) => void hooked.push(message.topic),
      },
      logger: quiet(),
    });
    assert.equal(gateway.config.mqtt.max_topic_levels, 201, 'defaults filled in');
    const port = gateway.addresses()[0]!.port;
    assert.ok(port > 0);

    const connected: ClientInfo[] = [];
    const disconnected: ClientInfo[] = [];
    const published: Array<[StoredMessage, ClientInfo | null]> = [];
    gateway.on('clientConnected', (c) => void connected.push(c));
    gateway.on('clientDisconnected', (c) => void disconnected.push(c));
    gateway.on('publish', () => {
      throw new Error('a broken listener');
    });
    gateway.on('publish', (m, c) => void published.push([m, c]));
    const local: StoredMessage[] = [];
    const unsubscribe = gateway.subscribe('app/#', (m) => void local.push(m));

    const client = await connect(port, { clientId: 'embed-1' });
    await waitFor(() => connected.length === 1, 5000, 'clientConnected');
    assert.equal(connected[0]!.clientId, 'embed-1');
    await client.client.subscribeAsync('down/#', { qos: 1 });
    await client.client.publishAsync('app/x', 'hi', { qos: 1 });
    await client.client.publishAsync('forbidden/x', 'no', { qos: 1 });
    await waitFor(() => published.length === 1 && local.length === 1, 5000, 'publish event and local message');
    assert.deepEqual(hooked, ['app/x'], 'onPublish hook: only the authorized message');
    assert.equal(published[0]![0].payload.toString(), 'hi');
    assert.equal(published[0]![1]?.clientId, 'embed-1');
    assert.equal(local[0]!.topic, 'app/x');

    assert.equal(gateway.publish('down/cmd', 'go', { qos: 1 }), 1);
    await waitFor(() => client.messages.length === 1, 5000, 'in-process publish at the client');
    assert.equal(client.messages[0]!.payload.toString(), 'go');
    unsubscribe();
    assert.deepEqual(gateway.bridges(), []);

    const first = gateway.stop();
    assert.equal(gateway.stop(), first, 'stop twice: the same promise');
    await first;
    await gateway.stop();
    assert.equal(disconnected.length, 1, 'clientDisconnected for the client the stop closed');
    await client.end().catch(() => undefined);
  });
});
