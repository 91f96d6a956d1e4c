/** The `serial:` config section: defaults, and the cross-field errors with the key and the fix. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { parseConfigText } from '../../src/config/load.js';
import { validateConfig } from '../../src/config/validate.js';
import { repoRoot } from '../helpers/repo-root.js';

const ok = (serial: unknown[]) => validateConfig({ serial });
const bad = (serial: unknown[], message: RegExp) =>
  assert.throws(() => ok(serial), (err: unknown) => err instanceof ConfigError && message.test(err.message), `expected ${message}`);

describe('serial config', () => {
  it('is an empty list by default; an entry gets every default', () => {
    assert.deepEqual(validateConfig({}).serial, []);
    const [d] = ok([{ name: 'esp-1', path: '/dev/serial/by-id/usb-x' }]).serial;
    assert.equal(d!.baud_rate, 115200);
    assert.equal(d!.data_bits, 8);
    assert.equal(d!.parity, 'none');
    assert.equal(d!.stop_bits, 1);
    assert.equal(d!.max_line_length, 4096);
    assert.deepEqual(d!.parsers, ['json', 'nmea', 'keyvalue', 'csv']);
    assert.equal(d!.state_topic, '{prefix}/{device}/state');
    assert.equal(d!.profile, 'default');
  });

  it('names the file line and key in YAML', () => {
    assert.throws(() => parseConfigText('serial:\n  - name: ESP 1\n    path: /dev/ttyUSB0\n', 'midge.yaml'), {
      message: "midge.yaml:line 2: serial[0].name: 'ESP 1' cannot be a device id: use lowercase letters, digits and - (e.g. 'esp-1')",
    });
  });

  const errors: Array<[string, unknown[], RegExp]> = [
    ['no port given', [{ name: 'a' }], /serial\[0\]\.name: say which port: path .* or usb_vendor_id \+ usb_product_id/],
    ['path and usb both', [{ name: 'a', path: '/dev/ttyUSB0', usb_vendor_id: '1a86', usb_product_id: '7523' }], /serial\[0\]\.path: give either path or the usb_\* match/],
    ['usb vendor without product', [{ name: 'a', usb_vendor_id: '1a86' }], /serial\[0\]\.usb_product_id: required with the usb_\* match/],
    ['usb id not hex', [{ name: 'a', usb_vendor_id: 'xyzw', usb_product_id: '7523' }], /usb_vendor_id: expected 4 hex digits .*got 'xyzw'/],
    ['duplicate names', [{ name: 'a', path: '/dev/a' }, { name: 'a', path: '/dev/b' }], /serial\[1\]\.name: duplicate serial device name 'a' \(same as serial\[0\]\)/],
    ['same path twice', [{ name: 'a', path: '/dev/a' }, { name: 'b', path: '/dev/a' }], /serial\[1\]\.path: serial\[0\] already uses \/dev\/a/],
    ['unknown parser', [{ name: 'a', path: '/dev/a', parsers: ['json', 'xml'] }], /parsers: unknown parser 'xml' \(accepted: json, nmea, keyvalue, csv\)/],
    ['parser twice', [{ name: 'a', path: '/dev/a', parsers: ['json', 'json'] }], /parsers: lists a parser twice/],
    ['reopen max below min', [{ name: 'a', path: '/dev/a', reopen_min_ms: 5000, reopen_max_ms: 1000 }], /reopen_max_ms: must be at least reopen_min_ms \(5000\)/],
    ['wildcard in a template', [{ name: 'a', path: '/dev/a', state_topic: '{prefix}/+/state' }], /state_topic: '\{prefix\}\/\+\/state' gives/],
    ['unknown placeholder', [{ name: 'a', path: '/dev/a', log_topic: '{prefix}/{name}/log' }], /log_topic: unknown placeholder \{name\}/],
    ['field topic without {field}', [{ name: 'a', path: '/dev/a', field_topic: '{prefix}/{device}/value' }], /field_topic: must contain \{field\}/],
    ['same set topic for two devices', [{ name: 'a', path: '/dev/a', set_topic: 'cmd' }, { name: 'b', path: '/dev/b', set_topic: 'cmd' }], /serial\[1\]\.set_topic: same set topic as serial\[0\]/],
    ['bad baud rate type', [{ name: 'a', path: '/dev/a', baud_rate: '115200' }], /baud_rate: expected an integer 50\.\.4000000, got '115200' \(a quoted string/],
    ['unknown key', [{ name: 'a', path: '/dev/a', baudrate: 9600 }], /serial\[0\]\.baudrate: unknown key; did you mean 'baud_rate'\?/],
    ['bad stop bits', [{ name: 'a', path: '/dev/a', stop_bits: 3 }], /stop_bits: expected one of 1, 1\.5, 2/],
  ];
  for (const [name, serial, message] of errors) it(`rejects: ${name}`, () => bad(serial, message));

  it('accepts a USB match, profiles that ignore the templates, and disabled duplicates of a path', () => {
    const c = ok([
      { name: 'gps', usb_vendor_id: '1546', usb_product_id: '01A7', usb_serial: 'X1', baud_rate: 9600, profile: 'tasmota' },
      { name: 'uno', path: '/dev/ttyACM0', profile: 'homie', field_topic: 'no-field-here' },
      { name: 'spare', path: '/dev/ttyACM0', enabled: false },
    ]);
    assert.equal(c.serial.length, 3);
  });
});

describe('midge.example.yaml serial section', () => {
  it('is valid once uncommented, and lists the defaults', () => {
    const text = readFileSync(join(repoRoot(), 'midge.example.yaml'), 'utf8');
    const start = text.indexOf('# serial:');
    assert.ok(start > 0, 'commented serial: block present');
    const end = text.indexOf('\n# --- ', start);
    const block = text
      .slice(start, end < 0 ? undefined : end)
      .split('\n')
      .filter((l) => /^#( |$)/.test(l) && !/^#\s+#/.test(l))
      .map((l) => l.slice(2))
      .join('\n');
    const [esp, gps] = parseConfigText(block, 'example').serial;
    assert.deepEqual(esp, ok([{ name: 'esp-1', path: esp!.path, dtr: true, rts: true }]).serial[0]);
    assert.equal(gps!.usb_product_id, '01a7');
    assert.deepEqual(gps!.parsers, ['nmea']);
  });
});

describe('serial config from YAML', () => {
  it('an unquoted USB id is read as a number by YAML: the error says to quote it', () => {
    assert.throws(() => parseConfigText('serial:\n  - name: uno\n    usb_vendor_id: 2341\n    usb_product_id: 0043\n', 'm.yaml'), {
      message: "m.yaml:line 3: serial[0].usb_vendor_id: expected a non-empty string, got 2341 (YAML read a number: put the value in quotes, e.g. '0043')",
    });
  });
});
