/**
 * Choose the store from the configuration: SQLite in `<path>/<file>`
 * when persistence is enabled (the directory is created with mode 0700,
 * the database and its -wal/-shm files are kept at 0600 whatever the
 * umask: they hold every queued message), otherwise the in-memory store.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { PersistenceConfig } from '../config/types.js';
import { ERR, StoreError } from '../errors.js';
import { MemoryStore } from './memory/memory-store.js';
import type { SqliteStoreOptions, StoreLogger } from './sqlite/options.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

/** The name used when `persistence.file` is absent (as in the schema's default). */
export const DEFAULT_DATABASE_FILE = 'midge.db';

/** Path of the SQLite database: `persistence.file` inside `persistence.path`. */
export function databaseFile(config: Pick<PersistenceConfig, 'path'> & Partial<Pick<PersistenceConfig, 'file'>>): string {
  return join(config.path, config.file ?? DEFAULT_DATABASE_FILE);
}

export function openStore(
  config: Pick<PersistenceConfig, 'enabled' | 'path' | 'synchronous'> & Partial<Pick<PersistenceConfig, 'commit_window_ms' | 'inflight_wait_ms' | 'file'>>,
  logger: StoreLogger,
  tuning: Omit<SqliteStoreOptions, 'file' | 'logger' | 'synchronous'> = {},
): MemoryStore | SqliteStore {
  if (!config.enabled) return new MemoryStore();
  try {
    mkdirSync(config.path, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new StoreError(`cannot create persistence directory ${config.path}: ${(err as Error).message}`, ERR.STORE, {
      cause: err,
    });
  }
  const file = databaseFile(config);
  // SQLite gives the -wal and -shm files the mode of the database file: create it private
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  const window = {
    ...(config.commit_window_ms !== undefined ? { commitWindowMs: config.commit_window_ms } : {}),
    ...(config.inflight_wait_ms !== undefined ? { settleWaitMs: config.inflight_wait_ms } : {}),
  };
  const store = new SqliteStore({ ...window, ...tuning, file, logger, synchronous: config.synchronous });
  keepPrivate(file, logger);
  return store;
}

/** chmod 0600 the database files that group or others may read (an older file, or one made fresh after corruption). */
export function keepPrivate(file: string, logger: StoreLogger): void {
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      const mode = statSync(path).mode & 0o777;
      if ((mode & 0o077) === 0) continue;
      chmodSync(path, 0o600);
      logger.warn({ file: path, was: mode.toString(8) }, 'database file was readable by other users; mode set to 0600');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn({ file: path, err }, 'cannot check the mode of a database file');
    }
  }
}
