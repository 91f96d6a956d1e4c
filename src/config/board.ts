/**
 * Board configs (`board-configs/<name>.yaml`, shipped with Midge) as a base
 * under the user's YAML: `midge --board raspberrypi4 -c site.yaml`. The two
 * files are merged as data before validation: mappings key by key, the
 * user's value winning; lists (listeners, bridges, gpio.pins...) are taken
 * whole from the user's file when it has them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ConfigError } from '../errors.js';
import { readConfigData } from './load.js';
import { isPlainObject, validateConfig } from './validate.js';
import type { MidgeConfig } from './types.js';

/** Short names people use for the boards. */
const ALIASES: Record<string, string> = { rpi3: 'raspberrypi3', rpi4: 'raspberrypi4', rpi5: 'raspberrypi5', pi3: 'raspberrypi3', pi4: 'raspberrypi4', pi5: 'raspberrypi5' };

/** The shipped board-configs/ directory (next to package.json, above dist/ or build/). */
export function boardConfigDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'board-configs')) && existsSync(join(dir, 'package.json'))) return join(dir, 'board-configs');
    dir = dirname(dir);
  }
  throw new ConfigError('board-configs/ is not installed next to midge');
}

export function boardNames(): string[] {
  return readdirSync(boardConfigDir()).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
}

export function boardFile(name: string): string {
  const file = join(boardConfigDir(), `${ALIASES[name] ?? name}.yaml`);
  if (!/^[a-z0-9-]+$/.test(name) || !existsSync(file)) {
    throw new ConfigError(`--board: unknown board '${name}'; known boards: ${boardNames().join(', ')} (aliases ${Object.keys(ALIASES).join(', ')})`);
  }
  return file;
}


/** `over` on top of `base`: mappings merged key by key, anything else (lists too) replaced. */
export function mergeConfigData(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeConfigData(base[k], v) : v;
  return out;
}

/** The board's config with the user's YAML file (optional) on top, validated as one. */
export function loadBoardConfig(board: string, userPath?: string): MidgeConfig {
  const file = boardFile(board);
  let base: unknown;
  try {
    base = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`board config ${file} is broken: ${(err as Error).message}`);
  }
  if (userPath === undefined) return validateConfig(base, { file });
  const user = readConfigData(userPath);
  return validateConfig(mergeConfigData(base, user.data), { file: userPath, lineOf: user.lineOf });
}
