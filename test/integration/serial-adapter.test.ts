/**
 * The serial adapter end to end: a real pseudo-terminal pair (socat), the
 * real serialport Linux bindings, a real broker and a real MQTT client. A
 * simulated ESP8266 writes boot garbage, a boot banner, JSON, NMEA,
 * key=value, CSV and log lines; the test checks topics and payloads, that
 * `set` reaches the device, and that unplug/replug (socat killed and
 * restarted with the same by-id link) is logged, reported and recovered.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startAdapters, type RunningAdapters } from '../../src/adapters/start.js';
import type { Reading } from '../../src/adapters/types.js';
import { validateConfig } from '../../src/config/validate.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { connect, type TestClient } from '../helpers/clients.js';
import { tempDir } from '../helpers/midge-process.js';
import { openSimDevice, startPtyPair, type PtyPair, type SimDevice } from '../helpers/pty.js';
import { capturingLogger, topicView, type TopicView } from '../helpers/serial-harness.js';
import { waitFor } from '../helpers/wait.js';

describe('serial adapter over real pseudo-terminals', () => {
  const dir = tempDir('midge-serial-');
  const byId = join(dir.path, 'serial/by-id');
  const devicePath = join(byId, 'usb-1a86_USB_Serial-if00-port0');
  const peerPath = join(dir.path, 'esp-peer');
  let tb: TestBroker;
  let pty: PtyPair;
  let esp: SimDevice;
  let sub: TestClient;
  let running: RunningAdapters;
  const readings: Reading[] = [];
  const { logger, logs } = capturingLogger();

  let view: TopicView;
  const payloads = (topic: string): string[] => view.payloads(topic);
  const waitPayload = (topic: string, pattern: RegExp, timeoutMs?: number): Promise<string> => view.waitPayload(topic, pattern, timeoutMs);
  const status = () => running.status()[0]!;

  before(async () => {
    mkdirSync(byId, { recursive: true });
    tb = await startBroker();
    pty = await startPtyPair(devicePath, peerPath);
    esp = await openSimDevice(peerPath);
    sub = await connect(tb.port, { clientId: 'serial-watch' });
    view = topicView(sub);
    await sub.client.subscribeAsync('gw/test/#', { qos: 1 });
    const config = validateConfig({
      serial: [{
        name: 'esp-1', path: devicePath, topic_prefix: 'gw/test', boot_window_ms: 0, idle_flush_ms: 150,
        reopen_min_ms: 100, reopen_max_ms: 400, max_line_length: 256,
      }],
    });
    running = await startAdapters(config, tb.broker.bus, logger);
    running.onReading((r) => readings.push(r));
  });

  after(async () => {
    await running?.stop();
    await sub?.end();
    await esp?.close();
    await pty?.unplug();
    await tb?.stop();
    dir.cleanup();
  });

  it('opens the port by its by-id link and publishes online (retained)', async () => {
    await waitPayload('gw/test/esp-1/availability', /^online$/);
    assert.equal(status().state, 'running');
    assert.equal(status().counters.opens, 1);
    const late = await connect(tb.port, { clientId: 'serial-late' });
    try {
      await late.client.subscribeAsync('gw/test/esp-1/availability');
      await late.waitMessages(1);
      assert.equal(late.messages[0]!.payload.toString(), 'online');
      assert.equal(late.messages[0]!.packet.retain, true);
    } finally {
      await late.end();
    }
  });

  it('a simulated ESP8266 session becomes readings, log lines and a reset event', async () => {
    await esp.write(Buffer.from([0x00, 0xe0, 0x00, 0xfc, 0x1c, 0x8c, 0x8c, 0x0c, 0x0a]));
    await esp.write(' ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\nload 0x4010f000, len 3460, room 16\r\n');
    await esp.write('{"temperature":21.5,"bme280":{"pressure":1013.2}}\r\n');
    await esp.write('{\r\n  "pretty": true,\r\n  "n": [1, 2]\r\n}\r\n');
    await esp.write('$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n');
    await esp.write('$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*00\r\n');
    await esp.write('hum=40 rssi=-67\r\n');
    await esp.write('temp,pressure\r\n21.25,1012\r\n');
    await esp.write('WiFi connected\r\n');
    await esp.write('x'.repeat(300) + '\r\n');
    await esp.write('uptime:42'); // no newline: comes out after idle_flush_ms

    const event = JSON.parse(await waitPayload('gw/test/esp-1/event', /reset/));
    assert.deepEqual({ ...event, timestamp: undefined }, { event: 'reset', chip: 'esp8266', cause: '2', boot_mode: '(3,6)', timestamp: undefined });
    const state = JSON.parse(await waitPayload('gw/test/esp-1/state', /temperature/));
    assert.equal(state.temperature, 21.5);
    assert.equal(state['bme280.pressure'], 1013.2);
    assert.match(state.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(await waitPayload('gw/test/esp-1/bme280.pressure', /./), '1013.2');
    assert.equal(await waitPayload('gw/test/esp-1/n.1', /./), '2');
    assert.equal(await waitPayload('gw/test/esp-1/lat', /./), '48.1173');
    assert.equal(await waitPayload('gw/test/esp-1/alt', /./), '545.4');
    assert.equal(await waitPayload('gw/test/esp-1/rssi', /./), '-67');
    assert.equal(await waitPayload('gw/test/esp-1/pressure', /./), '1012');
    assert.equal(await waitPayload('gw/test/esp-1/log', /WiFi/), 'WiFi connected');
    assert.equal(await waitPayload('gw/test/esp-1/uptime', /./), '42');

    assert.deepEqual(payloads('gw/test/esp-1/log'), ['WiFi connected'], 'garbage, banner, ROM noise and drops never reach the log topic');
    const c = status().counters;
    assert.equal(c.garbage, 1);
    assert.equal(c.resets, 1);
    assert.equal(c.boot_noise, 1);
    assert.equal(c.nmea_bad_checksum, 1);
    assert.equal(c.overlong, 1);
    assert.equal(c.lines_dropped, 2);
    assert.equal(c.lines_parsed, 6);
    assert.equal(c.log_lines, 1);
    assert.deepEqual(status().lastReading?.values, { uptime: 42 });
    assert.deepEqual(readings.map((r) => Object.keys(r.values)[0]), ['temperature', 'pretty', 'lat', 'hum', 'temp', 'uptime']);
    assert.ok(readings.every((r) => r.kind === 'serial' && r.device === 'esp-1'));
  });

  it('a payload on the set topic is written to the device as a line', async () => {
    const pub = await connect(tb.port, { clientId: 'serial-cmd' });
    try {
      await pub.client.publishAsync('gw/test/esp-1/set', 'LED ON', { qos: 1 });
      await pub.client.publishAsync('gw/test/esp-1/set', 'relay=1\n', { qos: 1 });
      await esp.waitReceived(/LED ON\nrelay=1\n$/);
      await waitFor(() => status().counters.commands === 2, 5000, 'commands counted');
    } finally {
      await pub.end();
    }
  });

  it('unplug: offline, logged, waiting; replug at the same by-id path: reopened and data flows', async () => {
    await esp.close();
    await pty.unplug();
    await waitPayload('gw/test/esp-1/availability', /^offline$/);
    await waitFor(() => status().state === 'waiting', 5000, 'state waiting');
    assert.match(status().lastError ?? '', /port closed|no such device/);
    const warn = logs.find((l) => l.level === 40 && /serial device not available: port closed/.test(l.msg));
    assert.ok(warn, `warning logged; got ${logs.map((l) => l.msg).join(' | ')}`);
    assert.equal(warn.device, 'esp-1');
    assert.equal(status().counters.disconnects, 1);

    // a command while unplugged is dropped and counted, not queued
    const pub = await connect(tb.port, { clientId: 'serial-cmd-2' });
    await pub.client.publishAsync('gw/test/esp-1/set', 'lost', { qos: 1 });
    await pub.end();
    await waitFor(() => status().counters.commands_dropped === 1, 5000, 'command dropped while unplugged');

    const onlineBefore = payloads('gw/test/esp-1/availability').length;
    pty = await startPtyPair(devicePath, peerPath);
    esp = await openSimDevice(peerPath);
    await waitFor(() => payloads('gw/test/esp-1/availability').length > onlineBefore, 10000, 'availability after replug');
    assert.equal(payloads('gw/test/esp-1/availability').at(-1), 'online');
    assert.equal(status().state, 'running');
    assert.equal(status().counters.opens, 2);
    assert.ok(logs.some((l) => l.msg === 'serial port opened' && l.realPath === pty.realDevice()));

    await esp.write('{"after":"replug"}\n');
    assert.equal(await waitPayload('gw/test/esp-1/after', /./), 'replug');
    const pub2 = await connect(tb.port, { clientId: 'serial-cmd-3' });
    await pub2.client.publishAsync('gw/test/esp-1/set', 'again', { qos: 1 });
    await pub2.end();
    await esp.waitReceived(/again\n$/);
  });

  it('stop() closes the port and publishes offline', async () => {
    await running.stop();
    await waitFor(() => payloads('gw/test/esp-1/availability').at(-1) === 'offline', 5000, 'offline after stop');
    assert.equal(status().state, 'stopped');
  });
});
