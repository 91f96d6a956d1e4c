/**
 * The OpenWrt UCI -> YAML translator (openwrt/midge/files/midge-uci2yaml.sh),
 * run with the real sh and awk on `uci show` text. Its output must pass
 * Midge's own config validation; bad UCI values must fail naming the option.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateConfig } from '../../src/config/validate.js';
import { tempDir } from '../helpers/midge-process.js';
import { repoRoot } from '../helpers/repo-root.js';

const SCRIPT = join(repoRoot(), 'openwrt/midge/files/midge-uci2yaml.sh');

function translate(uciShow: string): { status: number | null; yaml: string; err: string } {
  const dir = tempDir('midge-uci-');
  try {
    const file = join(dir.path, 'uci.txt');
    writeFileSync(file, uciShow);
    const r = spawnSync('sh', [SCRIPT, file], { encoding: 'utf8' });
    return { status: r.status, yaml: r.stdout, err: r.stderr };
  } finally {
    dir.cleanup();
  }
}

/** What `uci show midge` prints for a /etc/config file (named and anonymous sections, quoted values). */
function uciShow(configText: string, pkg = 'midge'): string {
  const out: string[] = [];
  const counts = new Map<string, number>();
  let section = '';
  const q = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;
  for (const raw of configText.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(config|option)\s+(\S+)(?:\s+'(.*)')?$/.exec(line);
    assert.ok(m, `cannot read UCI line: ${line}`);
    if (m[1] === 'config') {
      const type = m[2]!;
      const n = counts.get(type) ?? 0;
      counts.set(type, n + 1);
      section = m[3] ?? `@${type}[${n}]`;
      out.push(`${pkg}.${section}=${type}`);
    } else {
      out.push(`${pkg}.${section}.${m[2]}=${q(m[3] ?? '')}`);
    }
  }
  return `${out.join('\n')}\n`;
}

describe('midge-uci2yaml', () => {
  it('translates the shipped /etc/config/midge into a valid Midge config', () => {
    const shipped = readFileSync(join(repoRoot(), 'openwrt/midge/files/midge.config'), 'utf8');
    const r = translate(uciShow(shipped));
    assert.equal(r.status, 0, r.err);
    const config = validateConfig(parse(r.yaml));
    assert.equal(config.persistence.enabled, true);
    assert.equal(config.persistence.path, '/srv/midge');
    assert.equal(config.persistence.max_store_bytes, 67108864);
    assert.equal(config.listeners.length, 1);
    assert.equal(config.listeners[0]!.host, '127.0.0.1');
    assert.equal(config.listeners[0]!.port, 1883);
    assert.equal(config.log.format, 'json');
  });

  it('maps listeners, booleans, integers and auth files, and quotes odd strings', () => {
    const r = translate(uciShow(`
config midge 'main'
	option log_level 'debug'
	option persistence '0'
	option password_file '/etc/midge/pass"word'
	option sys_interval '0'
	option max_queued_messages '50'
config listener
	option host '127.0.0.1'
	option port '0'
config listener 'lan'
	option host '0.0.0.0'
	option port '8081'
	option protocol 'websockets'
	option allow_anonymous '0'
	option ws_path '/it's\\here'
`));
    assert.equal(r.status, 0, r.err);
    const raw = parse(r.yaml);
    assert.equal(raw.auth.password_file, '/etc/midge/pass"word');
    assert.equal(raw.listeners[1].ws_path, "/it's\\here");
    const config = validateConfig(raw);
    assert.equal(config.log.level, 'debug');
    assert.equal(config.persistence.enabled, false);
    assert.equal(config.sys.interval, 0);
    assert.equal(config.mqtt.max_queued_messages, 50);
    assert.deepEqual(config.listeners.map((l) => [l.host, l.port, l.protocol]), [
      ['127.0.0.1', 0, 'mqtt'],
      ['0.0.0.0', 8081, 'websockets'],
    ]);
    assert.equal(config.listeners[1]!.allow_anonymous, false);
  });

  it('refuses unknown options, bad numbers and booleans, naming them', () => {
    const cases: Array<[string, RegExp]> = [
      ["config midge 'main'\n\toption colour 'blue'", /unknown option main\.colour/],
      ["config midge 'main'\nconfig listener\n\toption port 'x1883'", /@listener\[0\]\.port: expected an integer/],
      ["config midge 'main'\nconfig listener\n\toption allow_anonymous 'maybe'", /allow_anonymous: expected 0 or 1/],
      ["config listener\n\toption port '1883'", /no "config midge" section/],
      ["config midge 'main'\nconfig bridge\n\toption host 'x'", /unknown section type bridge/],
    ];
    for (const [uci, message] of cases) {
      const r = translate(uciShow(uci));
      assert.equal(r.status, 1, `exit 1 for ${uci}`);
      assert.match(r.err, message);
      assert.equal(r.yaml, '', 'no half-written config');
    }
  });
});
