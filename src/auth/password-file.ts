/**
 * mosquitto's password file: one `user:hash` per line, `#` comments and blank
 * lines ignored. Read by the broker (`auth.password_file`) and read/written by
 * `midge passwd`. Writes are atomic (temporary file + rename) with mode 0600.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';
import { describeFsError } from '../fs-error.js';
import { parsePasswordHash } from './password-hash.js';
import type { PasswordHash } from './password-hash.js';

export interface PasswordEntry {
  username: string;
  /** The hash text as written in the file. */
  encoded: string;
  hash: PasswordHash;
  line: number;
}

/** Parsed password file: username → entry (a later duplicate replaces an earlier one, as in mosquitto). */
export type PasswordDb = Map<string, PasswordEntry>;

/** Told about each line skipped by a lenient parse: a `ConfigError` naming the file and line. */
export type SkippedLine = (problem: ConfigError) => void;

/**
 * Parses password file text. A bad line is a `ConfigError` naming `file` and
 * the line; with `onSkip` (the broker's reading) the line is skipped and
 * reported instead, as mosquitto does (security_default.c: "Invalid line in
 * password file", "removing entry"), so one bad entry does not lock every
 * user out. `midge passwd` parses strictly: it rewrites the file.
 */
export function parsePasswordFile(text: string, file?: string, onSkip?: SkippedLine): PasswordDb {
  const db: PasswordDb = new Map();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\s+$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const problem = parseLine(line);
    if (typeof problem === 'string') {
      const err = new ConfigError(problem, { file, line: i + 1 });
      if (!onSkip) throw err;
      onSkip(err);
      continue;
    }
    db.set(problem.username, { ...problem, line: i + 1 });
  }
  return db;
}

/** One non-comment line: the entry, or what is wrong with it. */
function parseLine(line: string): Omit<PasswordEntry, 'line'> | string {
  const colon = line.indexOf(':');
  if (colon < 0) return 'expected user:hash (no colon found)';
  const username = line.slice(0, colon);
  if (username === '') return 'empty user name before the colon';
  const encoded = line.slice(colon + 1);
  if (encoded === '') return `user '${username}' has no password hash`;
  const hash = parsePasswordHash(encoded);
  if (typeof hash === 'string') return `user '${username}': ${hash}`;
  return { username, encoded, hash };
}

/** Reads and parses a password file (unreadable: a `ConfigError`); `onSkip` as in `parsePasswordFile`. */
export function loadPasswordFile(path: string, onSkip?: SkippedLine): PasswordDb {
  return parsePasswordFile(readTextFile(path, 'password file'), path, onSkip);
}

/** The permission bits of `path` when others may read it, else undefined (also when it cannot be stat'ed). */
export function worldReadable(path: string): number | undefined {
  try {
    const mode = statSync(path).mode & 0o777;
    return mode & 0o004 ? mode : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a text file for the auth module, turning fs errors into `ConfigError`. */
export function readTextFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${what}: ${describeFsError(err)}`, { file: path });
  }
}

/** Serialises entries back into file text (one `user:hash` line each). */
export function formatPasswordFile(entries: Iterable<{ username: string; encoded: string }>): string {
  let out = '';
  for (const e of entries) out += `${e.username}:${e.encoded}\n`;
  return out;
}

/** Writes `text` to `path` atomically with mode 0600: a temporary file in the same directory, fsync, rename. */
export function writeFileAtomic(path: string, text: string, mode = 0o600): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
