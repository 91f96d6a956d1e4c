import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { defaultConfig } from '../../src/config/load.js';
import {
  detectConfigFormat,
  formatWarning,
  loadMosquittoConfig,
  parseMosquittoText,
} from '../../src/config/mosquitto/load.js';
import type { LoadedConfig } from '../../src/config/mosquitto/load.js';
import { compareMosquitto } from '../../src/config/mosquitto/parse.js';
import { repoRoot } from '../helpers/repo-root.js';


const fixtures = join(repoRoot(), 'test', 'fixtures', 'mosquitto');
const fixture = (name: string, opts: { includeRoot?: string; ipv6?: boolean } = {}): LoadedConfig =>
  loadMosquittoConfig(join(fixtures, name), { ipv6: true, ...opts });
const parse = (text: string, ipv6 = true): LoadedConfig => parseMosquittoText(text, 'm.conf', { ipv6 });

function parseError(text: string): ConfigError {
  try {
    parse(text);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected an error for:\n${text}`);
}

const warningText = (r: LoadedConfig): string[] => r.warnings.map(formatWarning);

describe('mosquitto.conf fixtures (real-world files)', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'midge-mosq-'));
    mkdirSync(join(root, 'etc', 'mosquitto', 'conf.d'), { recursive: true });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("Debian's default file: local only mode, persistence in /var/lib/mosquitto, its pid file and log file", () => {
    const r = fixture('debian-default.conf', { includeRoot: root });
    assert.deepEqual(
      r.config.listeners.map((l) => [l.host, l.port, l.allow_anonymous]),
      [['127.0.0.1', 1883, true], ['::1', 1883, true]],
    );
    assert.equal(r.config.persistence.enabled, true);
    assert.equal(r.config.persistence.path, '/var/lib/mosquitto/');
    assert.equal(r.config.log.level, 'info');
    assert.equal(r.config.log.file, '/var/log/mosquitto/mosquitto.log');
    assert.equal(r.config.process.pid_file, '/run/mosquitto/mosquitto.pid');
    assert.deepEqual(r.warnings, []);
  });

  it("Debian's default file with conf.d files: loaded in mosquitto's order, errors name the included file", () => {
    const confd = join(root, 'etc', 'mosquitto', 'conf.d');
    writeFileSync(join(confd, 'b.conf'), 'listener 1884\n');
    writeFileSync(join(confd, 'A.conf'), '# local\nlistener 1883\nallow_anonymous true\n');
    writeFileSync(join(confd, 'README'), 'not a .conf file: ignored\n');
    try {
      const r = fixture('debian-default.conf', { includeRoot: root });
      assert.deepEqual(r.config.listeners.map((l) => [l.host, l.port, l.allow_anonymous]), [['::', 1883, true], ['::', 1884, true]]);
      writeFileSync(join(confd, 'c.conf'), '\nmax_queued_messages lots\n');
      assert.throws(() => fixture('debian-default.conf', { includeRoot: root }), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.file, join(confd, 'c.conf'));
        assert.equal(err.line, 2);
        assert.equal(err.key, 'max_queued_messages');
        return true;
      });
    } finally {
      for (const f of ['A.conf', 'b.conf', 'c.conf', 'README']) rmSync(join(confd, f), { force: true });
    }
  });

  it('a missing include_dir is an error at its line', () => {
    assert.throws(() => fixture('debian-default.conf', { includeRoot: join(root, 'nowhere') }), /debian-default\.conf:line 13: include_dir: cannot read directory/);
  });

  it("mosquitto's own example file (every option commented out) gives mosquitto's defaults", () => {
    const r = fixture('upstream-example.conf');
    assert.deepEqual(r.warnings, []);
    assert.equal(r.config.listeners.length, 2);
    assert.equal(r.config.persistence.enabled, false);
    assert.equal(r.config.mqtt.max_inflight_messages, 20);
    assert.equal(r.config.mqtt.max_queued_messages, 1000);
    assert.equal(r.config.sys.interval, 10);
  });

  it('Pi tutorial: listener 1883 + allow_anonymous true', () => {
    const r = fixture('pi-anonymous.conf');
    assert.equal(r.config.listeners.length, 1);
    const [l] = r.config.listeners;
    assert.deepEqual([l.host, l.port, l.protocol, l.allow_anonymous], ['::', 1883, 'mqtt', true]);
    assert.deepEqual([r.config.persistence.enabled, r.config.persistence.path], [true, '/var/lib/mosquitto/']);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual([r.config.process.pid_file, r.config.log.file], ['/run/mosquitto/mosquitto.pid', '/var/log/mosquitto/mosquitto.log']);
  });

  it('Pi tutorial: password_file on listener 1883 0.0.0.0 (per_listener_settings true)', () => {
    const r = fixture('pi-password.conf');
    assert.equal(r.config.listeners.length, 1);
    const [l] = r.config.listeners;
    assert.deepEqual([l.host, l.port, l.allow_anonymous], ['0.0.0.0', 1883, false]);
    const auth = (r.config as unknown as { auth?: { password_file?: string } }).auth;
    assert.equal(auth?.password_file, '/etc/mosquitto/passwd');
    // `allow_anonymous false` above the listener line belongs to the (unstarted) default listener.
    assert.ok(warningText(r).some((w) => /pi-password\.conf:line 10: allow_anonymous: ignored: .*default listener/.test(w)), warningText(r).join('\n'));
  });

  it('Pi tutorial: mqtt on 1883 and websockets on 9001', () => {
    const r = fixture('pi-websockets.conf');
    assert.deepEqual(
      r.config.listeners.map((l) => [l.host, l.port, l.protocol, l.allow_anonymous]),
      [['::', 1883, 'mqtt', true], ['::', 9001, 'websockets', true]],
    );
    assert.equal(r.config.log.level, 'info');
    assert.deepEqual(r.warnings.map((w) => [w.line, w.option]), [[12, 'log_dest'], [17, 'connection_messages']]);
  });

  it('Pi tutorial: TLS on 8883, loopback 1883, password and ACL files, limits', () => {
    const r = fixture('pi-tls.conf');
    const [plain, tls] = r.config.listeners;
    assert.deepEqual([plain.host, plain.port, plain.allow_anonymous, plain.certfile], ['localhost', 1883, false, undefined]);
    assert.deepEqual(
      [tls.host, tls.port, tls.allow_anonymous, tls.cafile, tls.certfile, tls.keyfile, tls.tls_version, tls.require_certificate],
      ['::', 8883, false, '/etc/mosquitto/ca_certificates/ca.crt', '/etc/mosquitto/certs/server.crt', '/etc/mosquitto/certs/server.key', 'tlsv1.2', false],
    );
    const auth = (r.config as unknown as { auth?: { password_file?: string; acl_file?: string } }).auth;
    assert.deepEqual([auth?.password_file, auth?.acl_file], ['/etc/mosquitto/passwd', '/etc/mosquitto/acl']);
    assert.equal(r.config.mqtt.max_inflight_messages, 65535, 'mosquitto 0 = unlimited');
    assert.equal(r.config.mqtt.max_queued_messages, 5000);
    assert.equal(r.config.mqtt.persistent_client_expiration, 14 * 86400);
    assert.equal(r.config.sys.interval, 30);
    assert.deepEqual(r.warnings, []);
  });
});

describe('mosquitto.conf semantics', () => {
  it('no listener at all: local only mode on 127.0.0.1 (and ::1 when the host has IPv6), anonymous allowed', () => {
    assert.deepEqual(parse('', false).config.listeners.map((l) => [l.host, l.port, l.allow_anonymous]), [['127.0.0.1', 1883, true]]);
    assert.equal(parse('').config.listeners[1].host, '::1');
  });

  it('a configured listener refuses anonymous clients unless allowed (mosquitto 2)', () => {
    const [l] = parse('listener 1883\n').config.listeners;
    assert.deepEqual([l.host, l.allow_anonymous], ['::', false]);
    assert.equal(parse('listener 1883\n', false).config.listeners[0].host, '0.0.0.0');
    assert.equal(parse('listener 1883\nsocket_domain ipv4\n').config.listeners[0].host, '0.0.0.0');
  });

  it('port and bind_address configure the default listener wherever they are', () => {
    const r = parse('listener 8883 10.0.0.2\nallow_anonymous true\nport 1884\nbind_address 10.0.0.1\n');
    assert.deepEqual(r.config.listeners.map((l) => [l.host, l.port, l.allow_anonymous]), [['10.0.0.2', 8883, true], ['10.0.0.1', 1884, true]]);
  });

  it('listener options before any listener create the default listener on 1883', () => {
    const r = parse('max_connections 5\nlistener 1884\nmax_connections 7\n');
    assert.deepEqual(r.config.listeners.map((l) => [l.port, l.max_connections]), [[1884, 7], [1883, 5]]);
  });

  it('per_listener_settings true applies allow_anonymous to its listener; anywhere in the file', () => {
    const r = parse('listener 1883 127.0.0.1\nallow_anonymous true\nlistener 1884\nper_listener_settings true\n');
    assert.deepEqual(r.config.listeners.map((l) => l.allow_anonymous), [true, false]);
    const g = parse('listener 1883 127.0.0.1\nallow_anonymous true\nlistener 1884\n');
    assert.deepEqual(g.config.listeners.map((l) => l.allow_anonymous), [true, true]);
  });

  it('listener 0 ADDRESS is a free port (Midge extension); listener 0 PATH a Unix socket', () => {
    const [tcp] = parse('listener 0 127.0.0.1\n').config.listeners;
    assert.deepEqual([tcp.host, tcp.port], ['127.0.0.1', 0]);
    const [unix] = parse('listener 0 /run/mosquitto/mqtt.sock\n').config.listeners;
    assert.equal(unix.socket_path, '/run/mosquitto/mqtt.sock');
  });

  it('maps the global limits and log_type', () => {
    const c = parse(
      'max_keepalive 300\nmax_packet_size 1048576\nmax_queued_bytes 9999\nretain_available false\nqueue_qos0_messages true\n' +
        'allow_zero_length_clientid false\nauto_id_prefix pi-\nlog_type debug\nlog_type error\npersistent_client_expiration 1w\n',
    ).config;
    assert.deepEqual(
      [c.mqtt.max_keepalive, c.mqtt.max_packet_size, c.mqtt.max_queued_bytes, c.mqtt.retain_available, c.mqtt.queue_qos0_messages],
      [300, 1048576, 9999, false, true],
    );
    assert.deepEqual([c.mqtt.allow_zero_length_clientid, c.mqtt.auto_id_prefix, c.log.level], [false, 'pi-', 'debug']);
    assert.equal(c.mqtt.persistent_client_expiration, 7 * 86400);
    assert.equal(parse('log_type error\nlog_type warning\n').config.log.level, 'warn');
  });

  it('per_listener_settings true: each listener keeps its own acl_file (none: none), auth.acl_file unset', () => {
    const r = parse('per_listener_settings true\nlistener 1883\nacl_file /a\nlistener 1884\nacl_file /b\nlistener 1885\n');
    assert.deepEqual(r.config.listeners.map((l) => l.acl_file), ['/a', '/b', undefined]);
    assert.equal(r.config.auth.acl_file, undefined);
    // without per_listener_settings, acl_file stays global wherever it is
    const g = parse('listener 1883\nacl_file /a\nlistener 1884\n');
    assert.deepEqual([g.config.listeners.map((l) => l.acl_file), g.config.auth.acl_file], [[undefined, undefined], '/a']);
  });

  it('mount_point is per listener', () => {
    const r = parse('listener 1883\nmount_point tenant/\nlistener 1884\n');
    assert.deepEqual(r.config.listeners.map((l) => l.mount_point), ['tenant/', undefined]);
  });

  it('max_inflight_bytes maps to mqtt.max_inflight_bytes (0 = count only)', () => {
    assert.equal(parse('max_inflight_bytes 65536\n').config.mqtt.max_inflight_bytes, 65536);
    assert.deepEqual(parse('max_inflight_bytes 65536\n').warnings, []);
    assert.equal(parse('listener 1883\n').config.mqtt.max_inflight_bytes, 0);
  });

  it('a mosquitto.conf turns Reason Strings off (mosquitto sends none); the YAML default keeps them', () => {
    assert.equal(parse('listener 1883\n').config.mqtt.reason_strings, false);
    assert.equal(defaultConfig().mqtt.reason_strings, true);
  });

  it('check_retain_source maps to mqtt.check_retain_source (off unless set), without a warning', () => {
    const on = parse('check_retain_source true\nacl_file /etc/mosquitto/acl\n');
    assert.equal(on.config.mqtt.check_retain_source, true);
    assert.deepEqual(on.warnings.filter((w) => w.option === 'check_retain_source'), []);
    assert.equal(parse('check_retain_source false\n').config.mqtt.check_retain_source, false);
    assert.equal(parse('listener 1883\n').config.mqtt.check_retain_source, false);
  });

  it('upgrade_outgoing_qos maps to mqtt.upgrade_outgoing_qos (off unless set)', () => {
    assert.equal(parse('upgrade_outgoing_qos true\n').config.mqtt.upgrade_outgoing_qos, true);
    assert.equal(parse('upgrade_outgoing_qos false\n').config.mqtt.upgrade_outgoing_qos, false);
    assert.equal(parse('listener 1883\n').config.mqtt.upgrade_outgoing_qos, false);
  });

  it('persistence_file names the database inside persistence_location; a directory in it is refused at its line', () => {
    const r = parse('persistence true\npersistence_location /var/lib/m/\npersistence_file second.db\n');
    assert.deepEqual([r.config.persistence.path, r.config.persistence.file], ['/var/lib/m/', 'second.db']);
    assert.deepEqual(r.warnings, []);
    assert.equal(parse('persistence true\n').config.persistence.file, 'midge.db');
    const err = parseError('persistence true\npersistence_file sub/x.db\n');
    assert.equal(err.line, 2);
    assert.match(err.message, /file name without a directory/);
  });

  it('maximum_qos is max_qos under its other name (mosquitto conf.c accepts both)', () => {
    assert.equal(parse('listener 1883\nallow_anonymous true\nmaximum_qos 1\n').config.mqtt.max_qos, 1);
    const r = parse('listener 1883\nmaximum_qos 1\nlistener 1884\nmax_qos 0\nallow_anonymous true\n');
    assert.equal(r.config.mqtt.max_qos, 0);
    assert.equal(parseError('listener 1883\nmaximum_qos 3\n').line, 2);
  });

  it('message_size_limit becomes mqtt.max_payload_size (a payload limit, max_packet_size untouched), no warning', () => {
    const r = parse('message_size_limit 1000\n');
    assert.deepEqual([r.config.mqtt.max_payload_size, r.config.mqtt.max_packet_size], [1000, 0]);
    assert.deepEqual(r.warnings, []);
  });

  it('max_packet_size inside a listener block is that listener\'s; above every listener it is global', () => {
    const c = parse('max_packet_size 4096\nlistener 1883\nlistener 1884\nmax_packet_size 100000\n').config;
    assert.equal(c.mqtt.max_packet_size, 4096);
    assert.deepEqual(c.listeners.map((l) => [l.port, l.max_packet_size]), [[1883, 0], [1884, 100000]]);
    assert.throws(() => parse('listener 1883\nmax_packet_size 10\n'), /line 2: max_packet_size: expected 0 or an integer 20\.\.268435460, got 10/);
  });

  it('log_dest file becomes log.file (the first one), pid_file process.pid_file', () => {
    const r = parse('pid_file /run/m.pid\nlog_dest file /var/log/a b.log\nlog_dest file /tmp/other.log\n');
    assert.equal(r.config.process.pid_file, '/run/m.pid');
    assert.equal(r.config.log.file, '/var/log/a b.log');
    assert.deepEqual(warningText(r), ['m.conf:line 3: log_dest: ignored: Midge logs to one file (/var/log/a b.log)']);
  });

  it('max_qos on one listener applies to all, with a warning', () => {
    const r = parse('listener 1883\nmax_qos 1\nlistener 1884\n');
    assert.equal(r.config.mqtt.max_qos, 1);
    assert.match(warningText(r)[0], /line 2: max_qos: Midge has one value for all listeners/);
  });

  it('accepted-but-ignored options warn with their line; trailing comments after numbers are skipped', () => {
    const r = parse('user mosquitto\nautosave_interval 1800\nsys_interval 10 # every 10 s\nset_tcp_nodelay true\nmax_keepalive 60 extra\n');
    assert.deepEqual(warningText(r), [
      "m.conf:line 1: user: ignored: Midge does not change user; set User= in the systemd unit (or procd) instead",
      'm.conf:line 2: autosave_interval: ignored: Midge commits every change to its SQLite store as it happens',
      "m.conf:line 5: max_keepalive: ignored extra text after the value: 'extra'",
    ]);
  });

  it('.conf files are mosquitto configurations', () => {
    assert.equal(detectConfigFormat('/etc/mosquitto/mosquitto.conf'), 'mosquitto');
    assert.equal(detectConfigFormat('midge.yaml'), 'yaml');
  });

  it('include_dir order: case-sensitive, upper case of a letter first (man mosquitto.conf)', () => {
    assert.deepEqual(['b.conf', 'A.conf', '01.conf', 'a.conf', 'B.conf', '00.conf'].sort(compareMosquitto), [
      '00.conf', '01.conf', 'A.conf', 'a.conf', 'B.conf', 'b.conf',
    ]);
  });
});

describe('mosquitto.conf bridges', () => {
  it('a connection block becomes a generic bridge with the same meaning', () => {
    const r = parse([
      'listener 1883',
      'connection cloud',
      'address broker.example.com:8883 backup.example.com',
      'bridge_protocol_version mqttv50',
      'remote_clientid gw-17',
      'remote_username gw',
      'remote_password secret',
      'cleansession false',
      'keepalive_interval 30',
      'restart_timeout 2 20',
      'topic sensors/# out 1 "" site1/',
      'topic cmd/# in 1 local/ site1/',
      'bridge_cafile /dev/null',
      'bridge_insecure false',
      'notifications true',
      'try_private true',
      'start_type lazy',
      'threshold 50',
      '',
    ].join('\n'));
    const b = r.config.bridges[0]!;
    assert.equal(b.name, 'cloud');
    assert.equal(b.type, 'generic');
    assert.deepEqual(b.addresses, ['broker.example.com:8883', 'backup.example.com:1883']);
    assert.equal(b.protocol_version, 'mqttv50');
    assert.equal(b.client_id, 'gw-17');
    assert.equal(b.username, 'gw');
    assert.equal(b.password, 'secret');
    assert.equal(b.clean_session, false);
    assert.equal(b.keepalive, 30);
    assert.equal(b.restart_timeout, '2 20');
    assert.deepEqual(b.topics, ['sensors/# out 1 "" site1/', 'cmd/# in 1 local/ site1/']);
    assert.equal(b.cafile, '/dev/null');
    assert.equal(b.start_type, 'lazy');
    assert.equal(b.threshold, 50);
    assert.deepEqual(warningText(r), ['m.conf:line 16: try_private: ignored: Midge prevents loops itself (messages a bridge received are never sent back out by it)']);
    assert.equal(r.config.listeners.length, 1, 'options after a bridge block that are not bridge options still apply');
  });

  it('two bridges, IPv6 addresses get the default port', () => {
    const r = parse('connection a\naddress ::1\ntopic x out\nconnection b\naddresses [fe80::1]:1884 [::2]\ntopic y in\n');
    assert.deepEqual(r.config.bridges.map((b) => [b.name, b.addresses]), [['a', ['[::1]:1883']], ['b', ['[fe80::1]:1884', '[::2]:1883']]]);
  });
});

describe('mosquitto.conf errors name the exact line', () => {
  // [title, text, expected message]
  const rows: Array<[string, string, string]> = [
    ['unknown option', '# c\n\nlistener 1883\nlistenr 1884\n', "m.conf:line 4: listenr: unknown mosquitto option; did you mean 'listener'?"],
    ['missing value', 'listener 1883\nmax_inflight_messages\n', 'm.conf:line 2: max_inflight_messages: missing value'],
    ['bad number', '\nmax_queued_messages 10k\n', "m.conf:line 2: max_queued_messages: expected an integer, got '10k'"],
    ['bad boolean', 'listener 1883\nallow_anonymous yes\n', "m.conf:line 2: allow_anonymous: expected true or false, got 'yes'"],
    ['out of range (checked by the shared validation)', 'max_keepalive 70000\n', 'm.conf:line 1: max_keepalive: expected an integer 0..65535, got 70000 (Midge key mqtt.max_keepalive)'],
    ['bad port', 'listener 1883\nlistener 70000\n', "m.conf:line 2: listener: expected a port 0..65535, got '70000'"],
    ['bad duration', 'persistent_client_expiration 5\n', 'm.conf:line 1: persistent_client_expiration: expected a duration'],
    ['duplicate listener', 'listener 1883\nlistener 1884\nlistener 1883\n', 'm.conf:line 3: listener: duplicate listener'],
    ['duplicate path option', 'password_file /a\npassword_file /b\n', 'm.conf:line 2: password_file: duplicate password_file value'],
    ['bridge option outside a bridge', 'listener 1883\naddress mqtt.example.com:1883\n', 'm.conf:line 2: address: bridge option outside a bridge: put it after a `connection NAME` line'],
    ['bridge without an address', 'connection cloud\ntopic a/# out 1\n', 'm.conf:line 1: connection: for generic: at least one host:port (Midge key bridges[0].addresses)'],
    ['bad bridge topic line', 'connection cloud\naddress h\ntopic a/# sideways\n', "m.conf:line 3: topic: topic line 1 'a/# sideways'"],
    ['PSK bridge', 'connection c\naddress h\nbridge_identity gw\n', 'm.conf:line 3: bridge_identity: TLS-PSK bridges are not supported'],
    ['start_type once', 'connection c\naddress h\nstart_type once\n', 'm.conf:line 3: start_type: start_type once is not supported'],
    ['auth plugin', 'auth_plugin /usr/lib/mosquitto_dynamic_security.so\n', 'm.conf:line 1: auth_plugin: auth plugins are not supported by Midge yet'],
    ['bad log_type', 'log_type verbose\n', 'm.conf:line 1: log_type: expected one of none, error'],
    ['tls_version 1.1', 'listener 8883\ntls_version tlsv1.1\n', 'm.conf:line 2: tls_version: expected one of tlsv1.2, tlsv1.3'],
    ['per-listener password files that differ', 'per_listener_settings true\nlistener 1883\npassword_file /a\nlistener 1884\n', 'm.conf:line 3: password_file: per_listener_settings: Midge has one password_file'],
  ];
  for (const [title, text, expected] of rows) {
    it(title, () => {
      const err = parseError(text);
      assert.ok(err.message.startsWith(expected), `got: ${err.message}\nexpected to start with: ${expected}`);
      assert.equal(err.file, 'm.conf');
    });
  }
});
