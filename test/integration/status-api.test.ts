/**
 * The status JSON API and its live event stream over real HTTP, with real
 * MQTT clients; basic auth against a real password file; status_page off.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword } from '../../src/auth/password-hash.js';
import type { GatewayStatus } from '../../src/status/status-json.js';
import type { LiveMessage } from '../../src/status/events.js';
import { connect } from '../helpers/clients.js';
import { tempDir } from '../helpers/midge-process.js';
import { adapterStatus, bridgeStatus, startStatusGateway } from '../helpers/status-gateway.js';
import type { StatusGateway } from '../helpers/status-gateway.js';
import { waitFor } from '../helpers/wait.js';

interface EventStream {
  events: Array<{ event: string; data: unknown }>;
  response: IncomingMessage;
  close(): void;
}

/** Opens /api/events and collects the parsed events. */
function openEvents(url: string): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const req = get(`${url}/api/events`, (response) => {
      const events: EventStream['events'] = [];
      let buf = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buf += chunk;
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      });
      resolve({ events, response, close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

async function status(url: string): Promise<GatewayStatus> {
  const res = await fetch(`${url}/api/status`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  return (await res.json()) as GatewayStatus;
}

describe('GET /api/status', () => {
  let g: StatusGateway;
  before(async () => {
    g = await startStatusGateway();
  });
  after(() => g.stop());

  it('reports health, broker figures, clients, bridges, adapters and recent log lines', async () => {
    const c = await connect(g.mqttPort, { clientId: 'sensor-1', username: 'alice' });
    await c.client.subscribeAsync('a/#');
    await c.client.publishAsync('a/b', 'x', { qos: 1, retain: true });
    g.bridges = [bridgeStatus()];
    g.adapters = [adapterStatus()];
    const s = await status(g.url);
    assert.deepEqual(s.health, { ok: true, problems: [] });
    assert.equal(s.broker.clientsConnected, 1);
    assert.equal(s.broker.subscriptions, 1);
    assert.equal(s.broker.retained, 1);
    assert.equal(s.broker.publishReceived, 1);
    assert.equal(s.broker.listeners[0]!.address, `127.0.0.1:${g.mqttPort}`);
    assert.equal(s.clients.length, 1);
    const client = s.clients[0]!;
    assert.equal(client.clientId, 'sensor-1');
    assert.equal(client.username, 'alice');
    assert.equal(client.connected, true);
    assert.equal(client.subscriptions, 1);
    assert.match(client.remoteAddress ?? '', /^127\.0\.0\.1:\d+$/);
    assert.deepEqual(s.bridges, [JSON.parse(JSON.stringify(bridgeStatus()))]);
    assert.equal(s.adapters[0]!.lastReading!.values['temperature'], 21.5);
    assert.ok(s.logs.some((l) => l.level === 'info' && /^listening on 127\.0\.0\.1:\d+ \(mqtt\)$/.test(l.msg)), JSON.stringify(s.logs));
    assert.equal(s.store.enabled, false);
    await c.end();
  });

  it('health lists bridges in backoff and adapters in error', async () => {
    g.bridges = [bridgeStatus({ state: 'backoff', lastError: 'connect ECONNREFUSED' })];
    g.adapters = [adapterStatus({ state: 'error', lastError: 'ENOENT /dev/ttyUSB0' })];
    const s = await status(g.url);
    assert.deepEqual(s.health, { ok: false, problems: ['bridge aws cannot connect (retrying): connect ECONNREFUSED', 'serial uart0: ENOENT /dev/ttyUSB0'] });
    g.bridges = [];
    g.adapters = [];
  });

  it('/api/events sends a status snapshot at once and every second, and messages on matching topics (never $SYS)', async (t) => {
    const stream = await openEvents(g.url);
    t.after(() => stream.close());
    assert.match(String(stream.response.headers['content-type']), /^text\/event-stream/);
    await waitFor(() => stream.events.filter((e) => e.event === 'status').length >= 2, 5000, 'two status events');
    const pub = await connect(g.mqttPort, { clientId: 'pub' });
    g.gateway.broker.bus.publish('$SYS/broker/test', 'hidden');
    await pub.client.publishAsync('sensors/t1', '21.5', { qos: 1 });
    await pub.client.publishAsync('sensors/bin', Buffer.from([0, 1, 2, 255]));
    const live = (): LiveMessage[] => stream.events.filter((e) => e.event === 'messages').flatMap((e) => (e.data as { messages: LiveMessage[] }).messages);
    await waitFor(() => live().length >= 2, 5000, 'two live messages');
    assert.deepEqual(live().map((m) => [m.topic, m.payload, m.qos]), [['sensors/t1', '21.5', 1], ['sensors/bin', '<4 bytes of binary data>', 0]]);
    await pub.end();
  });

  it('stops tapping the local bus when the last page closes', async () => {
    const stream = await openEvents(g.url);
    await waitFor(() => stream.events.length >= 1, 5000, 'first event');
    assert.equal(g.gateway.broker.bus.active, true);
    stream.close();
    await waitFor(() => !g.gateway.broker.bus.active, 5000, 'the bus tap removed');
  });
});

describe('metrics listener with basic auth', () => {
  let g: StatusGateway;
  let dir: ReturnType<typeof tempDir>;
  before(async () => {
    dir = tempDir();
    const file = join(dir.path, 'passwd');
    writeFileSync(file, `ops:${hashPassword('s3cret')}\n`);
    g = await startStatusGateway({ auth: { password_file: file }, listeners: [{ host: '127.0.0.1', port: 0, allow_anonymous: true }] });
  });
  after(async () => {
    await g.stop();
    dir.cleanup();
  });

  const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });

  for (const path of ['/metrics', '/api/status', '/']) {
    it(`${path}: 401 without or with wrong credentials, 200 with a user from the password file`, async () => {
      const none = await fetch(`${g.url}${path}`);
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Basic realm="midge"/);
      assert.equal((await fetch(`${g.url}${path}`, { headers: basic('ops', 'wrong') })).status, 401);
      assert.equal((await fetch(`${g.url}${path}`, { headers: basic('nobody', 's3cret') })).status, 401);
      const ok = await fetch(`${g.url}${path}`, { headers: basic('ops', 's3cret') });
      assert.equal(ok.status, 200);
    });
  }

  it('logs refused attempts', () => {
    assert.match(g.log(), /"username":"ops".*authentication failed: wrong password/);
  });
});

describe('status_page: false', () => {
  it('serves /metrics only', async (t) => {
    const g = await startStatusGateway({ metrics: { status_page: false } });
    t.after(() => g.stop());
    assert.equal((await fetch(`${g.url}/metrics`)).status, 200);
    for (const path of ['/', '/api/status', '/api/events', '/app.js']) assert.equal((await fetch(`${g.url}${path}`)).status, 404, path);
  });
});

describe('status page assets', () => {
  it('serves the page, its script and stylesheet with their types, and nothing else', async (t) => {
    const g = await startStatusGateway();
    t.after(() => g.stop());
    const page = await fetch(`${g.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.match(await page.text(), /<title>Midge status<\/title>/);
    assert.match((await fetch(`${g.url}/app.js`)).headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match((await fetch(`${g.url}/style.css`)).headers.get('content-type') ?? '', /^text\/css/);
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/nope.js']) assert.equal((await fetch(`${g.url}${path}`)).status, 404, path);
  });
});
