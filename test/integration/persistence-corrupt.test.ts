/**
 * A corrupt database (garbage bytes, as after a bad SD card write) must not
 * stop the gateway: the real midge process moves the file aside, says so in
 * its log, starts with a fresh store and works.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from '../helpers/clients.js';
import { persistentConfig, startMidge, tempDir } from '../helpers/midge-process.js';

test('a garbage database file is moved aside with a log line and midge starts fresh', async (t) => {
  const dir = tempDir();
  t.after(() => dir.cleanup());
  const data = join(dir.path, 'data');
  mkdirSync(data, { mode: 0o700 });
  writeFileSync(join(data, 'midge.db'), Buffer.alloc(8192, 0x5a));
  const midge = await startMidge(dir.path, persistentConfig(data));
  t.after(() => midge.proc.kill('SIGKILL'));
  assert.match(midge.output(), /corrupt/i, 'the log says what happened');
  assert.ok(readdirSync(data).some((f) => f.startsWith('midge.db.corrupt-')), `moved aside: ${readdirSync(data).join(', ')}`);

  const sub = await connect(midge.port, { clientId: 'after-corrupt', clean: false });
  t.after(() => sub.end(true));
  await sub.client.subscribeAsync('c/#', { qos: 1 });
  const pub = await connect(midge.port);
  t.after(() => pub.end(true));
  await pub.client.publishAsync('c/1', 'works', { qos: 1, retain: true });
  const [m] = await sub.waitMessages(1);
  assert.equal(m!.payload.toString(), 'works');
  assert.equal(await midge.stop('SIGTERM'), 0);
});
