/**
 * File permissions of what holds data or secrets: the database and its
 * -wal/-shm files are 0600 whatever the umask (and an older, readable file
 * is fixed with a warning); a world-readable password file gets a warning.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import pino from 'pino';
import { createFileAuth } from '../../src/auth/file-auth.js';
import { formatPasswordFile } from '../../src/auth/password-file.js';
import { hashPassword } from '../../src/auth/password-hash.js';
import { openStore } from '../../src/persistence/open-store.js';
import type { SqliteStore } from '../../src/persistence/sqlite/sqlite-store.js';

function temp(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'midge-perm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function lines() {
  const out: Array<{ msg: string; level: number }> = [];
  const at = (level: number) => (_o: object, msg?: string) => void out.push({ msg: msg ?? '', level });
  return { out, capture: { info: at(30), warn: at(40), error: at(50) } };
}

const mode = (path: string) => statSync(path).mode & 0o777;

test('a new database, its -wal and -shm are 0600 under umask 022, in a directory that already existed (0755)', async (t) => {
  const dir = temp(t);
  chmodSync(dir, 0o755);
  const old = process.umask(0o022);
  t.after(() => process.umask(old));
  const { capture } = lines();
  const store = openStore({ enabled: true, path: dir, synchronous: 'normal' }, capture) as SqliteStore;
  t.after(() => store.close());
  store.saveSession({ clientId: 'c', protocolVersion: 5, expiryInterval: 60, subscriptions: [] });
  await new Promise<void>((resolve) => store.whenDurable(() => resolve()));
  for (const f of ['midge.db', 'midge.db-wal', 'midge.db-shm']) assert.equal(mode(join(dir, f)).toString(8), '600', f);
});

test('an existing world-readable database is set to 0600, with a warning', (t) => {
  const dir = temp(t);
  writeFileSync(join(dir, 'midge.db'), '');
  chmodSync(join(dir, 'midge.db'), 0o644);
  const { out, capture } = lines();
  const store = openStore({ enabled: true, path: dir, synchronous: 'normal' }, capture);
  t.after(() => store.close());
  assert.equal(mode(join(dir, 'midge.db')).toString(8), '600');
  assert.ok(out.some((l) => l.level === 40 && /mode set to 0600/.test(l.msg)));
});

test('a world-readable password file is loaded with a warning; a 0600 one without', (t) => {
  const dir = temp(t);
  const file = join(dir, 'passwd');
  writeFileSync(file, formatPasswordFile([{ username: 'u', encoded: hashPassword('pw') }]));
  for (const [bits, warned] of [[0o644, true], [0o600, false]] as const) {
    chmodSync(file, bits);
    const out: string[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void out.push(s) });
    createFileAuth({ password_file: file, acl_file: undefined }, logger);
    assert.equal(out.some((l) => /readable by every user/.test(l)), warned, bits.toString(8));
  }
});
