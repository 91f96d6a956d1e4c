/**
 * One full garbage collection right after start-up, before traffic.
 *
 * Loading ~300 modules and the config leaves a few MB of garbage in the old
 * generation; V8 otherwise collects it 1-2 s after start with a Mark-Compact
 * and a large scavenge (4-8 ms on the main thread on a 2-core VM), which
 * then lands on the first clients' packets (docs/performance.md, latency).
 * Doing it here costs ~5 ms once, before anyone waits.
 *
 * There is no public API for a collection without `--expose-gc` on the
 * command line; setting the flag at run time makes `gc` available in new
 * contexts, which is the documented behaviour of `v8.setFlagsFromString`
 * for this flag (used the same way by Node's own tests). Failure is harmless.
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Runs a full collection; returns its duration in ms, or undefined when not possible. */
export function collectStartupGarbage(): number | undefined {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    if (typeof gc !== 'function') return undefined;
    const started = process.hrtime.bigint();
    gc();
    return Number(process.hrtime.bigint() - started) / 1e6;
  } catch {
    return undefined;
  }
}
