/**
 * Home Assistant discovery payloads checked against the keys Home
 * Assistant documents for MQTT sensor, binary_sensor and switch (and for
 * the device, origin and availability blocks): nothing undocumented,
 * required keys present. Plus field-class inference and stale entries.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gpioEntities, healthEntities, readingEntities } from '../../src/adapters/homeassistant/entities.js';
import { inferFieldClass } from '../../src/adapters/homeassistant/infer.js';
import { discoveryTopic } from '../../src/adapters/homeassistant/payloads.js';
import type { Entity, Node } from '../../src/adapters/homeassistant/payloads.js';
import { staleEntries } from '../../src/adapters/homeassistant/registry.js';
import { validateConfig } from '../../src/config/validate.js';

/** From the Home Assistant MQTT integration docs (sensor.mqtt, binary_sensor.mqtt, switch.mqtt). */
const COMMON = ['availability', 'availability_mode', 'availability_template', 'availability_topic', 'device', 'enabled_by_default', 'encoding', 'entity_category', 'entity_picture', 'icon', 'json_attributes_template', 'json_attributes_topic', 'name', 'object_id', 'default_entity_id', 'origin', 'payload_available', 'payload_not_available', 'platform', 'qos', 'unique_id', 'value_template'];
const DOCUMENTED: Record<string, { keys: string[]; required: string[] }> = {
  sensor: { keys: [...COMMON, 'device_class', 'expire_after', 'force_update', 'last_reset_value_template', 'options', 'state_class', 'state_topic', 'suggested_display_precision', 'unit_of_measurement'], required: ['state_topic'] },
  binary_sensor: { keys: [...COMMON, 'device_class', 'expire_after', 'force_update', 'off_delay', 'payload_off', 'payload_on', 'state_topic'], required: ['state_topic'] },
  switch: { keys: [...COMMON, 'command_template', 'command_topic', 'device_class', 'optimistic', 'payload_off', 'payload_on', 'retain', 'state_off', 'state_on', 'state_topic'], required: ['command_topic'] },
};
const DEVICE_KEYS = ['configuration_url', 'connections', 'hw_version', 'identifiers', 'manufacturer', 'model', 'model_id', 'name', 'serial_number', 'suggested_area', 'sw_version', 'via_device'];
const ORIGIN_KEYS = ['name', 'sw_version', 'support_url'];
const AVAILABILITY_KEYS = ['payload_available', 'payload_not_available', 'topic', 'value_template'];
const SENSOR_DEVICE_CLASSES = ['temperature', 'humidity', 'pressure', 'voltage', 'current', 'power', 'energy', 'carbon_dioxide', 'pm25', 'pm10', 'pm1', 'illuminance', 'battery', 'signal_strength', 'distance', 'moisture', 'data_size', 'data_rate', 'duration'];

function checkDocumented(e: Entity): void {
  const spec = DOCUMENTED[e.component];
  const c = e.config;
  for (const key of Object.keys(c)) assert.ok(spec.keys.includes(key), `${e.component}.${key} is not a documented key`);
  for (const key of [...spec.required, 'name', 'unique_id', 'device']) assert.ok(c[key] !== undefined, `${e.component} needs ${key}`);
  const device = c.device as Record<string, unknown>;
  for (const key of Object.keys(device)) assert.ok(DEVICE_KEYS.includes(key), `device.${key}`);
  assert.ok(Array.isArray(device.identifiers) && device.identifiers.length > 0);
  for (const key of Object.keys(c.origin as object)) assert.ok(ORIGIN_KEYS.includes(key), `origin.${key}`);
  for (const a of c.availability as Array<Record<string, unknown>>) {
    for (const key of Object.keys(a)) assert.ok(AVAILABILITY_KEYS.includes(key), `availability.${key}`);
    assert.equal(typeof a.topic, 'string');
  }
  assert.ok(['all', 'any', 'latest'].includes(c.availability_mode as string));
  if (e.component === 'sensor' && c.device_class !== undefined) assert.ok(SENSOR_DEVICE_CLASSES.includes(c.device_class as string), String(c.device_class));
  if (c.state_class !== undefined) assert.ok(['measurement', 'total', 'total_increasing'].includes(c.state_class as string));
  if (c.entity_category !== undefined) assert.ok(['config', 'diagnostic'].includes(c.entity_category as string));
  assert.match(e.objectId, /^[a-zA-Z0-9_-]+$/);
}

const node: Node = { discoveryPrefix: 'homeassistant', nodeId: 'pi4', deviceName: 'Midge pi4', availability: 'midge/pi4/availability' };

