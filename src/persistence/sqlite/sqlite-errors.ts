/**
 * Mapping of SQLite failures to the gateway's `StoreError` codes.
 *
 * - `GW_ERR_STORE_FULL`    SQLITE_FULL, SQLITE_IOERR_* (disk full, I/O error,
 *                          max_page_count reached). Transient: retried.
 * - `GW_ERR_STORE_BUSY`    SQLITE_BUSY / SQLITE_LOCKED (another process holds
 *                          the file). Transient: retried.
 * - `GW_ERR_STORE_CORRUPT` SQLITE_CORRUPT / SQLITE_NOTADB.
 * - `GW_ERR_STORE`         anything else (a bug or a bad value in one op).
 */
import { ERR, StoreError, type StoreErrorCode } from '../../errors.js';

/** The SQLite result code of an error thrown by better-sqlite3, if any. */
export function sqliteCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_')) return code;
  }
  return undefined;
}

export function isCorruptionError(err: unknown): boolean {
  const code = sqliteCode(err);
  return code !== undefined && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

export function classify(err: unknown): StoreErrorCode {
  if (err instanceof StoreError) return err.code;
  const code = sqliteCode(err) ?? '';
  if (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR')) return ERR.STORE_FULL;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return ERR.STORE_BUSY;
  if (isCorruptionError(err)) return ERR.STORE_CORRUPT;
  return ERR.STORE;
}

/** Wrap any failure as a StoreError with a stable code (StoreErrors pass through). */
export function toStoreError(err: unknown, context: string): StoreError {
  if (err instanceof StoreError) return err;
  const code = classify(err);
  const detail = err instanceof Error ? err.message : String(err);
  const sqlite = sqliteCode(err);
  return new StoreError(`${context}: ${detail}${sqlite ? ` (${sqlite})` : ''}`, code, { cause: err });
}
