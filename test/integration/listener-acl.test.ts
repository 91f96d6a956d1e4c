/**
 * Per-listener ACL files (listeners[].acl_file; mosquitto `acl_file` with
 * `per_listener_settings true`): a client is checked against the file of the
 * listener it came through, a listener without one falls back to
 * auth.acl_file. Raw socket, exact SUBACK / PUBLISH bytes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { testConfig } from '../helpers/broker.js';
import { mqttString } from '../helpers/lifecycle.js';
import { tempDir } from '../helpers/midge-process.js';
import { RawClient } from '../helpers/raw-client.js';

describe('per-listener acl_file', () => {
  let dir: ReturnType<typeof tempDir>;
  let gw: Gateway;
  let ports: number[];
  before(async () => {
    dir = tempDir('midge-listener-acl-');
    writeFileSync(join(dir.path, 'acl-a'), 'topic readwrite a/#\n');
    writeFileSync(join(dir.path, 'acl-b'), 'topic readwrite b/#\n');
    writeFileSync(join(dir.path, 'acl-global'), 'topic readwrite g/#\n');
    const base = testConfig();
    const listener = base.listeners[0]!;
    const config = {
      ...base,
      listeners: [
        { ...listener, acl_file: join(dir.path, 'acl-a') },
        { ...listener, acl_file: join(dir.path, 'acl-b') },
        { ...listener }, // no file of its own: auth.acl_file
      ],
      auth: { password_file: undefined, acl_file: join(dir.path, 'acl-global') },
    };
    gw = await startGateway(config, pino({ level: 'silent' }));
    ports = gw.addresses().map((a) => a.port);
  });
  after(async () => {
    await gw.stop();
    dir.cleanup();
  });

  /** SUBACK return codes (3.1.1) for `filters`, subscribed one by one on listener `i`. */
  async function granted(i: number, filters: string[]): Promise<number[]> {
    const rc = await RawClient.connect(ports[i]!, 4);
    try {
      await rc.connect();
      const codes: number[] = [];
      for (const [n, filter] of filters.entries()) {
        const from = rc.bytes().length;
        const body = [0x00, n + 1, ...mqttString(filter), 0x00];
        rc.write([0x82, body.length, ...body]);
        await rc.next('suback');
        const bytes = [...rc.bytes().subarray(from)];
        assert.deepEqual(bytes.slice(0, 4), [0x90, 0x03, 0x00, n + 1]);
        codes.push(bytes[4]!);
      }
      return codes;
    } finally {
      rc.destroy();
    }
  }

  test('each listener applies its own file: a/# only on the first, b/# only on the second', async () => {
    assert.deepEqual(await granted(0, ['a/x', 'b/x', 'g/x']), [0x00, 0x80, 0x80]);
    assert.deepEqual(await granted(1, ['a/x', 'b/x', 'g/x']), [0x80, 0x00, 0x80]);
  });

  test('a listener without acl_file uses auth.acl_file', async () => {
    assert.deepEqual(await granted(2, ['a/x', 'b/x', 'g/x']), [0x80, 0x80, 0x00]);
  });

  test('a will is checked against the file of its client\'s listener (it was denied as if the listener were unknown)', async () => {
    const watcher = await RawClient.connect(ports[0]!, 4);
    const dying = await RawClient.connect(ports[0]!, 4);
    try {
      await watcher.connect();
      const sub = [0x00, 0x01, ...mqttString('a/will/#'), 0x00];
      watcher.write([0x82, sub.length, ...sub]);
      await watcher.next('suback');
      await dying.connect({ will: { topic: 'a/will/1', payload: Buffer.from('gone'), qos: 0, retain: false } });
      const from = watcher.bytes().length;
      dying.destroy(); // no DISCONNECT: the will is published
      await watcher.next('publish');
      assert.deepEqual([...watcher.bytes().subarray(from)], [0x30, 2 + 8 + 4, ...mqttString('a/will/1'), ...Buffer.from('gone')]);
    } finally {
      watcher.destroy();
      dying.destroy();
    }
  });
});
