import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/config/load.js';
import { parseHostPort } from '../../src/config/schema.js';
import { metricsNeedAuth } from '../../src/config/validate-metrics.js';
import { ConfigError } from '../../src/errors.js';

function fails(yaml: string, message: string): void {
  assert.throws(() => parseConfigText(yaml, 'm.yaml'), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.message, message);
    return true;
  });
}

describe('metrics config', () => {
  it('parses HOST:PORT', () => {
    assert.deepEqual(parseHostPort('127.0.0.1:9234'), { host: '127.0.0.1', port: 9234 });
    assert.deepEqual(parseHostPort('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseHostPort('gw.local:80'), { host: 'gw.local', port: 80 });
    for (const bad of ['127.0.0.1', ':9234', '::1:9234', '[gw]:1', '1.2.3.4:65536', 'a b:1', '[::1]', 'host:-1']) assert.equal(parseHostPort(bad), undefined, bad);
  });

  it('is off by default; loopback needs no allow_anonymous', () => {
    const d = parseConfigText('');
    assert.deepEqual(d.metrics, { listen: undefined, status_page: true, allow_anonymous: undefined, status_page_topics: '#' });
    const c = parseConfigText('metrics:\n  listen: 127.0.0.1:9234\n');
    assert.equal(c.metrics.listen, '127.0.0.1:9234');
    assert.equal(metricsNeedAuth(c), false);
  });

  it('rejects a malformed listen address with the file, line and the form expected', () => {
    fails('metrics:\n  listen: 9234\n', "m.yaml:line 2: metrics.listen: expected HOST:PORT, got 9234");
    fails('metrics:\n  listen: "0.0.0.0"\n', "m.yaml:line 2: metrics.listen: expected HOST:PORT, got '0.0.0.0'");
  });

  it('a network address must say allow_anonymous, unless a password file is set (then auth is on)', () => {
    fails('metrics:\n  listen: 0.0.0.0:9234\n',
      'm.yaml:line 2: metrics.listen: metrics.listen 0.0.0.0:9234 is reachable from the network, so allow_anonymous must be set explicitly: ' +
        'add `allow_anonymous: true` to serve metrics and the status page without a password, or set auth.password_file (then unset means false: HTTP basic auth)');
    assert.equal(metricsNeedAuth(parseConfigText('metrics:\n  listen: 0.0.0.0:9234\n  allow_anonymous: true\n')), false);
    const withFile = parseConfigText('auth:\n  password_file: /etc/midge/passwd\nlisteners:\n  - host: 127.0.0.1\nmetrics:\n  listen: 0.0.0.0:9234\n');
    assert.equal(metricsNeedAuth(withFile), true);
  });

  it('allow_anonymous: false needs auth.password_file', () => {
    fails('metrics:\n  listen: 127.0.0.1:9234\n  allow_anonymous: false\n',
      'm.yaml:line 3: metrics.allow_anonymous: allow_anonymous: false checks user names and passwords against auth.password_file: set auth.password_file (see `midge passwd`)');
  });

  it('status_page_topics must be a valid filter and never $ topics', () => {
    fails('metrics:\n  status_page_topics: "a/#/b"\n', "m.yaml:line 2: metrics.status_page_topics: invalid topic filter 'a/#/b': '#' must be the last character and occupy a whole level");
    fails('metrics:\n  status_page_topics: "$SYS/#"\n', 'm.yaml:line 2: metrics.status_page_topics: the status page never shows $ topics ($SYS...): use a filter of ordinary topics, e.g. #');
    assert.equal(parseConfigText('metrics:\n  status_page_topics: ""\n').metrics.status_page_topics, '');
  });

  it('log.max_size is a byte count', () => {
    assert.equal(parseConfigText('log:\n  max_size: 1048576\n').log.max_size, 1048576);
    fails('log:\n  max_size: -1\n', 'm.yaml:line 2: log.max_size: expected an integer 0..9007199254740991, got -1');
  });
});
