/**
 * V8 flags for a long-running broker, set by the `midge` command (never by
 * code that embeds the broker):
 *
 * - During start-up (beginStartup, before the run path's ~300 modules are
 *   imported): no optimising compiler and no young-generation growth. The
 *   start-up code (module resolution, config parsing) runs once; optimising
 *   it and growing the young generation for its garbage only left memory
 *   behind: idle RSS 63 -> 55 MB on Node 20 (docs/performance.md). Both are
 *   restored once the gateway listens.
 * - After start-up (tuneV8): earlier tier-up. V8 optimises a function only
 *   after it has run for a while, and waits again after every inline-cache
 *   change (500 invocations by default). At 1,000 messages/s that keeps the
 *   packet path in the interpreter and the baseline tier for 4-6 s, with p99
 *   latency 2-3x its warm value. A broker runs the same few functions for
 *   years, so it pays to optimise them sooner.
 *
 * The flag names differ between V8 versions: V8 11 (Node 20) counts an
 * interrupt budget in bytes of bytecode, V8 12+ (Node 22, 24) counts
 * invocations. A flag given on node's command line or in NODE_OPTIONS wins:
 * it is left alone.
 */
import v8 from 'node:v8';
import { DEFAULT_GROWTH_FACTOR } from '../broker/young-gen.js';

const GROWTH_FLAG = '--semi-space-growth-factor';

/** The major version of a V8 version string; NaN when it has none. */
function v8Major(v8Version: string): number {
  return Number.parseInt(v8Version, 10);
}

/** V8 versions the flags here were measured on: 11 (Node 20), 12 (Node 22), 13 (Node 24). */
function measured(major: number): boolean {
  return major >= 11 && major <= 13;
}

/** The flags for a V8 major version; none for versions not measured. */
export function tierUpFlags(v8Version: string): string[] {
  const major = v8Major(v8Version);
  if (major === 11) return ['--interrupt-budget=4096', '--minimum-invocations-after-ic-update=20'];
  if (measured(major)) return ['--invocation-count-for-turbofan=500', '--minimum-invocations-after-ic-update=20'];
  return [];
}

/** The V8 flags given to node on its command line and in NODE_OPTIONS. */
function nodeArgs(): string[] {
  return [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)];
}

/** True when `userArgs` set the flag of `flag` (`--interrupt-budget=4096`, `--no-opt`), in either spelling, negated or not. */
function userSet(flag: string, userArgs: readonly string[]): boolean {
  const base = flag.split('=')[0]!.replace(/^--(no-)?/, '');
  const names = [base, `no-${base}`].flatMap((n) => [`--${n}`, `--${n.replace(/-/g, '_')}`]); // node accepts --interrupt_budget too
  return userArgs.some((a) => names.some((n) => a === n || a.startsWith(`${n}=`)));
}

/** Start-up flags for a V8 major version, each with the flag that restores V8's default afterwards. */
export function startupFlags(v8Version: string): Array<[set: string, restore: string]> {
  const major = v8Major(v8Version);
  if (!measured(major)) return [];
  const pairs: Array<[string, string]> = [
    ['--no-opt', '--opt'],
    [`${GROWTH_FLAG}=1`, `${GROWTH_FLAG}=${DEFAULT_GROWTH_FACTOR}`],
  ];
  if (major === 13) pairs.push(['--no-maglev', '--maglev']); // on by default from V8 13 (Node 24)
  return pairs;
}

/**
 * Sets the start-up flags (those the user did not set); returns the function
 * that restores them once the gateway listens, which returns what it restored.
 */
export function beginStartup(v8Version = process.versions.v8, userArgs: readonly string[] = nodeArgs()): () => string[] {
  const applied = startupFlags(v8Version).filter(([set]) => !userSet(set, userArgs));
  for (const [set] of applied) v8.setFlagsFromString(set);
  return () => {
    for (const [, restore] of applied) v8.setFlagsFromString(restore);
    return applied.map(([, restore]) => restore);
  };
}

/** Applies tierUpFlags() except those the user set; returns the flags applied. */
export function tuneV8(v8Version = process.versions.v8, userArgs: readonly string[] = nodeArgs()): string[] {
  const applied = tierUpFlags(v8Version).filter((flag) => !userSet(flag, userArgs));
  for (const flag of applied) v8.setFlagsFromString(flag);
  return applied;
}

/**
 * A setter for V8's young-generation growth factor (broker/young-gen.ts),
 * read by V8 each time it grows the young generation (V8 11-13); undefined
 * for other versions or when the user set the flag.
 */
export function youngGenGrowthSetter(v8Version = process.versions.v8, userArgs: readonly string[] = nodeArgs()): ((factor: number) => void) | undefined {
  if (!measured(v8Major(v8Version)) || userSet(GROWTH_FLAG, userArgs)) return undefined;
  return (factor) => v8.setFlagsFromString(`${GROWTH_FLAG}=${factor}`);
}
