/**
 * process.background_nice against the real midge process: once it listens,
 * every thread but the event loop (V8's compiler/GC workers, libuv's pool)
 * runs at the configured nice increment, the main thread keeps the
 * process's priority, and 0 leaves every thread alone. Also the V8 tier-up
 * flags set after start-up (src/cli/v8-tuning.ts). Read from
 * /proc/PID/task/TID/stat (field 19, nice), as `ps -L -o ni` does.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { startMidge, tempDir } from '../helpers/midge-process.js';
import { waitFor } from '../helpers/wait.js';

/** nice value of each thread of `pid`, keyed by thread id. */
function threadNice(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
      out.set(Number(tid), Number(fields[19 - 3]));
    } catch {
      // the thread ended while we listed them
    }
  }
  return out;
}

const config = (extra: string) => ['log:', '  level: debug', '  format: json', 'listeners:', '  - host: 127.0.0.1', '    port: 0', 'persistence:', '  enabled: false', extra].join('\n');

function others(pid: number): number[] {
  return [...threadNice(pid)].filter(([tid]) => tid !== pid).map(([, nice]) => nice);
}

for (const [label, extra, expected] of [
  ['default (19)', '', 19],
  ['background_nice: 5', 'process:\n  background_nice: 5', 5],
] as const) {
  test(`${label}: background threads run at nice ${expected}, the event-loop thread at 0`, { skip: process.platform !== 'linux' }, async (t) => {
    const dir = tempDir();
    t.after(() => dir.cleanup());
    const midge = await startMidge(dir.path, config(extra));
    t.after(() => midge.stop());
    const pid = midge.proc.pid!;
    await waitFor(() => others(pid).length > 0 && others(pid).every((n) => n === expected), 5000, `every background thread at nice ${expected}, got ${others(pid)}`);
    assert.ok(others(pid).length >= 4, `V8 workers and libuv's pool exist (${others(pid).length} threads)`);
    assert.equal(threadNice(pid).get(pid), 0, 'the event-loop thread keeps the process priority');
  });
}

test('background_nice: 0 leaves every thread at the process priority', { skip: process.platform !== 'linux' }, async (t) => {
  const dir = tempDir();
  t.after(() => dir.cleanup());
  const midge = await startMidge(dir.path, config('process:\n  background_nice: 0'));
  t.after(() => midge.stop());
  // the collection and the renicing run in the same step after listening: wait for the first one's log line
  await waitFor(() => midge.output().includes('start-up garbage collected'), 5000, 'the start-up collection log line');
  const pid = midge.proc.pid!;
  assert.ok(threadNice(pid).size >= 5);
  assert.deepEqual([...new Set(threadNice(pid).values())], [0]);
});

test('after start-up the V8 tier-up flags are set (logged at debug) unless node was given its own', async (t) => {
  const dir = tempDir();
  t.after(() => dir.cleanup());
  const midge = await startMidge(dir.path, config(''));
  t.after(() => midge.stop());
  await waitFor(() => midge.output().includes('V8 tier-up flags set'), 5000, 'the tier-up log line');
  assert.match(midge.output(), /"flags":\["--(interrupt-budget|invocation-count-for-turbofan)=\d+"/);
});
