import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { configSchema, describeExpected, isLoopbackHost, isValidHost, schemaKeyPaths } from '../../src/config/schema.js';
import type { Field } from '../../src/config/schema-spec.js';
import { checkField, formatKeyPath, validateConfig } from '../../src/config/validate.js';

function configError(input: unknown): ConfigError {
  try {
    validateConfig(input);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected validation to fail');
}

describe('schema', () => {
  it('documents every key with a description and a default that passes its own check', () => {
    for (const [section, spec] of Object.entries(configSchema)) {
      assert.ok(spec.description.length > 10, `${section} needs a description`);
      const fields = (spec.kind === 'list' ? spec.item : spec.fields) as Record<string, Field>;
      for (const [name, field] of Object.entries(fields)) {
        assert.ok(field.description.length > 10, `${section}.${name} needs a description`);
        if (field.default !== undefined) assert.equal(checkField(field, field.default), undefined, `${section}.${name} default`);
      }
    }
  });

  it('lists key paths for docs and the example file', () => {
    const paths = schemaKeyPaths();
    assert.ok(paths.includes('mqtt.max_inflight_messages'));
    assert.ok(paths.includes('listeners[].allow_anonymous'));
    assert.ok(paths.includes('persistence.synchronous'));
    assert.equal(new Set(paths).size, paths.length);
  });

  it('describes accepted values', () => {
    assert.equal(describeExpected(configSchema.mqtt.fields.max_inflight_messages), 'an integer 1..65535');
    assert.equal(describeExpected(configSchema.listeners.item.max_connections), '-1 or an integer 1..2147483647');
    assert.equal(describeExpected(configSchema.log.fields.level), 'one of fatal, error, warn, info, debug, trace');
    assert.equal(describeExpected(configSchema.mqtt.fields.retain_available), 'true or false');
    assert.equal(describeExpected(configSchema.listeners.item.host), 'an IP address or host name');
  });
});

describe('validateConfig: defaults', () => {
  it('fills every default from nothing, null or an empty mapping', () => {
    for (const input of [undefined, null, {}]) {
      const cfg = validateConfig(input);
      assert.deepEqual(cfg.log, { level: 'info', format: 'auto', file: undefined, max_size: 0 });
      assert.deepEqual(cfg.listeners, [
        { host: '127.0.0.1', port: 1883, protocol: 'mqtt', socket_path: undefined, ws_path: undefined, allow_anonymous: undefined, max_connections: -1, certfile: undefined, keyfile: undefined, cafile: undefined, crlfile: undefined, require_certificate: false, use_identity_as_username: false, use_subject_as_username: false, ciphers: undefined, tls_version: 'tlsv1.2', max_publish_rate: 0, max_packet_size: 0, mount_point: undefined, acl_file: undefined },
      ]);
      assert.equal(cfg.mqtt.max_inflight_messages, 20);
      assert.equal(cfg.mqtt.max_session_expiry_interval, 4294967295);
      assert.equal(cfg.mqtt.max_topic_levels, 201);
      assert.equal(cfg.mqtt.auto_id_prefix, 'auto-');
      assert.deepEqual(cfg.sys, { interval: 10 });
      assert.deepEqual(cfg.persistence, { enabled: true, path: './data', file: 'midge.db', synchronous: 'full', commit_window_ms: 300, inflight_wait_ms: 20, max_store_bytes: 0 });
      assert.deepEqual(cfg.metrics, { listen: undefined, status_page: true, allow_anonymous: undefined, status_page_topics: '#' });
    }
  });

  it('treats an empty section (all keys commented out) as defaults', () => {
    assert.equal(validateConfig({ mqtt: null, log: null }).mqtt.max_qos, 2);
  });

  it('fills defaults inside each listener and keeps given values', () => {
    const cfg = validateConfig({ listeners: [{ port: 1884 }, { host: '0.0.0.0', allow_anonymous: false }] });
    assert.deepEqual(cfg.listeners[0], { host: '127.0.0.1', port: 1884, protocol: 'mqtt', socket_path: undefined, ws_path: undefined, allow_anonymous: undefined, max_connections: -1, certfile: undefined, keyfile: undefined, cafile: undefined, crlfile: undefined, require_certificate: false, use_identity_as_username: false, use_subject_as_username: false, ciphers: undefined, tls_version: 'tlsv1.2', max_publish_rate: 0, max_packet_size: 0, mount_point: undefined, acl_file: undefined });
    assert.equal(cfg.listeners[1].port, 1883);
    assert.equal(cfg.listeners[1].allow_anonymous, false);
  });

  it('returns a deep-frozen config and never shares the schema defaults', () => {
    const cfg = validateConfig({});
    assert.ok(Object.isFrozen(cfg) && Object.isFrozen(cfg.mqtt) && Object.isFrozen(cfg.listeners) && Object.isFrozen(cfg.listeners[0]));
    assert.throws(() => {
      (cfg.mqtt as { max_qos: number }).max_qos = 0;
    }, TypeError);
    assert.equal(Object.isFrozen(configSchema.listeners.default[0]), false);
  });

  it('treats undefined values from code as absent', () => {
    const cfg = validateConfig({ listeners: [{ port: 0, allow_anonymous: undefined }], mqtt: { max_qos: undefined } });
    assert.equal(cfg.mqtt.max_qos, 2);
  });

  it('accepts boundary values and the special values', () => {
    const cfg = validateConfig({
      listeners: [{ host: '::1', port: 65535, max_connections: 1 }, { host: 'localhost', port: 0 }],
      mqtt: { max_packet_size: 20, max_keepalive: 0, max_topic_levels: 0, auto_id_prefix: '', max_qos: 0 },
      sys: { interval: 0 },
    });
    assert.equal(cfg.mqtt.max_packet_size, 20);
    assert.equal(cfg.listeners[1].port, 0);
  });
});

// [title, input, key path, message fragment]
const badValues: Array<[string, unknown, string, RegExp]> = [
  ['integer as string', { mqtt: { max_inflight_messages: 'abc' } }, 'mqtt.max_inflight_messages', /expected an integer 1\.\.65535, got 'abc'$/],
  ['quoted number', { mqtt: { max_inflight_messages: '20' } }, 'mqtt.max_inflight_messages', /got '20' \(a quoted string: remove the quotes\)/],
  ['integer too small', { mqtt: { max_inflight_messages: 0 } }, 'mqtt.max_inflight_messages', /expected an integer 1\.\.65535, got 0/],
  ['integer too large', { listeners: [{ port: 65536 }] }, 'listeners[0].port', /expected an integer 0\.\.65535, got 65536/],
  ['fraction', { sys: { interval: 1.5 } }, 'sys.interval', /expected an integer 0\.\.86400, got 1\.5/],
  ['negative not in also', { listeners: [{ max_connections: -2 }] }, 'listeners[0].max_connections', /expected -1 or an integer 1\.\.2147483647, got -2/],
  ['zero not in also', { listeners: [{ max_connections: 0 }] }, 'listeners[0].max_connections', /got 0/],
  ['packet size below 20', { mqtt: { max_packet_size: 10 } }, 'mqtt.max_packet_size', /expected 0 or an integer 20\.\.268435460, got 10/],
  ['session expiry above u32', { mqtt: { max_session_expiry_interval: 4294967296 } }, 'mqtt.max_session_expiry_interval', /0\.\.4294967295/],
  ['boolean as yes', { mqtt: { retain_available: 'yes' } }, 'mqtt.retain_available', /expected true or false, got 'yes' \(YAML 1\.2: write true or false\)/],
  ['boolean as number', { persistence: { enabled: 1 } }, 'persistence.enabled', /expected true or false, got 1/],
  ['null scalar', { mqtt: { max_qos: null } }, 'mqtt.max_qos', /expected one of 0, 1, 2, got an empty value/],
  ['bad enum', { log: { level: 'verbose' } }, 'log.level', /expected one of fatal, error, warn, info, debug, trace, got 'verbose'/],
  ['enum number as string', { mqtt: { max_qos: '1' } }, 'mqtt.max_qos', /remove the quotes/],
  ['bad protocol', { listeners: [{ protocol: 'ws' }] }, 'listeners[0].protocol', /expected one of mqtt, websockets, got 'ws'/],
  ['string as number', { mqtt: { auto_id_prefix: 5 } }, 'mqtt.auto_id_prefix', /expected a string, got 5/],
  ['empty path', { persistence: { path: '' } }, 'persistence.path', /expected a non-empty string, got ''/],
  ['port in host', { listeners: [{ host: '0.0.0.0:1883' }] }, 'listeners[0].host', /put the port in `port:`/],
  ['bad host', { listeners: [{ host: 'my host' }] }, 'listeners[0].host', /expected an IP address or host name/],
  ['section as scalar', { mqtt: 5 }, 'mqtt', /expected a mapping, got 5/],
  ['section as list', { log: ['info'] }, 'log', /expected a mapping, got a list/],
  ['listeners as mapping', { listeners: { port: 1883 } }, 'listeners', /expected a list of mappings, got a mapping/],
  ['listener as scalar', { listeners: [1883] }, 'listeners[0]', /expected a mapping, got 1883/],
  ['no listeners', { listeners: [] }, 'listeners', /at least 1 entry/],
  ['unknown root key', { foo: 1 }, 'foo', new RegExp(`unknown key \\(accepted: ${Object.keys(configSchema).join(', ')}\\)`)],
  ['typo in section', { mqtt: { max_inflight_message: 5 } }, 'mqtt.max_inflight_message', /did you mean 'max_inflight_messages'\?/],
  ['dashes for underscores', { mqtt: { 'max-qos': 1 } }, 'mqtt.max-qos', /did you mean 'max_qos'\?/],
  ['abbreviated key', { mqtt: { max_inflight_message: 5 } }, 'mqtt.max_inflight_message', /did you mean 'max_inflight_messages'\?/],
  ['typo at root', { listener: [] }, 'listener', /did you mean 'listeners'\?/],
  ['key in wrong section', { max_qos: 1 }, 'max_qos', /did you mean mqtt\.max_qos\?/],
  ['mosquitto name', { persistence: { persistence_location: '/var/lib' } }, 'persistence.persistence_location', /mosquitto option 'persistence_location' is persistence\.path/],
  ['prototype key', { mqtt: { constructor: 1 } }, 'mqtt.constructor', /unknown key/],
  ['duplicate listener', { listeners: [{ port: 1884 }, { port: 1884 }] }, 'listeners[1]', /duplicate listener 127\.0\.0\.1:1884 \(same as listeners\[0\]\)/],
];

describe('validateConfig: bad values', () => {
  for (const [title, input, key, message] of badValues) {
    it(title, () => {
      const err = configError(input);
      assert.equal(err.key, key);
      assert.match(err.message, message);
      assert.ok(err.message.startsWith(`${key}: `), err.message);
      assert.equal(err.code, 'GW_ERR_CONFIG');
    });
  }

  it('rejects a top level that is not a mapping, hinting at mosquitto.conf', () => {
    const err = configError('listener 1883 allow_anonymous true');
    assert.match(err.message, new RegExp(`^expected a mapping with keys ${Object.keys(configSchema).join(', ')}, got '.*' \\(this looks like a mosquitto\\.conf`));
    assert.match(configError([1]).message, /got a list$/);
  });

  it('reports the first problem in document order', () => {
    assert.equal(configError({ sys: { interval: -1 }, mqtt: { max_qos: 5 } }).key, 'sys.interval');
  });

  it('passes file and line from the source', () => {
    try {
      validateConfig({ mqtt: { max_qos: 3 } }, { file: 'x.yaml', lineOf: (p) => (formatKeyPath(p) === 'mqtt.max_qos' ? 7 : 1) });
      assert.fail('expected failure');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.message, 'x.yaml:line 7: mqtt.max_qos: expected one of 0, 1, 2, got 3');
      assert.equal(err.line, 7);
      assert.equal(err.file, 'x.yaml');
    }
  });
});