describe('discovery payloads', () => {
  const cfg = validateConfig({
    gpio: {
      pins: [
        { name: 'door', pin: 4, active_low: true, payload_on: 'open', payload_off: 'closed' },
        { name: 'meter', pin: 5, counter: true },
        { name: 'relay', pin: 17, direction: 'out' },
      ],
    },
  });

  it('GPIO: input → binary_sensor, output → switch, counter → two sensors; documented keys only', () => {
    const entities = cfg.gpio.pins.flatMap((p) => gpioEntities(node, p, `midge/pi4/gpio/${p.name}`));
    assert.deepEqual(entities.map((e) => discoveryTopic(node, e)), [
      'homeassistant/binary_sensor/pi4/gpio_door/config',
      'homeassistant/binary_sensor/pi4/gpio_meter/config',
      'homeassistant/sensor/pi4/gpio_meter_count/config',
      'homeassistant/sensor/pi4/gpio_meter_rate/config',
      'homeassistant/switch/pi4/gpio_relay/config',
    ]);
    entities.forEach(checkDocumented);
    const door = entities[0].config;
    assert.equal(door.state_topic, 'midge/pi4/gpio/door');
    assert.equal(door.payload_on, 'open');
    assert.equal(door.unique_id, 'pi4_gpio_door');
    assert.deepEqual(door.availability, [
      { topic: 'midge/pi4/availability', payload_available: 'online', payload_not_available: 'offline' },
      { topic: 'midge/pi4/gpio/door/availability', payload_available: 'online', payload_not_available: 'offline' },
    ]);
    const relay = entities[4].config;
    assert.equal(relay.command_topic, 'midge/pi4/gpio/relay/set');
    assert.equal(relay.state_on, 'ON');
    assert.deepEqual((relay.device as { identifiers: string[] }).identifiers, ['midge_pi4']);
    assert.equal(entities[2].config.state_class, 'total_increasing');
  });

  it('health: one entity per value present, with units and classes; none for null values', () => {
    const entities = healthEntities(node, 'midge/pi4/health', { cpu_load: 3.5, cpu_temp: 48.2, mem_available: 1e9, under_voltage: false, throttled: null, uptime: 100 });
    entities.forEach(checkDocumented);
    const byId = Object.fromEntries(entities.map((e) => [e.objectId, e]));
    assert.deepEqual(Object.keys(byId).sort(), ['health_cpu_load', 'health_cpu_temp', 'health_mem_available', 'health_under_voltage', 'health_uptime']);
    assert.equal(byId.health_cpu_temp.config.unit_of_measurement, '°C');
    assert.equal(byId.health_cpu_temp.config.device_class, 'temperature');
    assert.equal(byId.health_cpu_temp.config.state_topic, 'midge/pi4/health/cpu_temp');
    assert.equal(byId.health_mem_available.config.unit_of_measurement, 'B');
    assert.equal(byId.health_under_voltage.component, 'binary_sensor');
    assert.equal(byId.health_under_voltage.config.entity_category, 'diagnostic');
  });

  it('readings of any other adapter: a sensor per numeric field, on the mirror topic, under a child device', () => {
    const entities = readingEntities(node, 'midge/pi4', { kind: 'serial', device: 'esp-1', at: 0, values: { temperature: 21.5, 'bme.humidity': 40, power_w: 12, count: 3, status: 'ok', flag: true, "bad'key": 1 } });
    entities.forEach(checkDocumented);
    assert.deepEqual(entities.map((e) => e.objectId), ['serial_esp-1_temperature', 'serial_esp-1_bme_humidity', 'serial_esp-1_power_w', 'serial_esp-1_count']);
    const hum = entities[1].config;
    assert.equal(hum.state_topic, 'midge/pi4/serial/esp-1/reading');
    assert.equal(hum.value_template, "{{ value_json['bme.humidity'] }}");
    assert.equal(hum.device_class, 'humidity');
    assert.deepEqual(hum.device, { identifiers: ['midge_pi4_serial_esp-1'], name: 'esp-1', manufacturer: 'Midge', model: 'serial device', via_device: 'midge_pi4' });
    assert.equal(entities[3].config.device_class, undefined, 'unknown field: plain sensor');
  });
});

describe('inferFieldClass', () => {
  const table: Array<[string, string | undefined, string | undefined]> = [
    ['temperature', 'temperature', '°C'], ['dht.temp', 'temperature', '°C'], ['Humidity', 'humidity', '%'], ['pressure', 'pressure', 'hPa'],
    ['vbat', 'voltage', 'V'], ['power_w', 'power', 'W'], ['energy_kwh', 'energy', 'kWh'], ['co2', 'carbon_dioxide', 'ppm'], ['pm2_5', 'pm25', 'µg/m³'],
    ['lux', 'illuminance', 'lx'], ['rssi', 'signal_strength', 'dBm'], ['soil_moisture', 'moisture', '%'], ['alt', 'distance', 'm'],
    ['outside_temp_c', 'temperature', '°C'], ['duty_pct', undefined, '%'], ['counter', undefined, undefined], ['x', undefined, undefined],
  ];
  for (const [field, cls, unit] of table) {
    it(`${field} → ${cls ?? 'plain'} ${unit ?? ''}`, () => {
      const r = inferFieldClass(field);
      assert.equal(r.deviceClass, cls);
      assert.equal(r.unit, unit);
    });
  }
  it('energy totals only grow', () => assert.equal(inferFieldClass('energy').stateClass, 'total_increasing'));
});

describe('staleEntries', () => {
  it('drops GPIO entities not configured any more and entities of adapters that no longer run', () => {
    const prev = [
      { topic: 'ha/binary_sensor/n/gpio_a/config', kind: 'gpio', device: 'a' },
      { topic: 'ha/switch/n/gpio_b/config', kind: 'gpio', device: 'b' },
      { topic: 'ha/sensor/n/health_cpu_load/config', kind: 'health', device: 'health' },
      { topic: 'ha/sensor/n/serial_esp_t/config', kind: 'serial', device: 'esp' },
    ];
    const stale = staleEntries(prev, new Set(['ha/binary_sensor/n/gpio_a/config']), new Set(['gpio/a', 'serial/esp']));
    assert.deepEqual(stale.map((e) => e.device), ['b', 'health']);
  });
});
