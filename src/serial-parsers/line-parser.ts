/**
 * Runs the enabled parsers on one text line, first match wins, in the
 * registry's order (json, nmea, keyvalue, csv); a line no parser takes is a
 * log line. Holds one device's parser state (the CSV header).
 */
import { parserDefinitions, PARSER_NAMES, type ParserName } from './registry.js';
import type { ReadLine } from './definition.js';
import type { Value } from './values.js';

export type LineResult =
  | { kind: 'reading'; parser: ParserName; values: Record<string, Value> }
  | { kind: 'log'; text: string }
  /** Recognised but broken (an NMEA checksum): dropped and counted in `counter`. */
  | { kind: 'dropped'; counter: string }
  /** Understood but carries no reading (a CSV header, an NMEA sentence we do not decode): counted in `counter`. */
  | { kind: 'skipped'; counter: string; detail: string };

export class LineParser {
  private readonly readers: ReadonlyArray<{ name: ParserName; read: ReadLine }>;

  constructor(parsers: readonly ParserName[] = PARSER_NAMES, csvColumns: readonly string[] = []) {
    this.readers = parserDefinitions(parsers).map((p) => ({ name: p.name as ParserName, read: p.create({ csvColumns }) }));
  }

  parse(text: string): LineResult {
    for (const { name, read } of this.readers) {
      const verdict = read(text);
      if (verdict === undefined) continue;
      return verdict.kind === 'reading' ? { kind: 'reading', parser: name, values: verdict.values } : verdict;
    }
    return { kind: 'log', text };
  }
}
