/**
 * Cross-field rules of the device sections that a per-field schema cannot
 * express: GPIO pin names and numbers unique, reserved pins (the serial
 * console UART, board reservations) not used, keys that only apply to one
 * direction, and topic prefixes usable as MQTT topics. Called once by
 * `validateConfig`; `fail` throws a `ConfigError` naming the key.
 */
import { validateTopicName } from '../topics/index.js';
import type { GpioConfig, MidgeConfig } from './types.js';

type Path = ReadonlyArray<string | number>;
type Fail = (message: string, path: Path) => never;

/** Topic names and Home Assistant object ids both accept these. */
export const PIN_NAME = /^[a-z0-9][a-z0-9_-]*$/;
/** BCM lines of the Raspberry Pi UART (TXD0/RXD0) that carries the serial console. */
export const SERIAL_CONSOLE_PINS: readonly number[] = [14, 15];

export function checkDeviceSections(config: MidgeConfig, fail: Fail): void {
  checkGpio(config.gpio, fail);
  checkPrefix(config.gpio.topic_prefix, ['gpio', 'topic_prefix'], fail);
  checkPrefix(config.health.topic_prefix, ['health', 'topic_prefix'], fail);
  const ha = config.homeassistant;
  checkPrefix(ha.topic_prefix, ['homeassistant', 'topic_prefix'], fail);
  checkPrefix(ha.discovery_prefix, ['homeassistant', 'discovery_prefix'], fail);
  if (ha.node_id !== '' && !/^[a-zA-Z0-9_-]+$/.test(ha.node_id)) {
    fail(`expected letters, digits, _ and - only (Home Assistant rejects other characters), got '${ha.node_id}'`, ['homeassistant', 'node_id']);
  }
}

function checkGpio(gpio: GpioConfig, fail: Fail): void {
  const reserved = new Map<number, string>();
  if (gpio.serial_console) for (const p of SERIAL_CONSOLE_PINS) reserved.set(p, 'serial console UART (gpio.serial_console: true)');
  gpio.reserved.forEach((r, i) => {
    if (r.pin === -1) fail('pin is required: the line number to reserve', ['gpio', 'reserved', i, 'pin']);
    if (!reserved.has(r.pin)) reserved.set(r.pin, r.reason);
  });
  const names = new Map<string, number>();
  const pins = new Map<number, number>();
  gpio.pins.forEach((p, i) => {
    const at = (key: string): Path => ['gpio', 'pins', i, key];
    if (p.name === '') fail('name is required: it names the topics (<prefix>/gpio/<name>)', ['gpio', 'pins', i]);
    if (!PIN_NAME.test(p.name)) fail(`expected lower case letters, digits, _ and - (starting with a letter or digit), got '${p.name}'`, at('name'));
    const sameName = names.get(p.name);
    if (sameName !== undefined) fail(`duplicate pin name '${p.name}' (same as gpio.pins[${sameName}]); names must be unique`, at('name'));
    names.set(p.name, i);
    if (p.pin === -1) fail('pin is required: the BCM line number (GPIO17 = 17)', ['gpio', 'pins', i]);
    const samePin = pins.get(p.pin);
    if (samePin !== undefined) fail(`pin ${p.pin} is already used by gpio.pins[${samePin}] ('${gpio.pins[samePin].name}'); each line can be configured once`, at('pin'));
    pins.set(p.pin, i);
    const why = reserved.get(p.pin);
    if (why !== undefined) fail(`pin ${p.pin} is reserved: ${why}. Choose another pin, or remove the reservation if the pin is really free`, at('pin'));
    if (p.payload_on === p.payload_off) fail(`payload_on and payload_off are both '${p.payload_on}'; they must differ`, at('payload_off'));
    if (p.direction === 'out') {
      if (p.counter) fail('counter applies to inputs only (direction: in)', at('counter'));
      if (p.bias !== 'as-is') fail('bias applies to inputs only (direction: in)', at('bias'));
    } else {
      if (p.pulse_ms > 0) fail('pulse_ms applies to outputs only (direction: out)', at('pulse_ms'));
      if (p.bias !== 'as-is' && gpio.driver === 'onoff') {
        fail('the onoff (sysfs) driver cannot set pull resistors: use driver chardev, or set it in /boot/firmware/config.txt (gpio=17=pu) and leave bias as-is', at('bias'));
      }
    }
  });
}

function checkPrefix(prefix: string, path: Path, fail: Fail): void {
  const problem = validateTopicName(prefix.replaceAll('{hostname}', 'host'));
  if (problem) fail(`not usable as a topic prefix: ${problem}`, path);
  if (prefix.endsWith('/') || prefix.startsWith('/')) fail(`expected no leading or trailing '/', got '${prefix}'`, path);
}
