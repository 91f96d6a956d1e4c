/**
 * Gateway health over MQTT with the real /proc and /sys of this machine:
 * JSON state and per-value topics (retained), `$SYS/midge/health/...`, the
 * inventory, availability; and the in-flight guard with a source that
 * hangs (polls are skipped and counted, never stacked).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import pino from 'pino';
import { createHealthAdapters } from '../../src/adapters/health/index.js';
import { ProcSource } from '../../src/adapters/health/proc-source.js';
import type { HealthSource } from '../../src/adapters/health/source.js';
import { startAdapters } from '../../src/adapters/start.js';
import { validateConfig } from '../../src/config/validate.js';
import { startBroker } from '../helpers/broker.js';
import { connect } from '../helpers/clients.js';
import { waitFor } from '../helpers/wait.js';

const logger = pino({ level: process.env.MIDGE_TEST_LOG ?? 'silent' });

describe('health over MQTT', () => {
  it('publishes plausible values from this machine, retained, with $SYS copies, inventory and availability', async () => {
    const tb = await startBroker();
    const cfg = validateConfig({ persistence: { enabled: false, path: tmpdir() }, health: { enabled: true, interval: 1, topic_prefix: 'test/h' } });
    const running = await startAdapters(cfg, tb.broker.bus, logger);
    const sub = await connect(tb.port, { clientId: 'health-sub' });
    try {
      assert.deepEqual(running.adapters.map((a) => `${a.kind}/${a.name}`), ['health/health']);
      await sub.client.subscribeAsync(['test/h/health/#', '$SYS/midge/health/#']);
      await waitFor(() => sub.messages.some((m) => m.topic === 'test/h/health'), 8000, 'health JSON');
      const json = JSON.parse(sub.messages.find((m) => m.topic === 'test/h/health')!.payload.toString()) as Record<string, number | null | string>;
      assert.ok(typeof json.cpu_load === 'number' && json.cpu_load >= 0 && json.cpu_load <= 100, `cpu_load ${json.cpu_load}`);
      assert.ok(typeof json.mem_used_percent === 'number' && json.mem_used_percent > 0 && json.mem_used_percent < 100);
      assert.ok(typeof json.disk_free === 'number' && json.disk_free > 0 && json.disk_free <= (json.disk_total as number));
      assert.ok(typeof json.uptime === 'number' && json.uptime > 0);
      assert.ok(typeof json.process_rss === 'number' && json.process_rss > 10 * 2 ** 20);
      assert.ok(!Number.isNaN(Date.parse(String(json.at))));
      const topics = new Set(sub.messages.map((m) => m.topic));
      for (const key of ['cpu_load', 'load1', 'mem_available', 'disk_free', 'uptime', 'net_rx_bytes']) {
        assert.ok(topics.has(`test/h/health/${key}`), key);
        assert.ok(topics.has(`$SYS/midge/health/${key}`), `$SYS ${key}`);
      }
      const byTopic = (t: string) => sub.messages.find((m) => m.topic === t)!;
      assert.equal(Number(byTopic('test/h/health/uptime').payload.toString()), json.uptime);
      assert.equal(byTopic('test/h/health/availability').payload.toString(), 'online');
      await waitFor(() => topics.has('test/h/health/info') || sub.messages.some((m) => m.topic === 'test/h/health/info'), 20000, 'inventory');
      const info = JSON.parse(byTopic('test/h/health/info').payload.toString()) as { node: string; midge: string };
      assert.equal(info.node, process.version);
      const late = await connect(tb.port, { clientId: 'health-late' });
      await late.client.subscribeAsync('test/h/health/cpu_load');
      await waitFor(() => late.messages.length === 1, 5000, 'retained value for a late subscriber');
      assert.equal(late.messages[0].packet.retain, true);
      await late.end();
      const st = running.status()[0];
      assert.equal(st.state, 'running');
      assert.ok(st.counters.samples >= 1);
    } finally {
      await running.stop();
      await waitFor(() => sub.messages.some((m) => m.topic === 'test/h/health/availability' && m.payload.toString() === 'offline'), 5000, 'offline on stop');
      await sub.end();
      await tb.stop();
    }
  });

  it('never stacks polls: a hanging source makes later polls skip, and sampling resumes after it answers', async () => {
    const tb = await startBroker();
    const real = new ProcSource();
    let release: (() => void) | undefined;
    let hang = false;
    const source: HealthSource = Object.assign(Object.create(real) as HealthSource, {
      cpuTimes: () => (hang ? new Promise<null>((resolve) => { release = () => resolve(null); }) : real.cpuTimes()),
    });
    const cfg = validateConfig({ persistence: { enabled: false, path: tmpdir() }, health: { enabled: true, interval: 1, sys_topics: false, topic_prefix: 'test/h2' } });
    const [health] = createHealthAdapters(cfg, { bus: tb.broker.bus, logger }, { source, firstSampleMs: 10 });
    try {
      await health.start();
      await waitFor(() => health.status().counters.samples >= 1, 5000, 'first sample');
      hang = true;
      await waitFor(() => health.status().counters.polls_skipped >= 2, 6000, 'skipped polls while one hangs');
      const samples = health.status().counters.samples;
      hang = false;
      release?.();
      await waitFor(() => health.status().counters.samples >= samples + 2, 6000, 'sampling resumed');
    } finally {
      release?.();
      await health.stop();
      await tb.stop();
    }
  });

  it('a source without thermal zone or Pi firmware publishes no temperature, and says null in the JSON', async () => {
    const tb = await startBroker();
    const real = new ProcSource();
    const source: HealthSource = Object.assign(Object.create(real) as HealthSource, { temperature: async () => null, throttled: async () => null });
    const cfg = validateConfig({ persistence: { enabled: false, path: tmpdir() }, health: { enabled: true, interval: 60, topic_prefix: 'test/h3' } });
    const [health] = createHealthAdapters(cfg, { bus: tb.broker.bus, logger }, { source, firstSampleMs: 10 });
    const sub = await connect(tb.port, { clientId: 'health-none' });
    try {
      await sub.client.subscribeAsync('test/h3/#');
      await health.start();
      await waitFor(() => sub.messages.some((m) => m.topic === 'test/h3/health'), 5000, 'JSON');
      const json = JSON.parse(sub.messages.find((m) => m.topic === 'test/h3/health')!.payload.toString()) as Record<string, unknown>;
      assert.equal(json.cpu_temp, null);
      assert.equal(json.under_voltage, null);
      assert.ok(!sub.messages.some((m) => m.topic === 'test/h3/health/cpu_temp'));
    } finally {
      await sub.end();
      await health.stop();
      await tb.stop();
    }
  });
});
