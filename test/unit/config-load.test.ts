import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { applyOverrides, defaultConfig, loadConfigFile, parseConfigText } from '../../src/config/load.js';
import { configSchema, schemaKeyPaths } from '../../src/config/schema.js';
import { repoRoot } from '../helpers/repo-root.js';

/** The repository root: the nearest directory above this file holding midge.example.yaml. */

function parseError(text: string): ConfigError {
  try {
    parseConfigText(text, 'test.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected parsing to fail');
}

describe('parseConfigText: errors carry file, line and key', () => {
  // [title, yaml, expected message]
  const rows: Array<[string, string, string]> = [
    [
      'wrong type',
      'log:\n  level: info\nmqtt:\n  connect_timeout: 5\n  max_inflight_messages: abc\n',
      "test.yaml:line 5: mqtt.max_inflight_messages: expected an integer 1..65535, got 'abc'",
    ],
    ['out of range', '\n\nsys:\n  interval: 100000\n', 'test.yaml:line 4: sys.interval: expected an integer 0..86400, got 100000'],
    [
      'unknown key with suggestion',
      'mqtt:\n  max_qos: 1\n  retain_availble: false\n',
      "test.yaml:line 3: mqtt.retain_availble: unknown key; did you mean 'retain_available'?",
    ],
    ['bad enum', 'persistence:\n  synchronous: off\n', "test.yaml:line 2: persistence.synchronous: expected one of full, normal, got 'off'"],
    [
      'second listener',
      'listeners:\n  - port: 1884\n  -\n    host: 127.0.0.1\n    port: 70000\n',
      'test.yaml:line 5: listeners[1].port: expected an integer 0..65535, got 70000',
    ],
    ['listener item not a mapping', 'listeners:\n  - port: 1884\n  - 1885\n', 'test.yaml:line 3: listeners[1]: expected a mapping, got 1885'],
    ['flow mapping', 'mqtt: {max_qos: 1,\n  max_keepalive: -5}\n', 'test.yaml:line 2: mqtt.max_keepalive: expected an integer 0..65535, got -5'],
    ['top level not a mapping', '# comment\n- a\n- b\n', `test.yaml:line 2: expected a mapping with keys ${Object.keys(configSchema).join(', ')}, got a list`],
  ];
  for (const [title, yaml, message] of rows) {
    it(title, () => assert.equal(parseError(yaml).message, message));
  }

  it('non-loopback listener without allow_anonymous points at its host line', () => {
    const err = parseError('log:\n  level: debug\nlisteners:\n  - port: 1883\n    host: 0.0.0.0\n');
    assert.match(err.message, /^test\.yaml:line 5: listeners\[0\]: listener on 0\.0\.0\.0:1883 is reachable from the network/);
    assert.equal(err.line, 5);
  });

  it('points at the alias when an aliased listener is a duplicate', () => {
    const err = parseError('listeners:\n  - &l\n    port: 1884\n  - *l\n');
    assert.equal(err.message, 'test.yaml:line 4: listeners[1]: duplicate listener 127.0.0.1:1884 (same as listeners[0])');
  });
});

describe('parseConfigText: YAML syntax errors', () => {
  const rows: Array<[string, string, number]> = [
    ['unclosed flow mapping', 'log:\n  level: info\nmqtt: {max_qos: 1\n', 3],
    ['bad indentation', 'mqtt:\n  max_qos: 1\n   max_keepalive: 5\n', 2],
    ['missing colon', 'mqtt:\n  max_qos: 1\n  max_keepalive\nsys: {}\n', 3],
    ['duplicate key', 'mqtt:\n  max_qos: 1\n  max_qos: 2\n', 3],
    ['tab indentation', 'mqtt:\n\tmax_qos: 1\n', 2],
    ['unterminated quote', 'persistence:\n  path: "/var/lib\n', 2],
    ['two documents', 'log: {}\n---\nmqtt: {}\n', 2],
  ];
  for (const [title, yaml, line] of rows) {
    it(`${title}: reported at line ${line}`, () => {
      const err = parseError(yaml);
      assert.equal(err.line, line, err.message);
      assert.match(err.message, new RegExp(`^test\\.yaml:line ${line}: invalid YAML: `));
      assert.ok(!err.message.includes('\n'), 'one line');
    });
  }

  it('accepts an empty or comment-only file as all defaults', () => {
    assert.deepEqual(parseConfigText(''), defaultConfig());
    assert.deepEqual(parseConfigText('# nothing here\n'), defaultConfig());
  });
});

describe('loadConfigFile', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'midge-config-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('default config equals loading an empty file', () => {
    const file = join(dir, 'empty.yaml');
    writeFileSync(file, '');
    assert.deepEqual(loadConfigFile(file), defaultConfig());
  });

  it('loads values from a file', () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, 'listeners:\n  - host: 0.0.0.0\n    port: 8883\n    allow_anonymous: false\nmqtt:\n  max_qos: 1\n');
    const cfg = loadConfigFile(file);
    assert.equal(cfg.listeners[0].port, 8883);
    assert.equal(cfg.mqtt.max_qos, 1);
    assert.equal(cfg.mqtt.max_inflight_messages, 20);
  });

  it('names the file in errors', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'mqtt:\n  max_qos: 3\n');
    assert.throws(() => loadConfigFile(file), { message: `${file}:line 2: mqtt.max_qos: expected one of 0, 1, 2, got 3` });
  });

  it('reports a missing or unreadable file as a ConfigError', () => {
    const missing = join(dir, 'missing.yaml');
    assert.throws(() => loadConfigFile(missing), (err: unknown) => err instanceof ConfigError && err.message === `${missing}: cannot read config file: no such file`);
    assert.throws(() => loadConfigFile(dir), { message: `${dir}: cannot read config file: is a directory` });
  });
});

