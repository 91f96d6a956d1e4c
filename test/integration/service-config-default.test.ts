/**
 * `midge queue` and `midge status` without `-c` read the config the
 * service uses ($MIDGE_CONFIG here, /etc/midge/midge.yaml on an installed
 * system), not the built-in default's ./data and port 9234.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/midge-process.js';
import { repoRoot } from '../helpers/repo-root.js';

describe('queue and status find the service config', () => {
  let dir: ReturnType<typeof tempDir>;
  before(() => (dir = tempDir('midge-service-config-')));
  after(() => dir.cleanup());

  const midge = (args: string[], config: string) =>
    spawnSync(process.execPath, [join(repoRoot(), 'dist', 'cli.js'), ...args], { cwd: dir.path, env: { ...process.env, MIDGE_CONFIG: config }, encoding: 'utf8', timeout: 15_000 });

  it('midge queue looks in the configured persistence.path', () => {
    const store = join(dir.path, 'service-data');
    const config = join(dir.path, 'service.yaml');
    writeFileSync(config, `persistence:\n  enabled: true\n  path: ${store}\n`);
    const r = midge(['queue'], config);
    assert.match(`${r.stdout}${r.stderr}`, new RegExp(store.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  });

  it('midge status asks the configured metrics.listen', () => {
    const config = join(dir.path, 'status.yaml');
    writeFileSync(config, 'metrics:\n  listen: 127.0.0.1:9  # discard port: nothing listens\n  allow_anonymous: true\n');
    const r = midge(['status'], config);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /127\.0\.0\.1:9\b/);
  });
});