describe('validateConfig: anonymous access on the network', () => {
  const open = ['0.0.0.0', '::', '192.168.1.10', 'gateway.local', 'fe80::1'];
  for (const host of open) {
    it(`refuses ${host} without allow_anonymous, saying how to fix it`, () => {
      const err = configError({ listeners: [{ host }] });
      assert.equal(err.key, 'listeners[0]');
      assert.match(err.message, /allow_anonymous must be set explicitly/);
      assert.match(err.message, /`allow_anonymous: true`/);
      assert.match(err.message, /authentication/);
    });
    it(`accepts ${host} without allow_anonymous when auth.password_file is set (unset then means false)`, () => {
      const cfg = validateConfig({ listeners: [{ host }], auth: { password_file: '/etc/midge/passwd' } });
      assert.equal(cfg.listeners[0].allow_anonymous, undefined);
      assert.equal(cfg.auth.password_file, '/etc/midge/passwd');
    });
    it(`accepts ${host} with allow_anonymous set either way`, () => {
      assert.equal(validateConfig({ listeners: [{ host, allow_anonymous: true }] }).listeners[0].allow_anonymous, true);
      assert.equal(validateConfig({ listeners: [{ host, allow_anonymous: false }] }).listeners[0].allow_anonymous, false);
    });
  }
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
    it(`lets loopback ${host} leave it unset`, () => {
      assert.equal(validateConfig({ listeners: [{ host }] }).listeners[0].allow_anonymous, undefined);
    });
  }
});

describe('host helpers', () => {
  it('isLoopbackHost', () => {
    assert.equal(isLoopbackHost('127.0.0.1'), true);
    assert.equal(isLoopbackHost('LOCALHOST'), true);
    assert.equal(isLoopbackHost('::1'), true);
    assert.equal(isLoopbackHost('::'), false);
    assert.equal(isLoopbackHost('0.0.0.0'), false);
    assert.equal(isLoopbackHost('128.0.0.1'), false);
    assert.equal(isLoopbackHost('localhost.example.com'), false);
    assert.equal(isLoopbackHost('gw.localhost'), false);
  });
  it('isValidHost', () => {
    for (const h of ['127.0.0.1', '::', 'fe80::1', 'gateway', 'gw-1.example.com']) assert.equal(isValidHost(h), true, h);
    for (const h of ['', 'a b', '0.0.0.0:1883', '[::1]', '-bad', 'a..b']) assert.equal(isValidHost(h), false, h);
  });
});
