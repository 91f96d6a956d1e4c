/**
 * GPIO pins as MQTT topics, end to end: a real broker on port 0, a real
 * MQTT client, the GPIO adapters on the simulated chip (the hardware seam).
 * Inputs publish retained debounced states and counters; outputs follow
 * `/set` commands, echo their state retained, pulse, and go to their safe
 * state on stop; a missing GPIO interface is waited for and recovered from.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { createGpioAdapters } from '../../src/adapters/gpio/index.js';
import { SimulatedDriver } from '../../src/adapters/gpio/simulated-driver.js';
import { startAdapters } from '../../src/adapters/start.js';
import type { Adapter, AdapterContext, Reading } from '../../src/adapters/types.js';
import { validateConfig } from '../../src/config/validate.js';
import { startBroker } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { connect } from '../helpers/clients.js';
import type { TestClient } from '../helpers/clients.js';
import { fakeOnoff, makeSysfsTree, PI4_CHIPS } from '../helpers/fake-gpio.js';
import { waitFor } from '../helpers/wait.js';

const logger = pino({ level: process.env.MIDGE_TEST_LOG ?? 'silent' });
const P = 'test/gw1/gpio';

const config = validateConfig({
  persistence: { enabled: false },
  gpio: {
    driver: 'simulated',
    topic_prefix: 'test/gw1',
    pins: [
      { name: 'button', pin: 4, active_low: true, debounce_ms: 20 },
      { name: 'meter', pin: 5, counter: true, debounce_ms: 0 },
      { name: 'relay', pin: 17, direction: 'out', safe_state: 'off' },
      { name: 'door', pin: 27, direction: 'out', pulse_ms: 150, payload_on: 'open', payload_off: 'closed' },
      { name: 'lamp', pin: 22, direction: 'out', initial: 'on', safe_state: 'keep', active_low: true },
    ],
  },
});

/** The last payload received on `topic`. */
function last(c: TestClient, topic: string): string | undefined {
  return c.messages.filter((m) => m.topic === topic).at(-1)?.payload.toString();
}

async function until(c: TestClient, topic: string, payload: string): Promise<void> {
  await waitFor(() => last(c, topic) === payload, 5000, `${topic} = ${payload} (last: ${last(c, topic)})`);
}

