/**
 * Choose the store from the configuration: SQLite in `<path>/midge.db`
 * when persistence is enabled (the directory is created with mode 0700),
 * otherwise the in-memory store.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PersistenceConfig } from '../config/types.js';
import { StoreError } from '../errors.js';
import { MemoryStore } from './memory/memory-store.js';
import type { SqliteStoreOptions, StoreLogger } from './sqlite/options.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

export const DATABASE_FILE_NAME = 'midge.db';

export function openStore(
  config: Pick<PersistenceConfig, 'enabled' | 'path' | 'synchronous'>,
  logger: StoreLogger,
  tuning: Omit<SqliteStoreOptions, 'file' | 'logger' | 'synchronous'> = {},
): MemoryStore | SqliteStore {
  if (!config.enabled) return new MemoryStore();
  try {
    mkdirSync(config.path, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new StoreError(`cannot create persistence directory ${config.path}: ${(err as Error).message}`, 'GW_ERR_STORE', {
      cause: err,
    });
  }
  return new SqliteStore({
    ...tuning,
    file: join(config.path, DATABASE_FILE_NAME),
    logger,
    synchronous: config.synchronous,
  });
}
