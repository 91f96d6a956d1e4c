/**
 * Every board config loads with the real loader and validates; the Pi
 * configs reserve the HAT EEPROM pins; using a reserved pin in a board
 * config is refused; the README table names every file.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { loadConfigFile, parseConfigText } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { repoRoot } from '../helpers/repo-root.js';

const dir = join(repoRoot(), 'board-configs');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

describe('board configs', () => {
  it('include the Pi 3B+, 4B, 5, Zero 2 W, CM4 and an OpenWrt router', () => {
    assert.deepEqual(files, ['cm4.yaml', 'openwrt-arm64.yaml', 'raspberrypi3.yaml', 'raspberrypi4.yaml', 'raspberrypi5.yaml', 'zero2w.yaml']);
  });

  for (const file of files) {
    it(`${file} validates, with an absolute data path and health on`, () => {
      const cfg = loadConfigFile(join(dir, file));
      assert.ok(isAbsolute(cfg.persistence.path), cfg.persistence.path);
      assert.equal(cfg.health.enabled, true);
      assert.deepEqual(cfg.gpio.pins, [], 'examples stay commented out');
      if (file !== 'openwrt-arm64.yaml') {
        assert.deepEqual(cfg.gpio.reserved.slice(0, 2).map((r) => r.pin), [0, 1], 'HAT EEPROM pins reserved');
      }
    });
  }

  it('a pin reserved by a board config is refused with its reason', () => {
    const text = readFileSync(join(dir, 'raspberrypi4.yaml'), 'utf8').replace('  pins: []', '  pins:\n    - name: sda\n      pin: 2');
    assert.throws(() => parseConfigText(text, 'raspberrypi4.yaml'), (err: unknown) =>
      err instanceof ConfigError && /gpio\.pins\[0\]\.pin: pin 2 is reserved: I2C1 SDA/.test(err.message));
    const console14 = readFileSync(join(dir, 'raspberrypi3.yaml'), 'utf8').replace('  pins: []', '  pins:\n    - name: tx\n      pin: 14');
    assert.throws(() => parseConfigText(console14), /pin 14 is reserved: serial console UART/);
    const pi5 = readFileSync(join(dir, 'raspberrypi5.yaml'), 'utf8').replace('  pins: []', '  pins:\n    - name: tx\n      pin: 14');
    assert.equal(parseConfigText(pi5).gpio.pins[0].pin, 14, 'the Pi 5 console is on its own connector');
  });

  it('the README table names every board config', () => {
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    for (const file of files) assert.ok(readme.includes(`\`${file}\``), file);
  });
});