describe('GPIO over MQTT (simulated chip)', () => {
  let tb: TestBroker;
  let sim: SimulatedDriver;
  let adapters: Adapter[];
  let sub: TestClient;
  const readings: Reading[] = [];

  before(async () => {
    tb = await startBroker();
    sim = new SimulatedDriver();
    sim.setInput(4, 1); // pull-up: idle high = OFF for an active-low button
    const ctx: AdapterContext = { bus: tb.broker.bus, logger, onReading: (r) => readings.push(r) };
    adapters = createGpioAdapters(config, ctx, { env: { simulated: sim }, counterIntervalMs: 300 });
    await Promise.all(adapters.map((a) => a.start()));
    sub = await connect(tb.port, { clientId: 'gpio-sub' });
    await sub.client.subscribeAsync(`${P}/#`, { qos: 1 });
  });

  after(async () => {
    await sub.end();
    await Promise.allSettled(adapters.map((a) => a.stop()));
    await tb.stop();
  });

  it('publishes initial states retained, and availability online', async () => {
    await until(sub, `${P}/button`, 'OFF');
    await until(sub, `${P}/relay`, 'OFF');
    await until(sub, `${P}/lamp`, 'ON');
    await until(sub, `${P}/button/availability`, 'online');
    assert.equal(sim.level(22), 0, 'active-low lamp ON drives the line low');
    assert.ok(sub.messages.find((m) => m.topic === `${P}/button`)!.packet.retain, 'state is retained');
    assert.deepEqual(adapters.map((a) => a.status().state), ['running', 'running', 'running', 'running', 'running']);
  });

  it('an input publishes debounced ON/OFF: a bouncing press is one ON', async () => {
    const before = sub.messages.filter((m) => m.topic === `${P}/button`).length;
    for (const level of [0, 1, 0, 1, 0] as const) sim.setInput(4, level);
    await until(sub, `${P}/button`, 'ON');
    sim.setInput(4, 1);
    await until(sub, `${P}/button`, 'OFF');
    const states = sub.messages.filter((m) => m.topic === `${P}/button`).slice(before).map((m) => m.payload.toString());
    assert.deepEqual(states, ['ON', 'OFF']);
    const status = adapters[0].status();
    assert.equal(status.counters.edges, 6);
    assert.deepEqual(status.lastReading?.values, { state: 'OFF' });
    assert.ok(readings.some((r) => r.device === 'button' && r.values.state === 'ON'));
  });

  it('the simulate topic drives a simulated input (logical ON/OFF)', async () => {
    await sub.client.publishAsync(`${P}/button/simulate`, 'ON');
    await until(sub, `${P}/button`, 'ON');
    assert.equal(sim.level(4), 0, 'active low');
    await sub.client.publishAsync(`${P}/button/simulate`, 'OFF');
    await until(sub, `${P}/button`, 'OFF');
  });

  it('a counter publishes count and rate (pulses per minute) retained', async () => {
    for (let i = 0; i < 3; i++) {
      sim.setInput(5, 1);
      sim.setInput(5, 0);
    }
    await until(sub, `${P}/meter/count`, '3');
    const rate = Number(last(sub, `${P}/meter/rate`));
    assert.ok(rate > 0, `rate ${rate}`);
    assert.equal(adapters[1].status().counters.pulses, 3);
  });

  it('an output follows every accepted /set form and echoes its state retained', async () => {
    const steps: Array<[string, string, 0 | 1]> = [
      ['ON', 'ON', 1], ['off', 'OFF', 0], ['1', 'ON', 1], ['0', 'OFF', 0], ['true', 'ON', 1], ['false', 'OFF', 0],
      ['TOGGLE', 'ON', 1], ['toggle', 'OFF', 0],
    ];
    for (const [command, state, level] of steps) {
      const n = sub.messages.length;
      await sub.client.publishAsync(`${P}/relay/set`, command, { qos: 1 });
      await waitFor(() => sub.messages.slice(n).some((m) => m.topic === `${P}/relay`), 5000, `echo of ${command}`);
      assert.equal(last(sub, `${P}/relay`), state, command);
      assert.equal(sim.level(17), level, command);
    }
    assert.equal(adapters[2].status().counters.commands, steps.length);
  });

  it('rejects a bad command without touching the line', async () => {
    await sub.client.publishAsync(`${P}/relay/set`, 'blink', { qos: 1 });
    await waitFor(() => adapters[2].status().counters.commands_rejected === 1, 5000, 'rejection counted');
    assert.equal(sim.level(17), 0);
  });

  it('pulse_ms turns an ON back off; a JSON command can set its own pulse', async () => {
    await sub.client.publishAsync(`${P}/door/set`, 'open', { qos: 1 });
    await until(sub, `${P}/door`, 'open');
    assert.equal(sim.level(27), 1);
    await until(sub, `${P}/door`, 'closed');
    assert.equal(sim.level(27), 0);
    const t0 = Date.now();
    await sub.client.publishAsync(`${P}/door/set`, '{"state":"ON","pulse_ms":400}', { qos: 1 });
    await until(sub, `${P}/door`, 'open');
    await until(sub, `${P}/door`, 'closed');
    assert.ok(Date.now() - t0 >= 350, `pulse lasted ${Date.now() - t0} ms`);
  });

  it('on stop: safe state applied (or kept), lines released, availability offline', async () => {
    await sub.client.publishAsync(`${P}/relay/set`, 'ON', { qos: 1 });
    await until(sub, `${P}/relay`, 'ON');
    await Promise.all(adapters.map((a) => a.stop()));
    assert.equal(sim.level(17), 0, 'relay back to its safe state off');
    assert.equal(sim.level(22), 0, 'lamp kept as it was');
    assert.equal(sim.isClaimed(4) || sim.isClaimed(17), false);
    await until(sub, `${P}/relay/availability`, 'offline');
    assert.equal(last(sub, `${P}/relay`), 'OFF');
    assert.deepEqual(adapters.map((a) => a.status().state), ['stopped', 'stopped', 'stopped', 'stopped', 'stopped']);
  });
});

