/**
 * Cross-field checks of `bridges[]`: everything `planBridge` needs (required
 * keys per type, topic lines, addresses, restart_timeout), unique names,
 * and readable certificate files, reported against the offending key.
 */
import { accessSync, constants } from 'node:fs';
import { BridgePlanError, planBridge } from './bridge-plan.js';
import { describeFsError } from '../fs-error.js';
import type { MidgeConfig } from './types.js';
import type { BridgeConfig } from './types.js';

type Fail = (message: string, path: ReadonlyArray<string | number>) => never;

const FILES = ['cafile', 'certfile', 'keyfile'] as const;

export function checkBridges(config: MidgeConfig, fail: Fail): void {
  const names = new Map<string, number>();
  config.bridges.forEach((b: BridgeConfig, i) => {
    try {
      planBridge(b);
    } catch (err) {
      if (!(err instanceof BridgePlanError)) throw err;
      fail(err.message, err.index === undefined ? ['bridges', i, err.key] : ['bridges', i, err.key, err.index]);
    }
    const first = names.get(b.name!);
    if (first !== undefined) fail(`duplicate bridge name '${b.name}' (same as bridges[${first}]); each bridge needs its own queue`, ['bridges', i, 'name']);
    names.set(b.name!, i);
    for (const key of FILES) {
      const file = b[key];
      if (file === undefined) continue;
      try {
        accessSync(file, constants.R_OK);
      } catch (err) {
        fail(`cannot read ${file}: ${describeFsError(err)}`, ['bridges', i, key]);
      }
    }
  });
}
