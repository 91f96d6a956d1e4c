/**
 * The pipeline from bytes to events: a simulated ESP8266 session (boot
 * noise, banner, boot window, JSON, NMEA, key=value, CSV, log lines), with
 * every drop counted and parser selection honoured.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LinePipeline, type PipelineOptions } from '../../src/adapters/serial/pipeline.js';
import { PARSER_NAMES } from '../../src/serial-parsers/registry.js';

function run(input: Array<string | Buffer>, options: Partial<PipelineOptions> = {}, clock = { t: 1000 }) {
  const events: Array<[string, unknown]> = [];
  const p = new LinePipeline(
    { maxLineLength: 100, parsers: PARSER_NAMES, bootWindowMs: 0, now: () => clock.t, ...options },
    {
      reading: (values, parser) => events.push([`reading:${parser}`, values]),
      log: (text) => events.push(['log', text]),
      reset: (banner) => events.push(['reset', banner.cause]),
    },
  );
  p.opened();
  for (const c of input) p.push(typeof c === 'string' ? Buffer.from(c) : c);
  return { events, counters: p.counters, pipeline: p };
}

describe('LinePipeline', () => {
  it('a simulated ESP8266 session: every kind of line ends up in the right place', () => {
    const { events, counters } = run([
      Buffer.from([0x00, 0xe0, 0xfc, 0x8c, 0x0a]),
      ' ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n',
      'load 0x4010f000, len 3460, room 16\r\n',
      '{"temperature":21.5,"bme":{"p":1013}}\r\n',
      '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n',
      '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*00\r\n',
      'hum=40 rssi=-67\r\n',
      'a,b\r\n1,2\r\n',
      'WiFi connected\r\n',
      'x'.repeat(120) + '\r\n',
    ]);
    assert.deepEqual(events, [
      ['reset', '2'],
      ['reading:json', { temperature: 21.5, 'bme.p': 1013 }],
      ['reading:nmea', { lat: 48.1173, lon: 11.516667, fix: 1, sats: 8, hdop: 0.9, alt: 545.4 }],
      ['reading:keyvalue', { hum: 40, rssi: -67 }],
      ['reading:csv', { a: 1, b: 2 }],
      ['log', 'WiFi connected'],
    ]);
    assert.equal(counters.garbage, 1);
    assert.equal(counters.resets, 1);
    assert.equal(counters.boot_noise, 1);
    assert.equal(counters.lines_parsed, 4);
    assert.equal(counters.log_lines, 1);
    assert.equal(counters.nmea_bad_checksum, 1);
    assert.equal(counters.overlong, 1);
    assert.equal(counters.lines_dropped, 2);
    assert.equal(counters.csv_header, 1);
  });

  it('lines inside the boot window are ignored and counted; a banner restarts the window', () => {
    const clock = { t: 1000 };
    const { events, counters, pipeline } = run(['early:1\n'], { bootWindowMs: 500 }, clock);
    clock.t = 1400;
    pipeline.push(Buffer.from('still:1\n'));
    clock.t = 1500;
    pipeline.push(Buffer.from('first:1\n'));
    pipeline.push(Buffer.from('rst cause:2, boot mode:(3,6)\n'));
    clock.t = 1900;
    pipeline.push(Buffer.from('booting:1\n'));
    clock.t = 2000;
    pipeline.push(Buffer.from('after:1\n'));
    assert.deepEqual(events.map((e) => e[0] === 'reset' ? 'reset' : Object.keys(e[1] as object)[0]), ['first', 'reset', 'after']);
    assert.equal(counters.boot_ignored, 3);
  });

  it('only the configured parsers run: without keyvalue, key=value is a log line', () => {
    const { events } = run(['t=1\n', '{"a":1}\n'], { parsers: ['json'] });
    assert.deepEqual(events, [['log', 't=1'], ['reading:json', { a: 1 }]]);
  });

  it('without json, a { line is framed by newline and logged', () => {
    const { events } = run(['{"a":\n1}\n'], { parsers: ['keyvalue'] });
    assert.deepEqual(events, [['log', '{"a":'], ['log', '1}']]);
  });

  it('flush() emits a partial line (idle) and configured CSV columns name values', () => {
    const { events, pipeline } = run(['21.5,40'], { csvColumns: ['t', 'h'] });
    assert.equal(events.length, 0);
    assert.ok(pipeline.pending > 0);
    pipeline.flush();
    assert.deepEqual(events, [['reading:csv', { t: 21.5, h: 40 }]]);
  });

  it('opened() drops a partial frame from before a reconnect', () => {
    const { events, pipeline } = run(['{"half":']);
    pipeline.opened();
    pipeline.push(Buffer.from('ok:1\n'));
    assert.deepEqual(events, [['reading:keyvalue', { ok: 1 }]]);
  });
});