describe('GPIO without hardware', () => {
  it('the default config starts no adapter', async () => {
    const tb = await startBroker();
    try {
      const running = await startAdapters(validateConfig({ persistence: { enabled: false } }), tb.broker.bus, logger);
      assert.equal(running.adapters.length, 0);
      await running.stop();
    } finally {
      await tb.stop();
    }
  });

  it('waits while the kernel offers no GPIO, then recovers when it appears (onoff, Pi 4 numbering)', async () => {
    const tb = await startBroker();
    const tree = makeSysfsTree(PI4_CHIPS);
    const empty = makeSysfsTree([]);
    const sysfsRoot = join(empty.root, 'late'); // not there yet: the kernel offers no GPIO
    const fake = fakeOnoff(sysfsRoot, PI4_CHIPS);
    const cfg = validateConfig({ persistence: { enabled: false }, gpio: { topic_prefix: 'test/gw2', pins: [{ name: 'pir', pin: 23, debounce_ms: 0 }] } });
    const env = { devDir: empty.root, sysfsRoot, loadOnoff: async () => fake.Gpio, loadLibgpiod: async () => 'not installed' };
    const [pir] = createGpioAdapters(cfg, { bus: tb.broker.bus, logger }, { env, retry: { baseMs: 50, capMs: 100 } });
    const sub = await connect(tb.port, { clientId: 'gpio-hotplug' });
    try {
      await sub.client.subscribeAsync('test/gw2/gpio/#', { qos: 1 });
      await pir.start();
      assert.equal(pir.status().state, 'waiting');
      assert.match(pir.status().lastError ?? '', /no GPIO on this system/);
      await waitFor(() => (pir.status().counters.retries ?? 0) >= 2, 5000, 'retries');
      cpSync(tree.root, sysfsRoot, { recursive: true }); // the GPIO appears (overlay loaded, module built)
      await waitFor(() => pir.status().state === 'running', 5000, 'running after the GPIO appeared');
      assert.equal(fake.exported(512 + 23), true, 'exported as base 512 + 23');
      await until(sub, 'test/gw2/gpio/pir', 'OFF');
      fake.trigger(535, 1);
      await until(sub, 'test/gw2/gpio/pir', 'ON');
      await pir.stop();
      assert.equal(fake.exported(535), false, 'unexported on stop');
    } finally {
      await sub.end();
      await pir.stop();
      tree.cleanup();
      empty.cleanup();
      await tb.stop();
    }
  });

  it('a line that fails while running is released, reported and reopened', async () => {
    const tb = await startBroker();
    const sim = new SimulatedDriver();
    const cfg = validateConfig({ persistence: { enabled: false }, gpio: { driver: 'simulated', topic_prefix: 'test/gw3', pins: [{ name: 'in1', pin: 6, debounce_ms: 0 }] } });
    const [in1] = createGpioAdapters(cfg, { bus: tb.broker.bus, logger }, { env: { simulated: sim }, retry: { baseMs: 50, capMs: 100 } });
    try {
      await in1.start();
      assert.equal(in1.status().state, 'running');
      sim.fail(6, new Error('EIO'));
      assert.equal(in1.status().state, 'error');
      assert.match(in1.status().lastError ?? '', /EIO/);
      assert.equal(sim.isClaimed(6), false, 'released');
      sim.fail(6, undefined);
      await waitFor(() => in1.status().state === 'running', 5000, 'reopened');
      assert.equal(in1.status().counters.faults, 1);
    } finally {
      await in1.stop();
      await tb.stop();
    }
  });
});
