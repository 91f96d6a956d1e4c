/**
 * What the config accepts for the cloud type and the serial parsers comes
 * from the two registries (issue 17: a new cloud or parser is its own module
 * plus one entry in src/clouds/registry.ts or src/serial-parsers/registry.ts).
 * Nothing is registered here: the schema, validation and the runtime lookups
 * are checked against the lists as they are.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LinePipeline } from '../../src/adapters/serial/pipeline.js';
import { CLOUDS, CLOUD_TYPES, cloudDefinition } from '../../src/clouds/registry.js';
import { configSchema } from '../../src/config/schema.js';
import { validateConfig } from '../../src/config/validate.js';
import { ConfigError } from '../../src/errors.js';
import { LineParser } from '../../src/serial-parsers/line-parser.js';
import { PARSER_NAMES, SERIAL_PARSERS } from '../../src/serial-parsers/registry.js';

function configError(input: unknown): ConfigError {
  try {
    validateConfig(input);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  assert.fail('expected a ConfigError');
}

describe('cloud registry', () => {
  const item = configSchema.bridges.item;

  it('the schema enum of bridges[].type equals the registry, in its order, the first the default', () => {
    assert.deepEqual([...item.type.values], CLOUDS.map((c) => c.type));
    assert.deepEqual(CLOUD_TYPES, CLOUDS.map((c) => c.type));
    assert.equal(item.type.default, CLOUDS[0].type);
    for (const cloud of CLOUDS) assert.ok(item.type.description.includes(cloud.summary), `${cloud.type}: summary in the description`);
  });

  it("each cloud's own keys are keys of a bridge entry, with the cloud's field", () => {
    const fields: Record<string, unknown> = item;
    for (const cloud of CLOUDS) {
      for (const [key, field] of Object.entries(cloud.fields)) assert.equal(fields[key], field, `bridges[].${key} (${cloud.type})`);
    }
  });

  it('validation refuses any other type and names the registered ones', () => {
    const err = configError({ bridges: [{ name: 'up', type: 'gcp', addresses: ['b:1883'] }] });
    assert.match(err.message, /bridges\[0\]\.type/);
    for (const type of CLOUD_TYPES) assert.match(err.message, new RegExp(type));
  });

  it('every registered type is looked up to its own definition', () => {
    for (const cloud of CLOUDS) assert.equal(cloudDefinition(cloud.type), cloud);
  });
});

describe('serial parser registry', () => {
  const parsers = configSchema.serial.item.parsers;

  it('the schema default of serial[].parsers is the registry, in the order the parsers are tried', () => {
    assert.deepEqual([...parsers.default], SERIAL_PARSERS.map((p) => p.name));
    assert.deepEqual(PARSER_NAMES, SERIAL_PARSERS.map((p) => p.name));
    assert.ok(parsers.description.includes(PARSER_NAMES.join(', ')));
  });

  it('validation accepts each registered parser and refuses another, naming the registered ones', () => {
    for (const name of PARSER_NAMES) {
      const [device] = validateConfig({ serial: [{ name: 'a', path: '/dev/a', parsers: [name] }] }).serial;
      assert.deepEqual(device!.parsers, [name]);
    }
    const err = configError({ serial: [{ name: 'a', path: '/dev/a', parsers: ['xml'] }] });
    assert.match(err.message, new RegExp(`unknown parser 'xml' \\(accepted: ${PARSER_NAMES.join(', ')}\\)`));
  });

  it("a device's pipeline counts every parser's counters from 0", () => {
    const pipeline = new LinePipeline({ maxLineLength: 100, parsers: PARSER_NAMES, bootWindowMs: 0 }, { reading() {}, log() {}, reset() {} });
    for (const parser of SERIAL_PARSERS) for (const counter of parser.counters) assert.equal(pipeline.counters[counter], 0, counter);
  });

  it('a line parser with one parser enabled takes only what that parser takes', () => {
    const lines = { json: '{"t":21.5}', nmea: '$GPGGA,,,,,,0,,,,,,,,*66', keyvalue: 't:21.5', csv: '21.5,40' } as const;
    assert.deepEqual(Object.keys(lines), [...PARSER_NAMES], 'a sample line for every registered parser');
    for (const name of PARSER_NAMES) {
      const only = new LineParser([name]);
      for (const [other, line] of Object.entries(lines)) {
        const r = only.parse(line);
        if (other === name) assert.ok(r.kind === 'reading' && r.parser === name, `${name} takes ${line}: ${JSON.stringify(r)}`);
        else assert.notEqual(r.kind === 'reading' ? r.parser : undefined, other, `${name} alone: ${line}`);
      }
    }
  });
});
