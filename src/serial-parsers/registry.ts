/**
 * The line parsers of the serial adapter, in the order they are tried.
 * Everything that depends on which parsers exist derives from
 * `SERIAL_PARSERS`: the schema's default and description of
 * `serial[].parsers`, the names config validation accepts, the counters a
 * device reports, JSON framing, and the parsing itself (`line-parser.ts`).
 * A new parser: its module beside this one exporting a
 * `SerialParserDefinition`, and one entry here (test/unit/serial-parser-registry.test.ts
 * checks the schema against this list).
 */
import { csvParser } from './csv.js';
import type { SerialParserDefinition } from './definition.js';
import { jsonParser } from './json.js';
import { keyvalueParser } from './keyvalue.js';
import { nmeaParser } from './nmea.js';

export const SERIAL_PARSERS = [jsonParser, nmeaParser, keyvalueParser, csvParser] as const;

export type ParserName = (typeof SERIAL_PARSERS)[number]['name'];

/** The parser names, in the order they are tried. */
export const PARSER_NAMES: readonly ParserName[] = SERIAL_PARSERS.map((p) => p.name);

/** The counters the parsers name, in registry order. */
export const PARSER_COUNTERS: readonly string[] = SERIAL_PARSERS.flatMap((p) => p.counters);

/** The definitions of `names`, in registry order (the order the parsers are tried), unknown names left out. */
export function parserDefinitions(names: readonly string[]): SerialParserDefinition[] {
  return SERIAL_PARSERS.filter((p) => names.includes(p.name));
}

export type { ParserSettings, ParserVerdict, SerialParserDefinition } from './definition.js';
