/**
 * V8 tier-up thresholds for a long-running broker.
 *
 * V8 optimises a function only after it has run for a while, and waits
 * again after every inline-cache change (500 invocations by default). At
 * 1,000 messages/s that keeps the packet path in the interpreter and the
 * baseline tier for 4-6 s after start, with p99 latency 2-3x its warm value
 * (docs/performance.md). A broker runs the same few functions for years, so
 * it pays to optimise them sooner. Set before the broker's modules are
 * loaded (`midge` runs this first, then imports the run path).
 *
 * The flag names differ between V8 versions: V8 11 (Node 20) counts an
 * interrupt budget in bytes of bytecode, V8 12+ (Node 22, 24) counts
 * invocations. A flag given on node's command line or in NODE_OPTIONS wins:
 * it is left alone.
 */
import v8 from 'node:v8';

/** The flags for a V8 major version; none for versions not measured. */
export function tierUpFlags(v8Version: string): string[] {
  const major = Number.parseInt(v8Version, 10);
  if (major === 11) return ['--interrupt-budget=4096', '--minimum-invocations-after-ic-update=20'];
  if (major >= 12 && major <= 13) return ['--invocation-count-for-turbofan=500', '--minimum-invocations-after-ic-update=20'];
  return [];
}

/** Applies tierUpFlags() except those the user set; returns the flags applied. */
export function tuneV8(
  v8Version = process.versions.v8,
  userArgs: readonly string[] = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)],
): string[] {
  const applied: string[] = [];
  for (const flag of tierUpFlags(v8Version)) {
    const name = flag.slice(0, flag.indexOf('='));
    const alt = `--${name.slice(2).replace(/-/g, '_')}`; // node accepts --interrupt_budget too
    if (userArgs.some((a) => a.startsWith(name) || a.startsWith(alt))) continue;
    v8.setFlagsFromString(flag);
    applied.push(flag);
  }
  return applied;
}
