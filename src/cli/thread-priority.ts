/**
 * `process.background_nice`: lower the scheduling priority of Node's
 * background threads (V8's compiler and GC helpers, libuv's thread pool) so
 * that the event-loop thread, which carries every MQTT packet, wins the CPU
 * when a small board has more runnable threads than cores.
 *
 * Why: on a 2-core machine the V8 platform workers (TurboFan compiling hot
 * functions, concurrent marking) compete with the event loop and with the
 * clients on the same box; a woken event loop then waits a scheduler slice
 * (1-4 ms) before it reads the packet. Measured with the shared bench's
 * latency scenario (1,000 msg/s), docs/performance.md.
 *
 * Linux only: there a thread id is a process id for setpriority(2), so
 * `os.setPriority(tid, n)` changes that one thread. Raising a nice value
 * needs no privilege. The main thread (tid = pid) is never touched.
 */
import { readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import os from 'node:os';
import type { Logger } from 'pino';

export interface NiceResult {
  /** Threads whose nice value was raised. */
  lowered: number;
  /** Threads already at or above the target. */
  unchanged: number;
  /** Threads that could not be changed (gone, or refused). */
  failed: number;
}

const MAX_NICE = 19;

/** Raises every non-main thread of this process to (main thread's nice + increment), capped at 19. */
export function lowerBackgroundThreads(increment: number, taskDir = '/proc/self/task'): NiceResult {
  const result: NiceResult = { lowered: 0, unchanged: 0, failed: 0 };
  if (increment <= 0 || process.platform !== 'linux') return result;
  const target = Math.min(MAX_NICE, os.getPriority(0) + increment);
  let tids: string[];
  try {
    tids = readdirSync(taskDir);
  } catch {
    return result; // no /proc (a minimal chroot): nothing to do
  }
  for (const entry of tids) {
    const tid = Number(entry);
    if (!Number.isInteger(tid) || tid === process.pid) continue;
    try {
      if (os.getPriority(tid) >= target) {
        result.unchanged++;
      } else {
        os.setPriority(tid, target);
        result.lowered++;
      }
    } catch {
      result.failed++; // the thread ended between readdir and setpriority, or a security module refused
    }
  }
  return result;
}

/**
 * For `midge` itself (not for an embedding application): make sure libuv's
 * thread pool exists (it starts on first use), lower every background
 * thread once the gateway listens, and again a little later for threads
 * started since. Logs what it did at debug level.
 */
export async function lowerBackgroundThreadsAtStart(increment: number, logger: Logger, laterMs = 10_000): Promise<void> {
  if (increment <= 0 || process.platform !== 'linux') return;
  await stat('.').catch(() => undefined); // one thread-pool job starts the pool's threads
  const first = lowerBackgroundThreads(increment);
  logger.debug({ ...first, increment }, 'background threads niced');
  const timer = setTimeout(() => {
    const later = lowerBackgroundThreads(increment);
    if (later.lowered > 0) logger.debug({ ...later, increment }, 'background threads started after start-up niced');
  }, laterMs);
  timer.unref();
}
