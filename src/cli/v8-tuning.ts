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

/** The V8 flags given to node on its command line and in NODE_OPTIONS. */
function nodeArgs(): string[] {
  return [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)];
}

/** True when `userArgs` set the flag `name` (`--interrupt-budget`), in either spelling. */
function userSet(name: string, userArgs: readonly string[]): boolean {
  const alt = `--${name.slice(2).replace(/-/g, '_')}`; // node accepts --interrupt_budget too
  return userArgs.some((a) => a.startsWith(name) || a.startsWith(alt));
}

/** Applies tierUpFlags() except those the user set; returns the flags applied. */
export function tuneV8(v8Version = process.versions.v8, userArgs: readonly string[] = nodeArgs()): string[] {
  const applied: string[] = [];
  for (const flag of tierUpFlags(v8Version)) {
    if (userSet(flag.slice(0, flag.indexOf('=')), userArgs)) continue;
    v8.setFlagsFromString(flag);
    applied.push(flag);
  }
  return applied;
}

const GROWTH_FLAG = '--semi-space-growth-factor';

/**
 * A setter for V8's young-generation growth factor (broker/young-gen.ts),
 * read by V8 each time it grows the young generation (V8 11-13); undefined
 * for other versions or when the user set the flag.
 */
export function youngGenGrowthSetter(v8Version = process.versions.v8, userArgs: readonly string[] = nodeArgs()): ((factor: number) => void) | undefined {
  const major = Number.parseInt(v8Version, 10);
  if (!(major >= 11 && major <= 13) || userSet(GROWTH_FLAG, userArgs)) return undefined;
  return (factor) => v8.setFlagsFromString(`${GROWTH_FLAG}=${factor}`);
}
