/**
 * GET /metrics over real HTTP from a real gateway: the exposition is valid
 * (a strict parser, and `promtool check metrics` when installed; required
 * under CI=true), counters follow real MQTT traffic, and bridge/adapter
 * metrics follow what the components report at each scrape.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connect } from '../helpers/clients.js';
import { parseExposition, sample } from '../helpers/exposition.js';
import type { Exposition } from '../helpers/exposition.js';
import { adapterStatus, bridgeStatus, startStatusGateway } from '../helpers/status-gateway.js';
import type { StatusGateway } from '../helpers/status-gateway.js';
import { VERSION } from '../../src/version.js';

async function scrape(g: StatusGateway): Promise<{ text: string; parsed: Exposition; type: string | null }> {
  const res = await fetch(`${g.url}/metrics`);
  assert.equal(res.status, 200);
  const text = await res.text();
  return { text, parsed: parseExposition(text), type: res.headers.get('content-type') };
}

const promtool = spawnSync('promtool', ['--version']).status === 0;

describe('metrics endpoint', () => {
  let g: StatusGateway;
  before(async () => {
    g = await startStatusGateway();
  });
  after(() => g.stop());

  it('counts connections, messages by QoS, bytes, subscriptions and retained messages', async () => {
    const sub = await connect(g.mqttPort, { clientId: 'sub' });
    await sub.client.subscribeAsync('m/#', { qos: 2 });
    const pub = await connect(g.mqttPort, { clientId: 'pub' });
    await pub.client.publishAsync('m/a', 'zero', { qos: 0 });
    await pub.client.publishAsync('m/b', 'one', { qos: 1 });
    await pub.client.publishAsync('m/c', 'two', { qos: 2, retain: true });
    await sub.waitMessages(3);
    const { parsed, type } = await scrape(g);
    assert.match(type ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal(sample(parsed, 'midge_clients_connected'), 2);
    assert.equal(sample(parsed, 'midge_connections_total'), 2);
    for (const qos of ['0', '1', '2']) {
      assert.equal(sample(parsed, 'midge_publish_received_total', { qos }), 1, `received qos ${qos}`);
      assert.equal(sample(parsed, 'midge_publish_sent_total', { qos }), 1, `sent qos ${qos}`);
    }
    assert.equal(sample(parsed, 'midge_subscriptions'), 1);
    assert.equal(sample(parsed, 'midge_retained_messages'), 1);
    assert.ok(sample(parsed, 'midge_bytes_received_total') > 30);
    assert.ok(sample(parsed, 'midge_bytes_sent_total') > 20);
    assert.equal(sample(parsed, 'midge_publish_dropped_total', { reason: 'queue_full' }), 0);
    assert.equal(parsed.types.get('midge_publish_dropped_total'), 'counter');
    assert.equal(sample(parsed, 'midge_info', { version: VERSION }), 1);
    // prom-client's default metrics: event-loop lag and memory
    assert.ok(sample(parsed, 'nodejs_eventloop_lag_seconds') >= 0);
    assert.ok(sample(parsed, 'process_resident_memory_bytes') > 1e6);
    await sub.end();
    await pub.end();
  });

  it('reports bridges and adapters as the providers say at each scrape', async () => {
    g.bridges = [bridgeStatus(), bridgeStatus({ name: 'backup', type: 'generic', state: 'backoff', oldestAgeSeconds: null, queueDepth: 0, droppedTotal: {} })];
    g.adapters = [adapterStatus(), adapterStatus({ kind: 'gpio', name: 'door', counters: { edges: 7 }, lastReading: undefined })];
    let { parsed } = await scrape(g);
    assert.equal(sample(parsed, 'midge_bridge_state', { bridge: 'aws', type: 'aws', state: 'connected' }), 1);
    assert.equal(sample(parsed, 'midge_bridge_state', { bridge: 'aws', type: 'aws', state: 'backoff' }), 0);
    assert.equal(sample(parsed, 'midge_bridge_state', { bridge: 'backup', type: 'generic', state: 'backoff' }), 1);
    assert.equal(sample(parsed, 'midge_bridge_queue_messages', { bridge: 'aws' }), 12);
    assert.equal(sample(parsed, 'midge_bridge_queue_bytes', { bridge: 'aws' }), 3400);
    assert.equal(sample(parsed, 'midge_bridge_oldest_message_age_seconds', { bridge: 'aws' }), 42.5);
    assert.equal(sample(parsed, 'midge_bridge_oldest_message_age_seconds', { bridge: 'backup' }), 0);
    assert.equal(sample(parsed, 'midge_bridge_send_rate', { bridge: 'aws' }), 12.5);
    assert.equal(sample(parsed, 'midge_bridge_sent_total', { bridge: 'aws' }), 1000);
    assert.equal(sample(parsed, 'midge_bridge_dropped_total', { bridge: 'aws', reason: 'queue_full' }), 3);
    assert.equal(sample(parsed, 'midge_bridge_dead_letters', { bridge: 'aws' }), 1);
    assert.equal(sample(parsed, 'midge_adapter_events_total', { kind: 'serial', device: 'uart0', event: 'lines_parsed' }), 120);
    assert.equal(sample(parsed, 'midge_adapter_events_total', { kind: 'gpio', device: 'door', event: 'edges' }), 7);
    assert.equal(sample(parsed, 'midge_adapter_state', { kind: 'serial', device: 'uart0', state: 'running' }), 1);
    assert.equal(sample(parsed, 'midge_adapter_last_reading_timestamp_seconds', { kind: 'serial', device: 'uart0' }), 1_700_000_000);

    // live: the next scrape sees new values, and a bridge that went away is gone
    g.bridges = [bridgeStatus({ queueDepth: 99, sentTotal: 1010 })];
    ({ parsed } = await scrape(g));
    assert.equal(sample(parsed, 'midge_bridge_queue_messages', { bridge: 'aws' }), 99);
    assert.equal(sample(parsed, 'midge_bridge_sent_total', { bridge: 'aws' }), 1010);
    assert.throws(() => sample(parsed, 'midge_bridge_queue_messages', { bridge: 'backup' }), /no sample/);
  });

  it('a provider that throws is logged and the scrape still answers', async () => {
    g.bridgesError = new Error('bridge status broken');
    g.adapters = [adapterStatus()];
    try {
      const { parsed } = await scrape(g);
      assert.equal(sample(parsed, 'midge_clients_connected'), 0);
      assert.equal(sample(parsed, 'midge_adapter_state', { kind: 'serial', device: 'uart0', state: 'running' }), 1);
      assert.equal([...parsed.samples.keys()].filter((k) => k.startsWith('midge_bridge_')).length, 0);
      assert.match(g.log(), /"err":{[^}]*"message":"bridge status broken".*"msg":"status of the bridges could not be read"/);
    } finally {
      g.bridgesError = undefined;
    }
  });

  it('the exposition passes promtool check metrics', { skip: !promtool && process.env['CI'] !== 'true' ? 'promtool not installed (apt-get install prometheus)' : false }, async () => {
    g.bridges = [bridgeStatus()];
    g.adapters = [adapterStatus()];
    const { text } = await scrape(g);
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.error, undefined, 'promtool must be installed under CI');
    assert.equal(r.status, 0, `promtool check metrics: ${r.stdout}${r.stderr}`);
  });

  it('is read-only', async () => {
    const res = await fetch(`${g.url}/metrics`, { method: 'POST' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
  });
});
