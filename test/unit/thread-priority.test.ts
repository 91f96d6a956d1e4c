/**
 * lowerBackgroundThreads on a synthetic task directory: the main thread
 * (our own pid) is skipped, threads that cannot be changed are counted, and
 * an increment of 0 does nothing. The real /proc path is covered by
 * test/integration/thread-priority.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { lowerBackgroundThreads } from '../../src/cli/thread-priority.js';
import { tempDir } from '../helpers/midge-process.js';

test('skips the main thread, counts threads it cannot change, and does nothing at 0', { skip: process.platform !== 'linux' }, (t) => {
  const dir = tempDir();
  t.after(() => dir.cleanup());
  // our own pid is the main thread; 2^22 + 1 is above Linux's pid_max limit, so no such thread exists
  for (const tid of [String(process.pid), String(4194305), 'not-a-tid']) mkdirSync(join(dir.path, tid));
  assert.deepEqual(lowerBackgroundThreads(19, dir.path), { lowered: 0, unchanged: 0, failed: 1 });
  assert.deepEqual(lowerBackgroundThreads(0, dir.path), { lowered: 0, unchanged: 0, failed: 0 });
  assert.deepEqual(lowerBackgroundThreads(19, join(dir.path, 'missing')), { lowered: 0, unchanged: 0, failed: 0 });
});
