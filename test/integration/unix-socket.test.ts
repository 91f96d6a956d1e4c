/** Unix domain socket listeners (socket_path): MQTT.js and mosquitto_pub over the socket, stale socket files, cleanup. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '../helpers/clients.js';
import { run, uid } from '../helpers/lifecycle.js';
import { startLoggedBroker } from '../helpers/log-capture.js';
import { tempDir } from '../helpers/midge-process.js';
import { withTimeout } from '../helpers/wait.js';

const MOSQUITTO_UNIX = /--unix/.test(spawnSync('mosquitto_pub', ['--help'], { encoding: 'utf8' }).stdout ?? '');

describe('Unix socket listeners', () => {
  test('socket_path: MQTT.js over the Unix socket talks to a TCP client; the socket file is removed on stop', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'midge.sock');
    const lb = await startLoggedBroker([{ port: 0 }, { socket_path: path, host: '0.0.0.0' }]);
    try {
      assert.deepEqual(lb.addresses()[1], { host: path, port: 0, protocol: 'mqtt', socketPath: path, tls: false });
      await lb.waitLog(new RegExp(`listening on unix:${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
      for (const protocolVersion of [4, 5] as const) {
        const topic = uid('unix');
        const tcp = await connect(lb.port(0), { protocolVersion });
        await tcp.client.subscribeAsync(topic, { qos: 1 });
        // no username: a Unix socket is local, so allow_anonymous defaults to true even with host 0.0.0.0
        const local = await connect(0, { protocol: 'mqtt', unixSocket: true, path, protocolVersion } as never);
        await local.client.publishAsync(topic, 'via unix socket', { qos: 1 });
        assert.equal((await tcp.waitMessages(1))[0]!.payload.toString(), 'via unix socket');
        await local.end();
        await tcp.end();
      }
    } finally {
      await lb.stop();
      assert.equal(existsSync(path), false, 'socket file removed on stop');
      dir.cleanup();
    }
  });

  test('socket_path: mosquitto_pub --unix publishes through the socket', { skip: MOSQUITTO_UNIX ? false : 'mosquitto_pub without --unix' }, async () => {
    const dir = tempDir();
    const path = join(dir.path, 'm.sock');
    const lb = await startLoggedBroker([{ socket_path: path }, { port: 0 }]);
    try {
      const topic = uid('mosq-unix');
      const sub = await connect(lb.port(1));
      await sub.client.subscribeAsync(topic, { qos: 1 });
      const r = await run('mosquitto_pub', ['--unix', path, '-t', topic, '-q', '1', '-m', 'hello']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await sub.waitMessages(1))[0]!.payload.toString(), 'hello');
      await sub.end();
    } finally {
      await lb.stop();
      dir.cleanup();
    }
  });

  test('socket_path: a stale socket file (nobody listening) is replaced; a live one is "address in use"', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'stale.sock');
    // a process that dies without cleaning up (SIGKILL) leaves its socket file behind
    const crashed = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await withTimeout(new Promise((resolve) => crashed.stdout.once('data', resolve)), 5000, 'helper listening');
    crashed.kill('SIGKILL');
    await withTimeout(new Promise((resolve) => crashed.once('exit', resolve)), 5000, 'helper killed');
    const live = await startLoggedBroker([{ socket_path: join(dir.path, 'live.sock') }]);
    try {
      assert.equal(existsSync(path), true, 'stale socket file left behind');
      const lb = await startLoggedBroker([{ socket_path: path }]);
      const c = await connect(0, { protocol: 'mqtt', unixSocket: true, path } as never);
      await c.end();
      await lb.stop();
      await assert.rejects(startLoggedBroker([{ socket_path: join(dir.path, 'live.sock') }]), /EADDRINUSE/);
    } finally {
      await live.stop();
      dir.cleanup();
    }
  });

  test('config: two listeners on one socket_path are a ConfigError; ws_path needs websockets', async () => {
    await assert.rejects(startLoggedBroker([{ socket_path: '/tmp/x.sock' }, { socket_path: '/tmp/x.sock' }]), /duplicate listener unix:\/tmp\/x\.sock/);
    await assert.rejects(startLoggedBroker([{ port: 0, ws_path: '/mqtt' }]), /ws_path only applies to protocol: websockets/);
  });
});