describe('midge.example.yaml', () => {
  const file = join(repoRoot(), 'midge.example.yaml');
  const text = readFileSync(file, 'utf8');

  it('loads, and every value in it is the default', () => {
    assert.deepEqual(loadConfigFile(file), defaultConfig());
  });

  it('mentions every schema key (so it cannot drift from the schema)', () => {
    const missing = schemaKeyPaths().filter((path) => {
      const key = path.slice(path.lastIndexOf('.') + 1);
      return !new RegExp(`^\\s*(#\\s*)?(- )?${key}:`, 'm').test(text);
    });
    assert.deepEqual(missing, []);
  });
});

describe('applyOverrides', () => {
  it('-p replaces all listeners with one loopback listener on that port', () => {
    const cfg = parseConfigText('listeners:\n  - host: 0.0.0.0\n    allow_anonymous: true\n  - port: 1884\n');
    const next = applyOverrides(cfg, { port: 1999 });
    assert.deepEqual(next.listeners, [{ host: '127.0.0.1', port: 1999, protocol: 'mqtt', socket_path: undefined, ws_path: undefined, allow_anonymous: undefined, max_connections: -1, certfile: undefined, keyfile: undefined, cafile: undefined, crlfile: undefined, require_certificate: false, use_identity_as_username: false, use_subject_as_username: false, ciphers: undefined, tls_version: 'tlsv1.2', max_publish_rate: 0, max_packet_size: 0, mount_point: undefined, acl_file: undefined }]);
    assert.equal(cfg.listeners.length, 2, 'input untouched');
    assert.ok(Object.isFrozen(next.listeners[0]));
  });

  it('-v sets debug, but keeps trace', () => {
    assert.equal(applyOverrides(defaultConfig(), { verbose: true }).log.level, 'debug');
    const trace = parseConfigText('log:\n  level: trace\n');
    assert.equal(applyOverrides(trace, { verbose: true }).log.level, 'trace');
  });

  it('no overrides: an equal config', () => {
    assert.deepEqual(applyOverrides(defaultConfig(), {}), defaultConfig());
  });

  it('rejects a port out of range', () => {
    assert.throws(() => applyOverrides(defaultConfig(), { port: 70000 }), { message: '-p: expected an integer 0..65535, got 70000' });
  });
});
