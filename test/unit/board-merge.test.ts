/**
 * `--board NAME`: the shipped board config under the user's YAML, merged as
 * data (mappings key by key, lists replaced), validated as one, errors
 * still naming the user's file and line; unknown boards list the known ones.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { boardFile, boardNames, loadBoardConfig, mergeConfigData } from '../../src/config/board.js';
import { parseArgs } from '../../src/cli/args.js';
import { ConfigError } from '../../src/errors.js';
import { runMidgeCli, tempDir } from '../helpers/midge-process.js';

describe('board configs as a base', () => {
  it('mergeConfigData: mappings merged, lists and scalars replaced by the user', () => {
    assert.deepEqual(
      mergeConfigData({ a: { x: 1, y: 2 }, l: [1, 2], s: 'b' }, { a: { y: 3 }, l: [9], t: true }),
      { a: { x: 1, y: 3 }, l: [9], s: 'b', t: true },
    );
    assert.deepEqual(mergeConfigData({ a: 1 }, null), null);
    assert.deepEqual(mergeConfigData({ a: 1 }, undefined), { a: 1 });
  });

  it('every shipped board is known, aliases resolve, unknown names list the boards', () => {
    assert.ok(boardNames().includes('raspberrypi4'));
    assert.equal(boardFile('rpi4'), boardFile('raspberrypi4'));
    assert.throws(() => boardFile('nosuchboard'), (err: ConfigError) => /unknown board 'nosuchboard'; known boards: .*raspberrypi5/.test(err.message));
    assert.throws(() => boardFile('../etc/passwd'), ConfigError);
  });

  it("the user's file wins key by key; the board keeps what the user leaves out", () => {
    const dir = tempDir();
    try {
      const user = join(dir.path, 'site.yaml');
      writeFileSync(user, `persistence:\n  path: ${JSON.stringify(join(dir.path, 'data'))}\nlisteners:\n  - host: 127.0.0.1\n    port: 0\n`);
      const board = loadBoardConfig('rpi4');
      const merged = loadBoardConfig('rpi4', user);
      assert.equal(merged.persistence.path, join(dir.path, 'data'));
      assert.equal(merged.persistence.synchronous, board.persistence.synchronous);
      assert.deepEqual(merged.gpio.reserved, board.gpio.reserved, 'board pin reservations kept');
      assert.deepEqual(merged.listeners.map((l) => l.port), [0]);
      writeFileSync(user, 'mqtt:\n  max_qos: 7\n');
      assert.throws(() => loadBoardConfig('rpi4', user), (err: ConfigError) => err.file === user && err.line === 2 && err.key === 'mqtt.max_qos');
    } finally {
      dir.cleanup();
    }
  });

  it('the CLI takes --board for running and for check-config, never with a mosquitto.conf', async () => {
    const run = parseArgs(['--board', 'rpi5', '-c', 'x.yaml']);
    assert.ok(run.ok && run.command.kind === 'run' && run.command.board === 'rpi5');
    const check = parseArgs(['check-config', '--board=zero2w', 'x.yaml']);
    assert.ok(check.ok && check.command.kind === 'check-config' && check.command.board === 'zero2w');
    const bad = parseArgs(['--board', 'rpi4', '-c', 'mosquitto.conf']);
    assert.ok(!bad.ok && /--board goes with a YAML config/.test(bad.error));
    const dir = tempDir();
    try {
      const user = join(dir.path, 'site.yaml');
      writeFileSync(user, 'sys:\n  interval: 30\n');
      const r = await runMidgeCli(['check-config', '--board', 'raspberrypi4', user]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /: OK/);
      const unknown = await runMidgeCli(['check-config', '--board', 'toaster', user]);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /unknown board 'toaster'/);
    } finally {
      dir.cleanup();
    }
  });
});
