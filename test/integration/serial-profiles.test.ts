/**
 * The Tasmota and Homie 4.0 topic profiles end to end: a device on a real
 * pseudo-terminal, the real broker, a real MQTT client subscribing as a
 * Tasmota tool or a Homie controller would, and commands on the profile's
 * command topic reaching the device.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startAdapters, type RunningAdapters } from '../../src/adapters/start.js';
import { validateConfig } from '../../src/config/validate.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { connect, type TestClient } from '../helpers/clients.js';
import { tempDir } from '../helpers/midge-process.js';
import { openSimDevice, startPtyPair, type PtyPair, type SimDevice } from '../helpers/pty.js';
import { capturingLogger, topicView, type TopicView } from '../helpers/serial-harness.js';
import { waitFor } from '../helpers/wait.js';

describe('serial topic profiles over real pseudo-terminals', () => {
  const dir = tempDir('midge-serial-prof-');
  let tb: TestBroker;
  let sub: TestClient;
  let view: TopicView;
  let running: RunningAdapters;
  const ptys: Record<string, PtyPair> = {};
  const devices: Record<string, SimDevice> = {};

  const command = async (topic: string, payload: string): Promise<void> => {
    const pub = await connect(tb.port, { clientId: `serial-prof-cmd-${Math.random().toString(16).slice(2)}` });
    try {
      await pub.client.publishAsync(topic, payload, { qos: 1 });
    } finally {
      await pub.end();
    }
  };

  before(async () => {
    tb = await startBroker();
    for (const name of ['tas', 'homie']) {
      ptys[name] = await startPtyPair(join(dir.path, `${name}-dev`), join(dir.path, `${name}-peer`));
      devices[name] = await openSimDevice(ptys[name]!.peerPath);
    }
    sub = await connect(tb.port, { clientId: 'serial-prof-watch' });
    view = topicView(sub);
    await sub.client.subscribeAsync(['tele/#', 'stat/#', 'homie/#'], { qos: 1 });
    const common = { boot_window_ms: 0, reopen_min_ms: 100, reopen_max_ms: 300 };
    const config = validateConfig({
      serial: [
        { name: 'tas-1', path: ptys.tas!.devicePath, profile: 'tasmota', ...common },
        { name: 'node-1', path: ptys.homie!.devicePath, profile: 'homie', ...common },
      ],
    });
    running = await startAdapters(config, tb.broker.bus, capturingLogger().logger);
  });

  after(async () => {
    await running?.stop();
    await sub?.end();
    for (const d of Object.values(devices)) await d.close();
    for (const p of Object.values(ptys)) await p.unplug();
    await tb?.stop();
    dir.cleanup();
  });

  it('tasmota: LWT Online, SENSOR with Time and nested fields, SerialReceived, SerialSend reaches the device', async () => {
    await view.waitLast('tele/tas-1/LWT', 'Online');
    const tas = devices.tas!;
    await tas.write('{"AM2301":{"Temperature":22.1,"Humidity":48}}\r\n');
    await tas.write('Booting sketch v2\r\n');
    await tas.write(' ets Jan  8 2013,rst cause:4, boot mode:(3,6)\r\n');
    const sensor = JSON.parse(await view.waitPayload('tele/tas-1/SENSOR', /AM2301/));
    assert.deepEqual(sensor.AM2301, { Temperature: 22.1, Humidity: 48 });
    assert.match(sensor.Time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    assert.deepEqual(JSON.parse(await view.waitPayload('tele/tas-1/RESULT', /SerialReceived/)), { SerialReceived: 'Booting sketch v2' });
    assert.equal(JSON.parse(await view.waitPayload('tele/tas-1/INFO3', /RestartReason/)).RestartReason, 'watchdog reset');

    await command('cmnd/tas-1/SerialSend', 'Power ON');
    await tas.waitReceived(/Power ON\n$/);
    assert.deepEqual(JSON.parse(await view.waitPayload('stat/tas-1/RESULT', /SerialSend/)), { SerialSend: 'Done' });
  });

  it('homie: $homie/$state ready, properties declared and published, command/set reaches the device, lost on unplug', async () => {
    await view.waitLast('homie/node-1/$state', 'ready');
    // a controller connecting later sees the retained device description
    const late = await connect(tb.port, { clientId: 'serial-prof-homie-late' });
    try {
      await late.client.subscribeAsync('homie/node-1/#', { qos: 1 });
      await waitFor(() => late.messages.some((m) => m.topic === 'homie/node-1/$state'), 5000, 'retained $state');
      const retained = new Map(late.messages.map((m) => [m.topic, m.payload.toString()]));
      assert.equal(retained.get('homie/node-1/$homie'), '4.0.0');
      assert.equal(retained.get('homie/node-1/$nodes'), 'serial');
      assert.equal(retained.get('homie/node-1/$state'), 'ready');
      assert.ok(late.messages.every((m) => m.packet.retain), 'all retained');
    } finally {
      await late.end();
    }

    const homie = devices.homie!;
    await homie.write('temp:21.5,hum:40\n');
    assert.equal(await view.waitPayload('homie/node-1/serial/temp', /./), '21.5');
    assert.equal(await view.waitPayload('homie/node-1/serial/hum', /./), '40');
    assert.equal(view.payloads('homie/node-1/serial/temp/$datatype').at(-1), 'float');
    assert.equal(view.payloads('homie/node-1/serial/$properties').at(-1), 'log,command,temp,hum');
    assert.equal(view.payloads('homie/node-1/$state').at(-1), 'ready');

    await command('homie/node-1/serial/command/set', 'beep');
    await homie.waitReceived(/beep\n$/);
    assert.equal(await view.waitPayload('homie/node-1/serial/command', /beep/), 'beep');

    await homie.close();
    await ptys.homie!.unplug();
    await view.waitLast('homie/node-1/$state', 'lost');
  });
});
