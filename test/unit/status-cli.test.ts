import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from '../../src/cli/args.js';
import { formatStatus } from '../../src/cli/status-format.js';
import { DEFAULT_STATUS_URL, parseStatusArgs, statusUrl } from '../../src/cli/status.js';
import type { GatewayStatus } from '../../src/status/status-json.js';
import { parseBasicAuth } from '../../src/status/basic-auth.js';
import { liveMessage } from '../../src/status/events.js';
import { adapterStatus, bridgeStatus } from '../helpers/status-gateway.js';
import { tempDir } from '../helpers/midge-process.js';

describe('midge status arguments', () => {
  it('are its own: `status` hands the rest to cli/status.ts', () => {
    assert.deepEqual(parseArgs(['status', '-c', 'x.yaml', '--json']), { ok: true, command: { kind: 'status', args: ['-c', 'x.yaml', '--json'] } });
    assert.deepEqual(parseStatusArgs(['-c', 'x.yaml', '--json', '-u', 'ops']), { ok: true, args: { configPath: 'x.yaml', json: true, user: 'ops' } });
    assert.deepEqual(parseStatusArgs(['-c', 'a', '--url', 'http://x']), { ok: false, error: 'give one of -c and --url' });
    assert.deepEqual(parseStatusArgs(['--url']), { ok: false, error: 'option --url needs a value' });
    assert.deepEqual(parseStatusArgs(['extra']), { ok: false, error: "unexpected argument 'extra'" });
  });

  it('the address: --url, metrics.listen of the file (a wildcard host means loopback), or the default', (t) => {
    const dir = tempDir();
    t.after(() => dir.cleanup());
    const file = (name: string, listen: string, extra = ''): string => {
      const path = join(dir.path, name);
      writeFileSync(path, `metrics:\n  listen: "${listen}"\n  allow_anonymous: true\n${extra}`);
      return path;
    };
    assert.equal(statusUrl({ json: false }), DEFAULT_STATUS_URL);
    assert.equal(statusUrl({ json: false, url: 'http://gw:9234/' }), 'http://gw:9234');
    assert.equal(statusUrl({ json: false, configPath: file('a.yaml', '127.0.0.1:9300') }), 'http://127.0.0.1:9300');
    assert.equal(statusUrl({ json: false, configPath: file('b.yaml', '0.0.0.0:9301') }), 'http://127.0.0.1:9301');
    assert.equal(statusUrl({ json: false, configPath: file('c.yaml', '[::]:9302') }), 'http://[::1]:9302');
    assert.throws(() => statusUrl({ json: false, configPath: file('d.yaml', '127.0.0.1:0') }), /port 0 \(a random port\): give the address with --url/);
    assert.throws(() => statusUrl({ json: false, configPath: file('e.yaml', '127.0.0.1:9303', '  status_page: false\n') }), /status_page is false/);
  });
});

describe('midge status summary', () => {
  it('shows problems first, then broker, store, bridges and devices', () => {
    const s: GatewayStatus = {
      version: '1.2.3', now: 0, uptimeSeconds: 3725, health: { ok: false, problems: ['bridge azure is backoff: timeout'] },
      broker: {
        listeners: [{ address: '0.0.0.0:8883', protocol: 'mqtt', tls: true }], clientsConnected: 3, clientsMaximum: 5, sessionsOffline: 1,
        subscriptions: 9, retained: 4, publishReceived: 100, publishSent: 250, bytesReceived: 1, bytesSent: 2,
        dropped: { queue_full: 2, expired: 0, too_large: 0, slow_consumer: 0, store_full: 0, not_authorized: 0 }, refused: 1,
      },
      store: { enabled: true, queuedMessages: 7, queuedBytes: 2048, fileBytes: 1_500_000, errors: 0 },
      process: { pid: 42, node: 'v20.0.0', rssBytes: 60_000_000, heapUsedBytes: 1 },
      clients: [], clientsTotal: 4,
      bridges: [bridgeStatus({ name: 'azure', type: 'azure', state: 'backoff', lastError: 'timeout' })],
      adapters: [adapterStatus({ lastReading: undefined })],
      logs: [],
    };
    assert.equal(formatStatus(s, 'http://127.0.0.1:9234'), [
      'midge 1.2.3 at http://127.0.0.1:9234: 1 problem(s), up 1 h 2 min',
      '  ! bridge azure is backoff: timeout',
      'clients:   3 connected (most 5), 1 offline session(s)',
      'messages:  100 received, 250 sent, 2 dropped (queue_full 2), 1 refused',
      'topics:    9 subscription(s), 4 retained message(s)',
      'store:     database 1.5 MB, 7 queued (2.0 kB stored), 0 error(s)',
      'process:   pid 42, node v20.0.0, 60.0 MB resident',
      'listeners: 0.0.0.0:8883 (mqtt, tls)',
      'bridges:',
      '  azure (azure) backoff example-ats.iot.eu-west-1.amazonaws.com:8883: queue 12, oldest 42 s, 12.5/s, 1000 sent, 1 dead letter(s); last error: timeout',
      'devices:',
      '  serial uart0 running: lines_parsed 120, lines_dropped 2',
      '',
    ].join('\n'));
  });
});

describe('status helpers', () => {
  it('parses basic auth, a colon in the password included', () => {
    const header = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
    assert.deepEqual(parseBasicAuth(header('ops:a:b')), { username: 'ops', password: 'a:b' });
    assert.deepEqual(parseBasicAuth(header('ops:')), { username: 'ops', password: '' });
    for (const bad of [undefined, '', 'Bearer x', header('nocolon'), 'Basic !!!']) assert.equal(parseBasicAuth(bad), undefined, String(bad));
  });

  it('live messages: text as is, long text cut at a character boundary, binary summarised', () => {
    const m = (payload: Buffer) => liveMessage({ topic: 't', payload, qos: 0, retain: false, receivedAt: 1 }).payload;
    assert.equal(m(Buffer.from('21.5 °C')), '21.5 °C');
    assert.equal(m(Buffer.from([0xff, 0xfe])), '<2 bytes of binary data>');
    assert.equal(m(Buffer.from('a\u0000b')), '<3 bytes of binary data>');
    const long = m(Buffer.from('é'.repeat(2000)));
    assert.equal(long, `${'é'.repeat(512)}…`);
    assert.equal(m(Buffer.alloc(0)), '');
  });
});
