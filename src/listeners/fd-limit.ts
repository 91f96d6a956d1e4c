/**
 * The process's open-file limit (RLIMIT_NOFILE soft limit), read from
 * /proc/self/limits on Linux; Infinity where it cannot be read. At the
 * limit libuv accepts and closes new connections itself (it keeps a spare
 * descriptor for that) without telling the application, so the broker
 * warns when its connection count nears the limit instead.
 */
import { readFileSync } from 'node:fs';

export function readFdLimit(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
  } catch {
    return Infinity;
  }
}

/** Connections at which to warn: 90% of the limit, and at least 32 descriptors below it (the store, logs, timers). */
export function fdWarningThreshold(limit: number): number {
  return Math.max(1, Math.min(Math.floor(limit * 0.9), limit - 32));
}
