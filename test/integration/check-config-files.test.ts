/**
 * `midge check-config` opens every file the config names, as `midge -c`
 * does when it starts, and says what will run: real `midge` processes on
 * real certificate, password and ACL files.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatePki } from '../helpers/certs.js';
import type { TestPki } from '../helpers/certs.js';
import { runMidgeCli, tempDir } from '../helpers/midge-process.js';

describe('check-config: files the config names', () => {
  let pki: TestPki;
  let dir: ReturnType<typeof tempDir>;
  const file = (name: string, text: string): string => {
    const path = join(dir.path, name);
    writeFileSync(path, text);
    return path;
  };
  const tlsListener = (cert: string, key: string, extra = ''): string =>
    `listeners:\n  - host: 127.0.0.1\n    port: 0\n    certfile: ${cert}\n    keyfile: ${key}\n${extra}persistence:\n  enabled: false\n`;

  before(() => {
    pki = generatePki();
    dir = tempDir('midge-check-files-');
  });
  after(() => {
    pki.cleanup();
    dir.cleanup();
  });

  /** check-config fails with `re` on stderr, and `midge -c` refuses to start too. */
  async function failsLikeStart(name: string, yaml: string, re: RegExp, startToo = true): Promise<void> {
    const path = file(name, yaml);
    const check = await runMidgeCli(['check-config', path]);
    assert.equal(check.code, 1, check.stdout);
    assert.match(check.stderr, re);
    assert.equal(check.stdout, '');
    if (!startToo) return;
    const start = await runMidgeCli(['-c', path]);
    assert.equal(start.code, 1, 'midge -c refuses the same config');
  }

  it('a missing keyfile', async () => {
    await failsLikeStart('nokey.yaml', tlsListener(pki.server.cert, join(dir.path, 'missing.key')), /nokey\.yaml: listeners\[0\]\.keyfile: cannot read .*missing\.key: no such file \(fix the path/);
  });

  it('a key that is not the certificate\'s', async () => {
    await failsLikeStart('mismatch.yaml', tlsListener(pki.server.cert, pki.client.key), /listeners\[0\]\.keyfile: .*client\.key is not the private key of .*server\.crt \(CN=localhost\): point/);
  });

  it('an encrypted key: a clear error, no passphrase prompt', async () => {
    const encrypted = join(dir.path, 'encrypted.key');
    execFileSync('openssl', ['pkey', '-in', pki.server.key, '-aes256', '-passout', 'pass:secret', '-out', encrypted]);
    await failsLikeStart('encrypted.yaml', tlsListener(pki.server.cert, encrypted), /listeners\[0\]\.keyfile: .*encrypted\.key is encrypted with a passphrase.*openssl pkey/);
  });

  it('a CRL or CA file that is missing or not PEM', async () => {
    const junk = file('junk.pem', 'not a certificate\n');
    await failsLikeStart('crl.yaml', tlsListener(pki.server.cert, pki.server.key, `    cafile: ${pki.caCert}\n    crlfile: ${join(dir.path, 'none.crl')}\n    require_certificate: true\n`), /listeners\[0\]\.crlfile: cannot read/);
    await failsLikeStart('ca.yaml', tlsListener(pki.server.cert, pki.server.key, `    cafile: ${junk}\n    require_certificate: true\n`), /listeners\[0\]\.cafile: .*junk\.pem is not a PEM certificate/);
  });

  it('password and ACL files: missing, or a bad line', async () => {
    const auth = (lines: string): string => `listeners:\n  - host: 127.0.0.1\n    port: 0\nauth:\n${lines}persistence:\n  enabled: false\n`;
    await failsLikeStart('pw.yaml', auth(`  password_file: ${join(dir.path, 'passwd')}\n`), /auth\.password_file: .*passwd: cannot read password file: no such file \(create it with: midge passwd -c /);
    const acl = file('acl', 'topic readwrite #\nbogus line here\n');
    await failsLikeStart('acl.yaml', auth(`  acl_file: ${acl}\n`), /auth\.acl_file: .*acl:line 2: /);
  });

  it('a malformed password file line is a warning naming file and line (the entry is skipped, as mosquitto does)', async () => {
    const pw = file('passwd-bad-line', 'nocolon\n');
    const r = await runMidgeCli(['check-config', file('pw-line.yaml', `listeners:\n  - host: 127.0.0.1\n    port: 0\nauth:\n  password_file: ${pw}\npersistence:\n  enabled: false\n`)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /warning: auth\.password_file: .*passwd-bad-line:line 1: expected user:hash \(no colon found\) \(this entry is skipped/);
  });

  it('a bridge whose key does not match its certificate, or whose CA is not PEM', async () => {
    const junk = file('junk-ca.pem', 'garbage\n');
    const bridge = (extra: string): string =>
      `listeners:\n  - host: 127.0.0.1\n    port: 0\npersistence:\n  enabled: false\nbridges:\n  - name: cloud\n    addresses: [127.0.0.1:8883]\n    topics: ['sensors/# out 1']\n${extra}`;
    await failsLikeStart('bridge-key.yaml', bridge(`    certfile: ${pki.client.cert}\n    keyfile: ${pki.server.key}\n`), /bridges\[0\]\.keyfile: .* is not the private key of /, false);
    await failsLikeStart('bridge-ca.yaml', bridge(`    cafile: ${junk}\n`), /bridges\[0\]\.cafile: .*junk-ca\.pem is not a PEM certificate/, false);
  });

  it('a serial path that does not exist is a warning only; with --board too', async () => {
    const yaml = `listeners:\n  - host: 127.0.0.1\n    port: 0\npersistence:\n  enabled: false\nserial:\n  - name: esp\n    path: /dev/ttyMIDGE-NONE\n`;
    const path = file('serial.yaml', yaml);
    for (const args of [['check-config', path], ['check-config', '--board', 'raspberrypi4', path]]) {
      const r = await runMidgeCli(args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /warning: serial\[0\]\.path: \/dev\/ttyMIDGE-NONE does not exist now; midge waits for it/, args.join(' '));
    }
  });

  it('a good TLS config: OK', async () => {
    const r = await runMidgeCli(['check-config', file('good.yaml', tlsListener(pki.server.cert, pki.server.key))]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /listeners: 127\.0\.0\.1:0 \(mqtts, anonymous allowed\)/);
  });
});
