/**
 * Topic profiles, checked on a recording bus: default templates (state
 * JSON with timestamp, plain fields, availability once per change),
 * Tasmota (SENSOR, LWT, INFO3, SerialSend) and Homie 4.0 ($state, $nodes,
 * properties declared on first sight).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Bus } from '../../src/adapters/types.js';
import { createPublisher } from '../../src/adapters/serial/profiles.js';
import { nestDotted } from '../../src/adapters/serial/publish-tasmota.js';
import type { Value } from '../../src/serial-parsers/values.js';
import type { LocalPublishOptions } from '../../src/bus.js';
import { validateConfig } from '../../src/config/validate.js';
import type { SerialDeviceConfig } from '../../src/config/types.js';

interface Sent { topic: string; payload: string; retain: boolean; qos: number }

function recordingBus(): Bus & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    publish(topic: string, payload: Buffer | string, o: LocalPublishOptions = {}) {
      sent.push({ topic, payload: payload.toString(), retain: o.retain ?? false, qos: o.qos ?? 0 });
      return 0;
    },
    subscribe: () => () => undefined,
  };
}

function device(extra: Record<string, unknown> = {}): SerialDeviceConfig {
  return validateConfig({ serial: [{ name: 'esp-1', path: '/dev/ttyUSB0', ...extra }] }).serial[0]!;
}

const AT = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
const banner = { chip: 'esp8266' as const, cause: '2', bootMode: '(3,6)' };

describe('serial publishers', () => {
  it('default: state JSON with timestamp, plain field values, null fields skipped, device timestamp kept', () => {
    const bus = recordingBus();
    const p = createPublisher('default', { bus, device: device({ retain: true }), hostname: 'pi' });
    assert.deepEqual(p.commandTopics, ['gw/pi/esp-1/set']);
    p.reading({ t: 21.5, ok: true, s: 'x', n: null, timestamp: 17 }, AT);
    assert.deepEqual(bus.sent, [
      { topic: 'gw/pi/esp-1/state', payload: '{"timestamp":"2026-01-02T03:04:05.006Z","t":21.5,"ok":true,"s":"x","n":null,"device_timestamp":17}', retain: true, qos: 0 },
      { topic: 'gw/pi/esp-1/t', payload: '21.5', retain: true, qos: 0 },
      { topic: 'gw/pi/esp-1/ok', payload: 'true', retain: true, qos: 0 },
      { topic: 'gw/pi/esp-1/s', payload: 'x', retain: true, qos: 0 },
      { topic: 'gw/pi/esp-1/timestamp', payload: '17', retain: true, qos: 0 },
    ]);
  });

  it('default: availability retained QoS 1, published on change only; log and reset event', () => {
    const bus = recordingBus();
    const p = createPublisher('default', { bus, device: device({ publish_fields: false, qos: 1 }), hostname: 'pi' });
    p.offline('missing');
    p.offline('missing');
    p.online();
    p.online();
    p.offline('timeout');
    p.log('hello', AT);
    p.reset(banner, AT);
    assert.deepEqual(bus.sent, [
      { topic: 'gw/pi/esp-1/availability', payload: 'offline', retain: true, qos: 1 },
      { topic: 'gw/pi/esp-1/availability', payload: 'online', retain: true, qos: 1 },
      { topic: 'gw/pi/esp-1/availability', payload: 'offline', retain: true, qos: 1 },
      { topic: 'gw/pi/esp-1/log', payload: 'hello', retain: false, qos: 1 },
      { topic: 'gw/pi/esp-1/event', payload: '{"event":"reset","chip":"esp8266","cause":"2","boot_mode":"(3,6)","timestamp":"2026-01-02T03:04:05.006Z"}', retain: false, qos: 1 },
    ]);
  });

  it('tasmota: SENSOR, RESULT, LWT, INFO3 and SerialSend', () => {
    const bus = recordingBus();
    const p = createPublisher('tasmota', { bus, device: device({ profile: 'tasmota' }) });
    assert.deepEqual(p.commandTopics, ['cmnd/esp-1/SerialSend']);
    p.online();
    p.reading({ 'BME280.Temperature': 21.5 }, AT);
    p.log('raw line', AT);
    p.reset(banner, AT);
    p.commandWritten('cmnd/esp-1/SerialSend', 'LED ON');
    p.offline('closed');
    const topics = bus.sent.map((s) => s.topic);
    assert.deepEqual(topics, ['tele/esp-1/LWT', 'tele/esp-1/SENSOR', 'tele/esp-1/RESULT', 'tele/esp-1/INFO3', 'stat/esp-1/RESULT', 'tele/esp-1/LWT']);
    assert.equal(bus.sent[0]!.payload, 'Online');
    assert.equal(bus.sent[0]!.retain, true);
    const sensor = JSON.parse(bus.sent[1]!.payload);
    assert.match(sensor.Time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    assert.deepEqual(sensor.BME280, { Temperature: 21.5 }, 'dotted keys nested again, as Tasmota sends them');
    assert.deepEqual(JSON.parse(bus.sent[2]!.payload), { SerialReceived: 'raw line' });
    assert.equal(JSON.parse(bus.sent[3]!.payload).RestartReason, 'external reset');
    assert.deepEqual(JSON.parse(bus.sent[4]!.payload), { SerialSend: 'Done' });
    assert.equal(bus.sent[5]!.payload, 'Offline');
  });

  it('tasmota: nestDotted rebuilds objects and keeps clashing keys flat', () => {
    const table: Array<[Record<string, Value>, unknown]> = [
      [{ 'a.b': 1, 'a.c': 2, d: 3 }, { a: { b: 1, c: 2 }, d: 3 }],
      [{ 'v.0': 1, 'v.1': 2 }, { v: { 0: 1, 1: 2 } }],
      [{ a: 1, 'a.b': 2 }, { a: 1, 'a.b': 2 }],
      [{ 'a.b': 2, a: 1 }, { 'a.b': 2, a: 1 }],
      [{ 'x..y': 1, '.z': 2 }, { 'x..y': 1, '.z': 2 }],
    ];
    for (const [input, want] of table) assert.deepEqual(nestDotted(input), want, JSON.stringify(input));
  });

  it('a device printing __proto__ keys cannot pollute prototypes, and the values are kept', () => {
    const nested = nestDotted(JSON.parse('{"__proto__.polluted":1,"__proto__":2}') as Record<string, Value>);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(JSON.stringify(nestDotted(JSON.parse('{"__proto__.x":1}') as Record<string, Value>)), '{"__proto__":{"x":1}}');
    assert.equal(JSON.stringify(nested), '{"__proto__.polluted":1,"__proto__":2}');
    const bus = recordingBus();
    createPublisher('default', { bus, device: device({ publish_fields: false }), hostname: 'pi' }).reading(JSON.parse('{"__proto__":3}') as Record<string, Value>, AT);
    assert.match(bus.sent[0]!.payload, /"__proto__":3/);
  });

  it('homie: device attributes, properties declared on first sight with init/ready, lost and disconnected', () => {
    const bus = recordingBus();
    const p = createPublisher('homie', { bus, device: device({ profile: 'homie' }) });
    assert.deepEqual(p.commandTopics, ['homie/esp-1/serial/command/set']);
    const attrs = new Map(bus.sent.map((s) => [s.topic, s.payload]));
    assert.equal(attrs.get('homie/esp-1/$homie'), '4.0.0');
    assert.equal(attrs.get('homie/esp-1/$state'), 'init');
    assert.equal(attrs.get('homie/esp-1/$nodes'), 'serial');
    assert.equal(attrs.get('homie/esp-1/serial/$properties'), 'log,command');
    assert.equal(attrs.get('homie/esp-1/serial/command/$settable'), 'true');
    assert.ok(bus.sent.every((s) => s.retain && s.qos === 1), 'attributes retained, QoS 1');
    p.online();
    bus.sent.length = 0;
    p.reading({ 'BME280.Temperature': 21.5, log: 'x' }, AT);
    p.reading({ 'BME280.Temperature': 22 }, AT);
    assert.deepEqual(bus.sent.map((s) => `${s.topic}=${s.payload}`), [
      'homie/esp-1/$state=init',
      'homie/esp-1/serial/bme280-temperature/$name=BME280.Temperature',
      'homie/esp-1/serial/bme280-temperature/$datatype=float',
      'homie/esp-1/serial/$properties=log,command,bme280-temperature',
      'homie/esp-1/$state=ready',
      'homie/esp-1/serial/bme280-temperature=21.5',
      'homie/esp-1/$state=init',
      'homie/esp-1/serial/log-2/$name=log',
      'homie/esp-1/serial/log-2/$datatype=string',
      'homie/esp-1/serial/$properties=log,command,bme280-temperature,log-2',
      'homie/esp-1/$state=ready',
      'homie/esp-1/serial/log-2=x',
      'homie/esp-1/serial/bme280-temperature=22',
    ]);
    bus.sent.length = 0;
    p.offline('closed');
    p.offline('stopped');
    assert.deepEqual(bus.sent.map((s) => `${s.topic}=${s.payload}`), ['homie/esp-1/$state=lost', 'homie/esp-1/$state=disconnected']);
  });
});
