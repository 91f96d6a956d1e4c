/**
 * auth.password_file over real connections: files from the real
 * mosquitto_passwd, CONNACK 0x87 / 5 for a wrong password or unknown user
 * (as mosquitto 2.0),
 * anonymous clients and allow_anonymous, passwords kept out of the log,
 * bad files refused at start, integrator hooks, and SIGHUP reload through
 * the real CLI.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword } from '../../src/auth/password-hash.js';
import { ConfigError } from '../../src/errors.js';
import { connackCode, startAuthGateway, type AuthGateway } from '../helpers/auth.js';
import { FLAG, mqttString, rawConnect, uid } from '../helpers/lifecycle.js';
import { startMidge, tempDir } from '../helpers/midge-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

const HAVE_PASSWD = spawnSync('mosquitto_passwd', ['-h']).error === undefined;
const SKIP = HAVE_PASSWD ? false : 'mosquitto_passwd not installed (apt install mosquitto)';
const V3 = { OK: 0, BAD_USER_OR_PASSWORD: 4, NOT_AUTHORIZED: 5 };
const V5 = { OK: 0, BAD_USER_OR_PASSWORD: 0x86, NOT_AUTHORIZED: 0x87 };

describe('password file written by mosquitto_passwd (mosquitto.conf password_file)', { skip: SKIP }, () => {
  let dir: ReturnType<typeof tempDir>;
  let gw: AuthGateway;
  before(async () => {
    dir = tempDir('midge-auth-');
    const file = join(dir.path, 'passwd');
    assert.equal(spawnSync('mosquitto_passwd', ['-c', '-b', file, 'alice', 'alice-pw']).status, 0);
    assert.equal(spawnSync('mosquitto_passwd', ['-H', 'sha512', '-b', file, 'legacy', 'legacy-pw']).status, 0);
    gw = await startAuthGateway({ password_file: file });
  });
  after(async () => {
    await gw.stop();
    dir.cleanup();
  });

  for (const version of [4, 5] as const) {
    const codes = version === 5 ? V5 : V3;
    test(`v${version === 5 ? 5 : '3.1.1'}: right password ($7$ default hash) → CONNACK success`, async () => {
      assert.equal(await connackCode(gw.port, version, { clientId: uid('a'), username: 'alice', password: 'alice-pw' }), codes.OK);
    });
    test(`v${version === 5 ? 5 : '3.1.1'}: right password ($6$ from -H sha512) → CONNACK success`, async () => {
      assert.equal(await connackCode(gw.port, version, { clientId: uid('l'), username: 'legacy', password: 'legacy-pw' }), codes.OK);
    });
    test(`v${version === 5 ? 5 : '3.1.1'}: wrong password → CONNACK ${version === 5 ? '0x87' : '5'} not authorized, as mosquitto 2.0`, async () => {
      assert.equal(await connackCode(gw.port, version, { clientId: uid('w'), username: 'alice', password: 'nope' }), codes.NOT_AUTHORIZED);
    });
    test(`v${version === 5 ? 5 : '3.1.1'}: unknown user → CONNACK ${version === 5 ? '0x87' : '5'}, as mosquitto 2.0`, async () => {
      assert.equal(await connackCode(gw.port, version, { clientId: uid('u'), username: 'mallory', password: 'alice-pw' }), codes.NOT_AUTHORIZED);
    });
    test(`v${version === 5 ? 5 : '3.1.1'}: known user without a password → CONNACK ${version === 5 ? '0x87' : '5'}`, async () => {
      assert.equal(await connackCode(gw.port, version, { clientId: uid('n'), username: 'alice' }), codes.NOT_AUTHORIZED);
    });
    test(`v${version === 5 ? 5 : '3.1.1'}: anonymous client on a loopback listener with allow_anonymous unset → refused (${version === 5 ? '0x87' : '5'}): a password file makes unset mean false`, async () => {
      assert.equal(await connackCode(gw.port, version, { clientId: uid('anon') }), codes.NOT_AUTHORIZED);
    });
  }

  test('the log names the user and the reason but never the password', async () => {
    await connackCode(gw.port, 4, { clientId: uid('log'), username: 'alice', password: 'Wr0ngSecretXYZ' });
    await waitFor(() => gw.log().includes('authentication failed: wrong password'), 3000, 'the refusal in the log');
    assert.match(gw.log(), /"username":"alice"/);
    assert.doesNotMatch(gw.log(), /Wr0ngSecretXYZ/);
    assert.doesNotMatch(gw.log(), /alice-pw/);
  });
});

describe('allow_anonymous with a password file', () => {
  let dir: ReturnType<typeof tempDir>;
  before(() => {
    dir = tempDir('midge-auth-');
    writeFileSync(join(dir.path, 'passwd'), `bob:${hashPassword('bob-pw')}\n`);
  });
  after(() => dir.cleanup());

  test('listener allow_anonymous: true → anonymous clients accepted, users still checked (as mosquitto)', async () => {
    const gw = await startAuthGateway({ password_file: join(dir.path, 'passwd') }, { allow_anonymous: true });
    try {
      assert.equal(await connackCode(gw.port, 5, { clientId: uid('anon') }), V5.OK);
      assert.equal(await connackCode(gw.port, 5, { clientId: uid('b'), username: 'bob', password: 'bob-pw' }), V5.OK);
      assert.equal(await connackCode(gw.port, 5, { clientId: uid('b'), username: 'bob', password: 'x' }), V5.NOT_AUTHORIZED);
      assert.equal(await connackCode(gw.port, 4, { clientId: uid('x'), username: 'nobody', password: 'x' }), V3.NOT_AUTHORIZED);
    } finally {
      await gw.stop();
    }
  });

  test('without a password file, any user name is accepted (nothing to check against)', async () => {
    const gw = await startAuthGateway({});
    try {
      assert.equal(await connackCode(gw.port, 5, { clientId: uid('any'), username: 'whoever', password: 'whatever' }), V5.OK);
      assert.equal(await connackCode(gw.port, 4, { clientId: uid('anon') }), V3.OK);
    } finally {
      await gw.stop();
    }
  });

  test('an integrator authenticate hook passed to startGateway replaces the password file check', async () => {
    const gw = await startAuthGateway({ password_file: join(dir.path, 'passwd') }, {}, {
      authenticate: async (client, password) => ({ ok: client.username === 'http-user' && password?.toString() === 'token', reasonCode: 0x86 }),
    });
    try {
      assert.equal(await connackCode(gw.port, 5, { clientId: uid('h'), username: 'http-user', password: 'token' }), V5.OK);
      assert.equal(await connackCode(gw.port, 5, { clientId: uid('h'), username: 'bob', password: 'bob-pw' }), V5.BAD_USER_OR_PASSWORD);
    } finally {
      await gw.stop();
    }
  });
});

describe('empty passwords', () => {
  test('a user whose stored hash is of the empty password cannot log in with an empty password (5 / 0x87), as in mosquitto', async () => {
    const dir = tempDir('midge-auth-');
    writeFileSync(join(dir.path, 'passwd'), `eve:${hashPassword('')}\n`);
    const gw = await startAuthGateway({ password_file: join(dir.path, 'passwd') });
    try {
      const flags = FLAG.CLEAN | FLAG.USERNAME | FLAG.PASSWORD;
      const v3 = await RawClient.connect(gw.port, 4);
      v3.write(rawConnect({ level: 4, flags, clientId: uid('eve'), username: 'eve', password: '' }));
      await v3.closedByBroker();
      assert.deepEqual([...v3.bytes()], [0x20, 0x02, 0x00, V3.NOT_AUTHORIZED]);
      const v5 = await RawClient.connect(gw.port, 5);
      v5.write(rawConnect({ level: 5, flags, clientId: uid('eve'), username: 'eve', password: '' }));
      await v5.closedByBroker();
      const bytes = v5.bytes(); // 20 LEN 00 87 PROPS
      assert.deepEqual([bytes[0], bytes[2], bytes[3]], [0x20, 0x00, V5.NOT_AUTHORIZED]);
      assert.match(gw.log(), /authentication failed: no or empty password given/);
    } finally {
      await gw.stop();
      dir.cleanup();
    }
  });
});

describe('bad credentials answered with mosquitto 2.0\'s bytes', () => {
  test('wrong password and unknown user: 3.1.1 `20 02 00 05`, v5 without problem information `20 03 00 87 00`', async () => {
    const dir = tempDir('midge-auth-');
    writeFileSync(join(dir.path, 'passwd'), `bob:${hashPassword('bob-pw')}\n`);
    const gw = await startAuthGateway({ password_file: join(dir.path, 'passwd') });
    try {
      const flags = FLAG.CLEAN | FLAG.USERNAME | FLAG.PASSWORD;
      for (const username of ['bob', 'nobody']) {
        const v3 = await RawClient.connect(gw.port, 4);
        v3.write(rawConnect({ level: 4, flags, clientId: 'c3', username, password: 'wrong' }));
        await v3.closedByBroker();
        assert.deepEqual([...v3.bytes()], [0x20, 0x02, 0x00, 0x05]);
        // v5 CONNECT with Request Problem Information (0x17) = 0: no Reason String may come back
        const body = [...mqttString('MQTT'), 5, flags, 0, 60, 2, 0x17, 0, ...mqttString('c5'), ...mqttString(username), ...mqttString('wrong')];
        const v5 = await RawClient.connect(gw.port, 5);
        v5.write(Buffer.from([0x10, body.length, ...body]));
        await v5.closedByBroker();
        assert.deepEqual([...v5.bytes()], [0x20, 0x03, 0x00, 0x87, 0x00]);
      }
    } finally {
      await gw.stop();
      dir.cleanup();
    }
  });
});

describe('bad password file at start', () => {
  test('a malformed line skips that entry with a warning naming file and line (as mosquitto); the other users log in', async () => {
    const dir = tempDir('midge-auth-');
    try {
      const file = join(dir.path, 'passwd');
      writeFileSync(file, `# users\nbob:${hashPassword('x')}\ncarol:plaintext\n`);
      const gw = await startAuthGateway({ password_file: file });
      try {
        assert.match(gw.log(), new RegExp(`"level":40,.*"line":3,.*password file: entry skipped: ${file}:line 3: user 'carol'`));
        assert.equal(await connackCode(gw.port, 5, { clientId: uid('b'), username: 'bob', password: 'x' }), V5.OK);
        assert.equal(await connackCode(gw.port, 5, { clientId: uid('c'), username: 'carol', password: 'plaintext' }), V5.NOT_AUTHORIZED);
      } finally {
        await gw.stop();
      }
      await assert.rejects(startAuthGateway({ password_file: join(dir.path, 'missing') }), /cannot read password file: no such file/);
    } finally {
      dir.cleanup();
    }
  });
});

describe('SIGHUP reloads the password file (real CLI)', () => {
  test('a user added to the file can connect after SIGHUP; a broken file is logged and the old one kept', async () => {
    const dir = tempDir('midge-auth-');
    const file = join(dir.path, 'passwd');
    writeFileSync(file, `alice:${hashPassword('a-pw')}\n`);
    const midge = await startMidge(dir.path, `log:\n  level: info\n  format: json\nlisteners:\n  - host: 127.0.0.1\n    port: 0\npersistence:\n  enabled: false\nauth:\n  password_file: ${JSON.stringify(file)}\n`);
    try {
      assert.equal(await connackCode(midge.port, 5, { clientId: uid('c'), username: 'carl', password: 'c-pw' }), V5.NOT_AUTHORIZED);
      writeFileSync(file, `alice:${hashPassword('a-pw')}\ncarl:${hashPassword('c-pw')}\n`);
      midge.proc.kill('SIGHUP');
      await waitFor(() => /password file reloaded/.test(midge.output()), 5000, 'password file reloaded');
      assert.equal(await connackCode(midge.port, 5, { clientId: uid('c'), username: 'carl', password: 'c-pw' }), V5.OK);

      // a broken line is skipped with a warning; the rest of the file is in force
      writeFileSync(file, `alice:${hashPassword('a-pw')}\nbroken line\ncarl:${hashPassword('c-pw')}\n`);
      midge.proc.kill('SIGHUP');
      await waitFor(() => /entry skipped: .*line 2: expected user:hash/.test(midge.output()), 5000, 'the skipped line in the log');
      await waitFor(() => (midge.output().match(/password file reloaded/g) ?? []).length === 2, 5000, 'second reload');
      assert.equal(await connackCode(midge.port, 5, { clientId: uid('c'), username: 'carl', password: 'c-pw' }), V5.OK);

      // a file that cannot be read (gone) is not loaded: the previous contents stay in force
      rmSync(file);
      midge.proc.kill('SIGHUP');
      await waitFor(() => /password file not reloaded/.test(midge.output()), 5000, 'reload refusal');
      // the previous file is still in force: carl still gets in, the process is still up
      assert.equal(await connackCode(midge.port, 4, { clientId: uid('c'), username: 'carl', password: 'c-pw' }), V3.OK);
      assert.equal(await midge.stop(), 0);
    } finally {
      if (midge.proc.exitCode === null) await midge.stop('SIGKILL').catch(() => undefined);
      dir.cleanup();
    }
  });
});
