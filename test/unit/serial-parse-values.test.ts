/** JSON flattening, key:value (Arduino Serial Plotter), CSV with header, and value conversion. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CsvParser } from '../../src/serial-parsers/csv.js';
import { parseJsonLine } from '../../src/serial-parsers/json.js';
import { parseKeyValue } from '../../src/serial-parsers/keyvalue.js';
import { parseValue } from '../../src/serial-parsers/values.js';

describe('parseJsonLine', () => {
  const table: Array<[string, string, Record<string, unknown> | undefined]> = [
    ['flat object', '{"temperature":21.5,"humidity":40}', { temperature: 21.5, humidity: 40 }],
    ['nested objects to dotted keys (Tasmota style)', '{"BME280":{"Temperature":21.5,"Pressure":1013.2},"TempUnit":"C"}',
      { 'BME280.Temperature': 21.5, 'BME280.Pressure': 1013.2, TempUnit: 'C' }],
    ['arrays by index', '{"v":[1,2,{"x":true}]}', { 'v.0': 1, 'v.1': 2, 'v.2.x': true }],
    ['null kept', '{"t":null}', { t: null }],
    ['pretty-printed (serializeJsonPretty)', '{\r\n  "sensor": "gps",\r\n  "data": [\r\n    48.75608,\r\n    2.302038\r\n  ]\r\n}',
      { sensor: 'gps', 'data.0': 48.75608, 'data.1': 2.302038 }],
    ['empty object', '{}', {}],
    ['a JSON array is not an object', '[1,"topic","msg"]', undefined],
    ['truncated JSON', '{"t":21.', undefined],
    ['text with braces', '{not json}', undefined],
    ['a number', '42', undefined],
  ];
  for (const [name, line, want] of table) it(name, () => assert.deepEqual(parseJsonLine(line), want));

  it('too many keys or too deep: not a reading', () => {
    assert.equal(parseJsonLine('{"a":1,"b":2,"c":3}', { maxKeys: 2, maxDepth: 16 }), undefined);
    assert.equal(parseJsonLine('{"a":{"b":{"c":1}}}', { maxKeys: 10, maxDepth: 2 }), undefined);
    assert.deepEqual(parseJsonLine('{"a":{"b":1}}', { maxKeys: 10, maxDepth: 2 }), { 'a.b': 1 });
  });
});

describe('__proto__ labels are plain keys', () => {
  it('JSON, key:value and CSV keep them as own properties', () => {
    assert.equal(JSON.stringify(parseJsonLine('{"__proto__":{"x":1},"y":2}')), '{"__proto__.x":1,"y":2}');
    assert.equal(JSON.stringify(parseJsonLine('{"__proto__":5}')), '{"__proto__":5}');
    assert.equal(JSON.stringify(parseKeyValue('__proto__:1 b:2')), '{"__proto__":1,"b":2}');
    const csv = new CsvParser(['__proto__', 'b']);
    assert.equal(JSON.stringify(csv.parse('1,2')), '{"kind":"reading","values":{"__proto__":1,"b":2}}');
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });
});

describe('parseKeyValue', () => {
  const table: Array<[string, string, Record<string, unknown> | undefined]> = [
    ['plotter, comma separated', 'temp:21.5,hum:40', { temp: 21.5, hum: 40 }],
    ['plotter, space separated', 'Sensor1:512 Sensor2:1023', { Sensor1: 512, Sensor2: 1023 }],
    ['plotter, tab separated', 'x:1\ty:-2.5', { x: 1, y: -2.5 }],
    ['= instead of :', 'temp=21.5 hum=40', { temp: 21.5, hum: 40 }],
    ['Serial.print("Temp: ") style, spaces around the separator', 'Temp: 21.5\tHum = 40', { Temp: 21.5, Hum: 40 }],
    ['single pair', 'rssi:-67', { rssi: -67 }],
    ['token and boolean values', 'state:ok,armed:true,fw:v1.2.3', { state: 'ok', armed: true, fw: 'v1.2.3' }],
    ['Arduino nan/inf/ovf become null', 'temp:nan,hum:inf,p:ovf', { temp: null, hum: null, p: null }],
    ['dotted and dashed labels', 'bme.t:21 co2-ppm:400', { 'bme.t': 21, 'co2-ppm': 400 }],
    ['exponent', 'e:1.5e-3', { e: 0.0015 }],
    ['log line with a colon stays a log line', 'Error: sensor not found', undefined],
    ['WiFi status line', 'WiFi connected, IP address: 192.168.1.42', undefined],
    ['time value with colons', 'time:12:30:01', undefined],
    ['unlabelled number mixed in', 'temp:21.5 40', undefined],
    ['label must start with a letter', '1:2', undefined],
    ['URL', 'http://example.com', undefined],
    ['plain text', 'hello world', undefined],
    ['empty value', 'temp:', undefined],
  ];
  for (const [name, line, want] of table) it(name, () => assert.deepEqual(parseKeyValue(line), want));
});

describe('CsvParser', () => {
  it('names columns after a header line, then keeps using it', () => {
    const p = new CsvParser();
    assert.deepEqual(p.parse('temp,hum,pressure'), { kind: 'header', columns: ['temp', 'hum', 'pressure'] });
    assert.deepEqual(p.parse('21.5,40,1013.25'), { kind: 'reading', values: { temp: 21.5, hum: 40, pressure: 1013.25 } });
    assert.deepEqual(p.parse('22, 41 ,1013'), { kind: 'reading', values: { temp: 22, hum: 41, pressure: 1013 } });
  });

  it('without a header: value1, value2...; a column count mismatch too', () => {
    const p = new CsvParser();
    assert.deepEqual(p.parse('1,2'), { kind: 'reading', values: { value1: 1, value2: 2 } });
    p.parse('a,b,c');
    assert.deepEqual(p.parse('1,2'), { kind: 'reading', values: { value1: 1, value2: 2 } });
  });

  it('tab- and space-separated numbers (Serial Plotter without labels)', () => {
    const p = new CsvParser();
    assert.deepEqual(p.parse('1.5\t2.5'), { kind: 'reading', values: { value1: 1.5, value2: 2.5 } });
    assert.deepEqual(p.parse('10 20 30'), { kind: 'reading', values: { value1: 10, value2: 20, value3: 30 } });
    assert.deepEqual(p.parse('42'), { kind: 'reading', values: { value1: 42 } });
  });

  it('empty cells are null; nan is null', () => {
    const p = new CsvParser(['a', 'b', 'c']);
    assert.deepEqual(p.parse('1,,nan'), { kind: 'reading', values: { a: 1, b: null, c: null } });
  });

  it('configured columns apply until a header line replaces them', () => {
    const p = new CsvParser(['t', 'h']);
    assert.deepEqual(p.parse('1,2'), { kind: 'reading', values: { t: 1, h: 2 } });
    p.parse('x,y');
    assert.deepEqual(p.header, ['x', 'y']);
    assert.deepEqual(p.parse('1,2'), { kind: 'reading', values: { x: 1, y: 2 } });
  });

  const notCsv: Array<[string, string]> = [
    ['prose with a comma', 'Starting, please wait'],
    ['single word', 'Ready'],
    ['space-separated words are not a header', 'temp hum'],
    ['duplicate header names', 'a,a'],
    ['mixed text and numbers', 'temp,21.5'],
    ['only separators', ',,'],
  ];
  for (const [name, line] of notCsv) {
    it(`not CSV: ${name}`, () => {
      const p = new CsvParser();
      assert.equal(p.parse(line), undefined);
      assert.equal(p.header, undefined);
    });
  }
});

describe('parseValue', () => {
  const table: Array<[string, unknown]> = [
    ['21.5', 21.5], ['-3', -3], ['+4', 4], ['.5', 0.5], ['1e3', 1000], ['007', 7],
    ['nan', null], ['-inf', null], ['ovf', null], ['true', true], ['false', false],
    ['0x1f', '0x1f'], ['1.2.3', '1.2.3'], ['', ''], [' ok ', 'ok'], ['Infinity', 'Infinity'], ['1e999', '1e999'],
  ];
  for (const [text, want] of table) it(JSON.stringify(text), () => assert.deepEqual(parseValue(text), want));
});
