/**
 * mosquitto password file format: `$6$` (SHA-512) and `$7$` (PBKDF2-SHA512)
 * hashes from the real mosquitto_passwd, our own hashes, and errors with
 * file and line for bad lines.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadPasswordFile, parsePasswordFile, writeFileAtomic } from '../../src/auth/password-file.js';
import { DEFAULT_ITERATIONS, hashPassword, parsePasswordHash, verifyPassword } from '../../src/auth/password-hash.js';
import type { PasswordHash } from '../../src/auth/password-hash.js';
import { ConfigError } from '../../src/errors.js';
import { tempDir } from '../helpers/midge-process.js';

const HAVE_PASSWD = spawnSync('mosquitto_passwd', ['-h']).error === undefined;

describe('password file written by the real mosquitto_passwd', { skip: HAVE_PASSWD ? false : 'mosquitto_passwd not installed' }, () => {
  let dir: ReturnType<typeof tempDir>;
  before(() => (dir = tempDir('midge-pw-')));
  after(() => dir.cleanup());

  it('default ($7$ PBKDF2-SHA512, 101 iterations): the right password verifies, a wrong one does not', () => {
    const file = join(dir.path, 'p7');
    assert.equal(spawnSync('mosquitto_passwd', ['-c', '-b', file, 'alice', 's3cret']).status, 0);
    assert.equal(spawnSync('mosquitto_passwd', ['-b', file, 'bob', 'other pass']).status, 0);
    const db = loadPasswordFile(file);
    assert.deepEqual([...db.keys()], ['alice', 'bob']);
    const alice = db.get('alice')!;
    assert.equal(alice.hash.kind, 'pbkdf2-sha512');
    assert.equal((alice.hash as Extract<PasswordHash, { kind: 'pbkdf2-sha512' }>).iterations, DEFAULT_ITERATIONS);
    assert.equal(verifyPassword(alice.hash, 's3cret'), true);
    assert.equal(verifyPassword(alice.hash, 's3cret '), false);
    assert.equal(verifyPassword(db.get('bob')!.hash, 'other pass'), true);
    assert.equal(verifyPassword(db.get('bob')!.hash, 's3cret'), false);
  });

  it('-H sha512 ($6$, mosquitto 1.x format) verifies', () => {
    const file = join(dir.path, 'p6');
    assert.equal(spawnSync('mosquitto_passwd', ['-H', 'sha512', '-c', '-b', file, 'carol', 'pässwörd']).status, 0);
    const carol = loadPasswordFile(file).get('carol')!;
    assert.equal(carol.hash.kind, 'sha512');
    assert.equal(verifyPassword(carol.hash, 'pässwörd'), true);
    assert.equal(verifyPassword(carol.hash, 'passwort'), false);
  });
});

describe('hashPassword', () => {
  it('writes $7$101$ with a 12-byte salt and a 64-byte PBKDF2-SHA512 key, fresh salt each time', () => {
    const a = hashPassword('pw');
    const b = hashPassword('pw');
    assert.match(a, /^\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
    assert.notEqual(a, b);
    const h = parsePasswordHash(a);
    assert.notEqual(typeof h, 'string');
    assert.equal(verifyPassword(h as PasswordHash, 'pw'), true);
    assert.equal(verifyPassword(h as PasswordHash, 'pW'), false);
  });
});

describe('parsePasswordFile', () => {
  const good = hashPassword('x');

  it('skips comments, blank lines and trailing whitespace; a later duplicate wins', () => {
    const other = hashPassword('y');
    const db = parsePasswordFile(`# users\n\nu1:${good}  \r\nu2:${good}\nu1:${other}\n`, 'pw');
    assert.deepEqual([...db.keys()], ['u1', 'u2']);
    assert.equal(verifyPassword(db.get('u1')!.hash, 'y'), true);
    assert.equal(db.get('u1')!.line, 5);
  });

  const bad: Array<[string, string, number, RegExp]> = [
    ['no colon', `ok:${good}\nnocolon\n`, 2, /no colon/],
    ['empty user name', `:${good}\n`, 1, /empty user name/],
    ['no hash', 'alice:\n', 1, /no password hash/],
    ['plain-text password', '# c\nalice:secret\n', 2, /plain-text passwords are not accepted/],
    ['unknown hash type', 'alice:$5$abc$def\n', 1, /\$6\$\.\.\. or \$7\$/],
    ['$6$ with bad base64', 'alice:$6$!!!$abcd\n', 1, /salt is not base64/],
    ['$6$ with a short hash', 'alice:$6$c2FsdA==$c2hvcnQ=\n', 1, /not 64 bytes/],
    ['$7$ with a bad iteration count', 'alice:$7$x$c2FsdA==$c2FsdA==\n', 1, /iteration count 'x'/],
    ['$7$ with a missing part', 'alice:$7$101$c2FsdA==\n', 1, /expected \$7\$ITERATIONS\$SALT\$HASH/],
  ];
  for (const [what, text, line, message] of bad) {
    it(`a bad line is a ConfigError with file and line: ${what}`, () => {
      assert.throws(
        () => parsePasswordFile(text, '/etc/midge/passwd'),
        (err: unknown) =>
          err instanceof ConfigError && err.file === '/etc/midge/passwd' && err.line === line && message.test(err.message) &&
          err.message.startsWith(`/etc/midge/passwd:line ${line}: `),
      );
    });
  }

  it('with onSkip (the broker) every bad line is skipped and reported with file and line; the good entries load', () => {
    const skipped: ConfigError[] = [];
    const text = bad.map(([, t]) => t).join('') + `bob:${good}\n`;
    const db = parsePasswordFile(text, '/etc/midge/passwd', (err) => skipped.push(err));
    assert.deepEqual([...db.keys()], ['ok', 'bob']);
    assert.equal(skipped.length, bad.length);
    assert.ok(skipped.every((e) => e.file === '/etc/midge/passwd' && e.message.startsWith(`/etc/midge/passwd:line ${e.line}: `)));
    assert.match(skipped[0]!.message, /line 2: expected user:hash \(no colon found\)/);
  });

  it('a missing file is a ConfigError naming it', () => {
    assert.throws(() => loadPasswordFile('/nonexistent/passwd'), (err: unknown) => err instanceof ConfigError && /no such file/.test(err.message) && err.file === '/nonexistent/passwd');
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file in one step with mode 0600 and leaves no temporary file', () => {
    const dir = tempDir('midge-pw-');
    try {
      const file = join(dir.path, 'passwd');
      writeFileSync(file, 'old\n', { mode: 0o644 });
      writeFileAtomic(file, 'new\n');
      assert.equal(readFileSync(file, 'utf8'), 'new\n');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.deepEqual(readdirSync(dir.path), ['passwd']);
    } finally {
      dir.cleanup();
    }
  });
});
