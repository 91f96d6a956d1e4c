/**
 * The real `midge` process with a `serial:` section: config file → gateway
 * → serial adapter → broker, observed with mosquitto_sub and commanded with
 * mosquitto_pub, the device played on a socat pseudo-terminal. Also: a
 * configured port that does not exist does not stop the gateway.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startMidge, tempDir, type MidgeProcess } from '../helpers/midge-process.js';
import { openSimDevice, startPtyPair } from '../helpers/pty.js';
import { waitFor } from '../helpers/wait.js';

describe('midge -c with serial devices', () => {
  const dir = tempDir('midge-serial-cli-');
  let midge: MidgeProcess | undefined;

  after(async () => {
    await midge?.stop().catch(() => undefined);
    dir.cleanup();
  });

  it('publishes device lines, writes set payloads, and keeps running with a missing port', async () => {
    const devicePath = join(dir.path, 'ttyESP');
    const pty = await startPtyPair(devicePath, join(dir.path, 'peer'));
    const device = await openSimDevice(pty.peerPath);
    try {
      const yaml = [
        'log:', '  level: info', '  format: json',
        'listeners:', '  - host: 127.0.0.1', '    port: 0',
        'persistence:', '  enabled: false',
        'serial:',
        '  - name: esp-1', `    path: ${JSON.stringify(devicePath)}`, '    topic_prefix: gw/cli', '    boot_window_ms: 0',
        '  - name: absent', `    path: ${JSON.stringify(join(dir.path, 'nothing-here'))}`, '    topic_prefix: gw/cli',
      ].join('\n');
      midge = await startMidge(dir.path, yaml);
      const port = String(midge.port);
      const sub = spawn('mosquitto_sub', ['-p', port, '-t', 'gw/cli/#', '-v', '-q', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let seen = '';
      sub.stdout.on('data', (c: Buffer) => (seen += c.toString()));
      try {
        // retained availability of both devices arrives on subscribe
        await waitFor(() => /gw\/cli\/esp-1\/availability online/.test(seen) && /gw\/cli\/absent\/availability offline/.test(seen), 10000, `availability; got ${seen}`);
        // the subscription is in place (retained availability came); one line is enough
        await device.write('{"temperature":21.5}\n');
        await waitFor(() => /gw\/cli\/esp-1\/temperature 21\.5/.test(seen), 10000, `temperature; got ${seen}`);
        assert.match(seen, /gw\/cli\/esp-1\/state \{"timestamp":"[^"]+","temperature":21\.5\}/);
        const pub = spawnSync('mosquitto_pub', ['-p', port, '-t', 'gw/cli/esp-1/set', '-m', 'PING', '-q', '1'], { timeout: 10000 });
        assert.equal(pub.status, 0, pub.stderr?.toString());
        await device.waitReceived(/PING\n$/);
      } finally {
        sub.kill();
      }
      assert.equal(midge.proc.exitCode, null, 'still running');
      assert.match(midge.output(), /serial device not available: .*nothing-here: no such device/);
      assert.equal(await midge.stop(), 0);
      midge = undefined;
    } finally {
      await device.close();
      await pty.unplug();
    }
  });
});
