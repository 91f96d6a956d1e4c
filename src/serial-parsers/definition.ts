/**
 * What a line parser is to the rest of Midge (`SerialParserDefinition`):
 * its name in `serial[].parsers`, the counters its verdicts name, and how
 * it reads one text line. Each parser module (`json.ts`, `nmea.ts`,
 * `keyvalue.ts`, `csv.ts`) exports one, and `registry.ts` lists them in the
 * order they are tried; nothing else names a parser. Pure.
 */
import type { Value } from './values.js';

/** Per-device settings a parser may use (from the device's `serial[]` entry). */
export interface ParserSettings {
  /** `csv_columns`: names for CSV columns until the device prints a header line. */
  csvColumns: readonly string[];
}

/** What a parser made of a line it recognised. */
export type ParserVerdict =
  | { kind: 'reading'; values: Record<string, Value> }
  /** Recognised but broken (an NMEA checksum): dropped and counted in `counter` and `lines_dropped`. */
  | { kind: 'dropped'; counter: string }
  /** Understood but carries no reading (a CSV header): counted in `counter`. */
  | { kind: 'skipped'; counter: string; detail: string };

/** Reads one line of one device; undefined: not this parser's format, the next one is tried. */
export type ReadLine = (text: string) => ParserVerdict | undefined;

export interface SerialParserDefinition<N extends string = string> {
  /** The value in `serial[].parsers`. */
  readonly name: N;
  /** The counters its verdicts name; they start at 0 in the device's status. */
  readonly counters: readonly string[];
  /** While it is enabled, the framer also takes a `{...}` object spread over several lines as one frame. */
  readonly framesBraces: boolean;
  /** A reader for one device (state such as the CSV header lives in it). */
  create(settings: ParserSettings): ReadLine;
}

/** A `ReadLine` for a parser that either makes a reading of a line or does not recognise it. */
export function readingsOf(parse: (text: string) => Record<string, Value> | undefined): ReadLine {
  return (text) => {
    const values = parse(text);
    return values ? { kind: 'reading', values } : undefined;
  };
}
