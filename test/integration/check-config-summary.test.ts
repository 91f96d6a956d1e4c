/** What `midge check-config` says will run, from a real `midge` process. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMidgeCli, tempDir } from '../helpers/midge-process.js';
import { repoRoot } from '../helpers/repo-root.js';

describe('check-config summary', () => {
  let dir: ReturnType<typeof tempDir>;
  before(() => (dir = tempDir('midge-check-summary-')));
  after(() => dir.cleanup());

  it('says who may connect, TLS, bridges with resolved rules, devices, health, Home Assistant and the metrics URL', async () => {
    const passwd = join(dir.path, 'passwd');
    execFileSync(process.execPath, [join(repoRoot(), 'dist', 'cli.js'), 'passwd', '-c', '-b', passwd, 'alice', 'secret-pass']);
    const path = join(dir.path, 'site.yaml');
    writeFileSync(path, [
      'listeners:',
      '  - host: 127.0.0.1',
      '    port: 1883',
      'auth:',
      `  password_file: ${passwd}`,
      'persistence:',
      '  enabled: false',
      'bridges:',
      '  - name: cloud',
      '    addresses: [cloud.example.com:1883]',
      '    topics: [\'sensors/# out 1 "" site1/\', \'cmd/# in 1 local/ site1/\']',
      'serial:',
      '  - name: esp',
      '    path: /dev/null',
      '    baud_rate: 9600',
      'gpio:',
      '  driver: simulated',
      '  pins:',
      '    - name: door',
      '      pin: 17',
      '      direction: in',
      'health:',
      '  enabled: true',
      'metrics:',
      '  listen: 0.0.0.0:9234',
      '  allow_anonymous: true',
      '',
    ].join('\n'));
    const r = await runMidgeCli(['check-config', path]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /anonymous allowed/);
    assert.match(r.stdout, /listeners: 127\.0\.0\.1:1883 \(mqtt, user name and password required\)/);
    assert.match(r.stdout, /auth: password file .*passwd, no ACL/);
    assert.match(r.stdout, /bridge cloud \(generic\): cloud\.example\.com:1883 \(no TLS\)\n {4}out: local sensors\/# -> remote site1\/sensors\/# \(qos 1\)\n {4}in: remote site1\/cmd\/# -> local local\/cmd\/# \(qos 1\)/);
    assert.match(r.stdout, /serial: esp \(\/dev\/null, 9600 baud, profile default\)/);
    assert.match(r.stdout, /gpio: door \(pin 17, in\); driver simulated/);
    assert.match(r.stdout, /health: every 60 s on .+\/health\/#/);
    assert.match(r.stdout, /home assistant: discovery under homeassistant\//);
    assert.match(r.stdout, /metrics: http:\/\/127\.0\.0\.1:9234\/metrics, status page http:\/\/127\.0\.0\.1:9234\/ \(no login\)/);
  });
});
