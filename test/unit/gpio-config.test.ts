/** GPIO, health and Home Assistant config: defaults, and the cross-field rules of validate-gpio.ts with file, line and key. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/config/load.js';
import { validateConfig } from '../../src/config/validate.js';
import { ConfigError } from '../../src/errors.js';

function rejects(yaml: string, pattern: RegExp): void {
  assert.throws(() => parseConfigText(yaml, 'midge.yaml'), (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.message, pattern);
    return true;
  });
}

describe('device config sections', () => {
  it('defaults start nothing: no pins, health off, discovery on', () => {
    const cfg = validateConfig({});
    assert.deepEqual(cfg.gpio.pins, []);
    assert.equal(cfg.gpio.driver, 'auto');
    assert.equal(cfg.health.enabled, false);
    assert.equal(cfg.homeassistant.enabled, true);
  });

  it('fills pin defaults', () => {
    const cfg = parseConfigText('gpio:\n  pins:\n    - name: door\n      pin: 17\n');
    assert.deepEqual(cfg.gpio.pins[0], {
      name: 'door', pin: 17, direction: 'in', edge: 'both', debounce_ms: 50, active_low: false, bias: 'as-is',
      payload_on: 'ON', payload_off: 'OFF', counter: false, initial: 'off', safe_state: 'off', pulse_ms: 0,
    });
  });

  it('rejects the same pin twice, naming the first use', () => {
    rejects('gpio:\n  pins:\n    - name: a\n      pin: 17\n    - name: b\n      pin: 17\n',
      /^midge\.yaml:line 6: gpio\.pins\[1\]\.pin: pin 17 is already used by gpio\.pins\[0\] \('a'\)/);
  });

  it('rejects the same name twice', () => {
    rejects('gpio:\n  pins:\n    - name: a\n      pin: 17\n    - name: a\n      pin: 18\n', /midge\.yaml:line 5: gpio\.pins\[1\]\.name: duplicate pin name 'a'/);
  });

  it('rejects the serial console pins when serial_console is on, and board reservations with their reason', () => {
    rejects('gpio:\n  serial_console: true\n  pins:\n    - name: tx\n      pin: 14\n', /gpio\.pins\[0\]\.pin: pin 14 is reserved: serial console UART/);
    rejects('gpio:\n  reserved:\n    - pin: 0\n      reason: HAT ID EEPROM (ID_SD)\n  pins:\n    - name: x\n      pin: 0\n', /pin 0 is reserved: HAT ID EEPROM \(ID_SD\)/);
    assert.equal(parseConfigText('gpio:\n  pins:\n    - name: tx\n      pin: 14\n').gpio.pins[0].pin, 14, 'free when the console is off');
  });

  it('requires name and pin', () => {
    rejects('gpio:\n  pins:\n    - pin: 4\n', /midge\.yaml:line 3: gpio\.pins\[0\]: name is required/);
    rejects('gpio:\n  pins:\n    - name: x\n', /midge\.yaml:line 3: gpio\.pins\[0\]: pin is required/);
    rejects('gpio:\n  reserved:\n    - reason: x\n', /gpio\.reserved\[0\]\.pin: pin is required/);
  });

  it('rejects names that are not topic- and Home Assistant-safe', () => {
    rejects('gpio:\n  pins:\n    - name: Front Door\n      pin: 4\n', /gpio\.pins\[0\]\.name: expected lower case letters/);
    rejects('gpio:\n  pins:\n    - name: a/b\n      pin: 4\n', /gpio\.pins\[0\]\.name/);
  });

  it('rejects keys of the other direction, and bias with the onoff driver', () => {
    rejects('gpio:\n  pins:\n    - name: r\n      pin: 4\n      direction: out\n      counter: true\n', /counter applies to inputs only/);
    rejects('gpio:\n  pins:\n    - name: b\n      pin: 4\n      pulse_ms: 100\n', /pulse_ms applies to outputs only/);
    rejects('gpio:\n  driver: onoff\n  pins:\n    - name: b\n      pin: 4\n      bias: pull-up\n', /onoff \(sysfs\) driver cannot set pull resistors/);
    rejects('gpio:\n  pins:\n    - name: b\n      pin: 4\n      payload_on: X\n      payload_off: X\n', /payload_on and payload_off are both 'X'/);
  });

  it('rejects topic prefixes with wildcards or slashes at the ends, and bad node ids', () => {
    rejects('gpio:\n  topic_prefix: home/#\n', /gpio\.topic_prefix: not usable as a topic prefix/);
    rejects('health:\n  topic_prefix: home/\n', /health\.topic_prefix: expected no leading or trailing '\/'/);
    rejects('homeassistant:\n  node_id: my node\n', /homeassistant\.node_id: expected letters, digits/);
    rejects('gpio:\n  pins:\n    - name: x\n      pin: 2000\n', /gpio\.pins\[0\]\.pin: expected -1 or an integer 0\.\.1023/);
  });
});
