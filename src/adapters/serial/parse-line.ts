/**
 * Runs the enabled parsers on one text line, first match wins, in the
 * fixed order json, nmea, keyvalue, csv; a line no parser takes is a log
 * line. Holds the only parser state (the CSV header).
 */
import { CsvParser } from './parse-csv.js';
import { parseJsonLine } from './parse-json.js';
import { parseKeyValue } from './parse-keyvalue.js';
import { parseNmea } from './parse-nmea.js';
import type { Value } from './values.js';
import { PARSER_NAMES } from '../../config/schema-serial.js';

export { PARSER_NAMES };
export type ParserName = (typeof PARSER_NAMES)[number];

export type LineResult =
  | { kind: 'reading'; parser: ParserName; values: Record<string, Value> }
  | { kind: 'log'; text: string }
  /** NMEA with a wrong checksum: dropped and counted. */
  | { kind: 'bad_checksum'; sentence: string }
  /** Understood but carries no reading: a CSV header, an NMEA sentence we do not decode. */
  | { kind: 'skipped'; reason: 'csv_header' | 'nmea_other'; detail: string };

export class LineParser {
  private readonly enabled: ReadonlySet<ParserName>;
  private readonly csv: CsvParser;

  constructor(parsers: readonly ParserName[] = PARSER_NAMES, csvColumns: readonly string[] = []) {
    this.enabled = new Set(parsers);
    this.csv = new CsvParser(csvColumns);
  }

  parse(text: string): LineResult {
    if (this.enabled.has('json')) {
      const values = parseJsonLine(text);
      if (values) return { kind: 'reading', parser: 'json', values };
    }
    if (this.enabled.has('nmea')) {
      const r = parseNmea(text);
      if (r?.kind === 'reading') return { kind: 'reading', parser: 'nmea', values: r.values };
      if (r?.kind === 'bad_checksum') return { kind: 'bad_checksum', sentence: r.sentence };
      if (r?.kind === 'other') return { kind: 'skipped', reason: 'nmea_other', detail: r.sentence };
    }
    if (this.enabled.has('keyvalue')) {
      const values = parseKeyValue(text);
      if (values) return { kind: 'reading', parser: 'keyvalue', values };
    }
    if (this.enabled.has('csv')) {
      const r = this.csv.parse(text);
      if (r?.kind === 'reading') return { kind: 'reading', parser: 'csv', values: r.values };
      if (r?.kind === 'header') return { kind: 'skipped', reason: 'csv_header', detail: r.columns.join(',') };
    }
    return { kind: 'log', text };
  }
}
