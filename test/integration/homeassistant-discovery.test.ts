/**
 * Home Assistant discovery end to end, seen by a real MQTT client as Home
 * Assistant would see it: retained configs for GPIO pins and health values
 * (started through startAdapters), commands from a switch's command_topic
 * reaching the pin, republishing on Home Assistant's birth message,
 * gateway availability, removal of entities whose device left the config
 * at the next start, and generic readings of another adapter kind.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startDiscovery } from '../../src/adapters/homeassistant/discovery.js';
import { startAdapters } from '../../src/adapters/start.js';
import type { Adapter, Reading } from '../../src/adapters/types.js';
import { validateConfig } from '../../src/config/validate.js';
import { startBroker } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { connect } from '../helpers/clients.js';
import type { TestClient } from '../helpers/clients.js';
import { waitFor } from '../helpers/wait.js';

const logger = pino({ level: process.env.MIDGE_TEST_LOG ?? 'silent' });
const HA = 'homeassistant';

function configFor(dataDir: string, withRelay: boolean, withHealth: boolean) {
  return validateConfig({
    persistence: { enabled: true, path: dataDir },
    gpio: {
      driver: 'simulated',
      topic_prefix: 'test/ha',
      pins: [{ name: 'button', pin: 4 }, ...(withRelay ? [{ name: 'relay', pin: 17, direction: 'out' }] : [])],
    },
    health: { enabled: withHealth, interval: 1, topic_prefix: 'test/ha' },
    homeassistant: { node_id: 'testgw', device_name: 'Test gateway', topic_prefix: 'test/ha' },
  });
}

function configs(c: TestClient): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of c.messages) if (m.topic.startsWith(`${HA}/`) && m.topic.endsWith('/config')) out.set(m.topic, m.payload.toString());
  return out;
}

describe('Home Assistant discovery', () => {
  let tb: TestBroker;
  let dataDir: string;
  before(async () => {
    tb = await startBroker();
    dataDir = mkdtempSync(join(tmpdir(), 'midge-ha-'));
  });
  after(async () => {
    await tb.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('announces GPIO and health entities retained, republishes on HA birth, and drives a switch from its command_topic', async () => {
    const sub = await connect(tb.port, { clientId: 'ha-sub' });
    await sub.client.subscribeAsync([`${HA}/#`, 'test/ha/#']);
    const running = await startAdapters(configFor(dataDir, true, true), tb.broker.bus, logger);
    try {
      await waitFor(() => configs(sub).has(`${HA}/binary_sensor/testgw/gpio_button/config`) && configs(sub).has(`${HA}/switch/testgw/gpio_relay/config`), 5000, 'GPIO configs');
      const button = JSON.parse(configs(sub).get(`${HA}/binary_sensor/testgw/gpio_button/config`)!) as Record<string, unknown>;
      assert.equal(button.state_topic, 'test/ha/gpio/button');
      assert.equal(button.unique_id, 'testgw_gpio_button');
      assert.deepEqual((button.device as { identifiers: string[]; name: string }).identifiers, ['midge_testgw']);
      assert.equal((button.device as { name: string }).name, 'Test gateway');
      await waitFor(() => sub.messages.some((m) => m.topic === 'test/ha/availability' && m.payload.toString() === 'online'), 5000, 'gateway online');

      await waitFor(() => configs(sub).has(`${HA}/sensor/testgw/health_cpu_load/config`), 8000, 'health configs after the first sample');
      const load = JSON.parse(configs(sub).get(`${HA}/sensor/testgw/health_cpu_load/config`)!) as Record<string, unknown>;
      assert.equal(load.state_topic, 'test/ha/health/cpu_load');
      assert.equal(load.unit_of_measurement, '%');
      const health = JSON.parse(sub.messages.find((m) => m.topic === 'test/ha/health')!.payload.toString()) as Record<string, unknown>;
      assert.equal(configs(sub).has(`${HA}/sensor/testgw/health_cpu_temp/config`), health.cpu_temp !== null, 'temperature announced only where it exists');

      const relay = JSON.parse(configs(sub).get(`${HA}/switch/testgw/gpio_relay/config`)!) as { command_topic: string; payload_on: string; state_topic: string };
      await sub.client.publishAsync(relay.command_topic, relay.payload_on, { qos: 1 });
      await waitFor(() => sub.messages.some((m) => m.topic === relay.state_topic && m.payload.toString() === 'ON'), 5000, 'switch state ON');

      const n = sub.messages.length;
      const announced = configs(sub).size;
      await sub.client.publishAsync(`${HA}/status`, 'online', { qos: 1 });
      await waitFor(() => new Set(sub.messages.slice(n).filter((m) => m.topic.endsWith('/config')).map((m) => m.topic)).size >= announced, 5000, 'all configs republished after HA birth');
    } finally {
      await running.stop();
    }
    await waitFor(() => sub.messages.some((m) => m.topic === 'test/ha/availability' && m.payload.toString() === 'offline'), 5000, 'gateway offline on stop');
    await sub.end();
  });

  it('at the next start, deletes the entities of a removed pin and of disabled health; keeps the rest', async () => {
    const running = await startAdapters(configFor(dataDir, false, false), tb.broker.bus, logger);
    try {
      const late = await connect(tb.port, { clientId: 'ha-late' });
      await late.client.subscribeAsync(`${HA}/#`);
      await waitFor(() => configs(late).has(`${HA}/binary_sensor/testgw/gpio_button/config`), 5000, 'retained button config');
      assert.ok(late.messages.find((m) => m.topic === `${HA}/binary_sensor/testgw/gpio_button/config`)!.packet.retain, 'configs are retained');
      const retained = configs(late);
      assert.equal(retained.has(`${HA}/switch/testgw/gpio_relay/config`), false, 'relay config deleted (empty retained)');
      assert.deepEqual([...retained.keys()].filter((t) => t.includes('health_')), [], 'health configs deleted');
      await late.end();
    } finally {
      await running.stop();
    }
  });

  it('readings of any other adapter kind become sensors on a mirrored state topic', async () => {
    const listeners: Array<(r: Reading) => void> = [];
    const esp: Adapter = { kind: 'serial', name: 'esp-1', start: async () => undefined, stop: async () => undefined, status: () => ({ kind: 'serial', name: 'esp-1', state: 'running', counters: {}, lastReading: undefined, lastError: undefined }) };
    const cfg = validateConfig({ persistence: { enabled: false }, homeassistant: { node_id: 'gw2', topic_prefix: 'test/ha2' } });
    const discovery = startDiscovery(cfg, { adapters: [esp], onReading: (l) => (listeners.push(l), () => undefined) }, tb.broker.bus, logger);
    const sub = await connect(tb.port, { clientId: 'ha-serial' });
    try {
      await sub.client.subscribeAsync([`${HA}/sensor/gw2/#`, 'test/ha2/#']);
      const emit = (values: Reading['values']) => listeners.forEach((l) => l({ kind: 'serial', device: 'esp-1', at: Date.now(), values }));
      emit({ temperature: 21.5, 'bme.humidity': 40, status: 'ok' });
      await waitFor(() => configs(sub).size === 2 && sub.messages.some((m) => m.topic === 'test/ha2/serial/esp-1/reading'), 5000, 'two sensors and the mirror');
      const t = JSON.parse(configs(sub).get(`${HA}/sensor/gw2/serial_esp-1_temperature/config`)!) as Record<string, unknown>;
      assert.equal(t.device_class, 'temperature');
      assert.equal(t.unit_of_measurement, '°C');
      assert.equal(t.state_topic, 'test/ha2/serial/esp-1/reading');
      assert.equal((t.device as { via_device: string }).via_device, 'midge_gw2');
      emit({ co2: 600 });
      await waitFor(() => configs(sub).has(`${HA}/sensor/gw2/serial_esp-1_co2/config`), 5000, 'a new field gets its own sensor');
      await waitFor(() => sub.messages.filter((m) => m.topic === 'test/ha2/serial/esp-1/reading').length === 2, 5000, 'second mirror');
      const mirror = JSON.parse(sub.messages.filter((m) => m.topic === 'test/ha2/serial/esp-1/reading')[1].payload.toString()) as Record<string, unknown>;
      assert.deepEqual(mirror, { temperature: 21.5, 'bme.humidity': 40, status: 'ok', co2: 600 }, 'mirror keeps every field seen');
      assert.equal(sub.messages.filter((m) => m.topic.endsWith('/config')).length, 3, 'known fields are not announced again');
      assert.equal(discovery.topics().length, 3);
    } finally {
      discovery.stop();
      await sub.end();
    }
  });
  it('serial entities follow the device\'s own availability too; fields differing only in case get distinct ids and a logged collision', async () => {
    const listeners: Array<(r: Reading) => void> = [];
    const availability = { topic: 'tele/esp-2/LWT', online: 'Online', offline: 'Offline' };
    const esp: Adapter = { kind: 'serial', name: 'esp-2', availability, start: async () => undefined, stop: async () => undefined, status: () => ({ kind: 'serial', name: 'esp-2', state: 'running', counters: {}, lastReading: undefined, lastError: undefined }) };
    const lines: string[] = [];
    const capture = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const cfg = validateConfig({ persistence: { enabled: false }, homeassistant: { node_id: 'gw3', topic_prefix: 'test/ha3' } });
    const discovery = startDiscovery(cfg, { adapters: [esp], onReading: (l) => (listeners.push(l), () => undefined) }, tb.broker.bus, capture);
    const sub = await connect(tb.port, { clientId: 'ha-serial-3' });
    try {
      await sub.client.subscribeAsync(`${HA}/sensor/gw3/#`);
      const emit = (values: Reading['values']) => listeners.forEach((l) => l({ kind: 'serial', device: 'esp-2', at: Date.now(), values }));
      emit({ Temp: 21.5, temp: 22 });
      emit({ temp: 22.5, Temp: 21 }); // the same two fields again: no new entity, the same ids
      await waitFor(() => configs(sub).size === 2, 5000, 'both fields announced');
      const byName = new Map([...configs(sub)].map(([topic, text]) => [(JSON.parse(text) as { name: string }).name, { topic, config: JSON.parse(text) as Record<string, unknown> }]));
      assert.equal(byName.get('Temp')!.topic, `${HA}/sensor/gw3/serial_esp-2_temp/config`);
      assert.match(byName.get('temp')!.topic, /^homeassistant\/sensor\/gw3\/serial_esp-2_temp_[0-9a-f]{6}\/config$/);
      assert.notEqual(byName.get('Temp')!.config.unique_id, byName.get('temp')!.config.unique_id);
      const t = byName.get('Temp')!.config;
      assert.equal(t.availability_mode, 'all');
      assert.deepEqual(t.availability, [
        { topic: 'test/ha3/availability', payload_available: 'online', payload_not_available: 'offline' },
        { topic: 'tele/esp-2/LWT', payload_available: 'Online', payload_not_available: 'Offline' },
      ]);
      assert.equal(lines.filter((l) => l.includes('differ only in case')).length, 1, 'one collision logged once');
      assert.equal(discovery.topics().length, 2);
    } finally {
      discovery.stop();
      await sub.end();
    }
  });
});
