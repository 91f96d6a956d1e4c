/**
 * CSV lines of numbers (`21.5,40,1013`), also tab- or space-separated as
 * the Arduino Serial Plotter accepts. Names come from the last header line
 * seen (`temp,hum,pressure`: two or more names separated by commas or
 * tabs), from `columns` given in the config, or are `value1`, `value2`...
 * Empty cells become null. Stateful only in the header it remembers.
 */
import type { SerialParserDefinition } from './definition.js';
import { isNumeric, parseValue, setOwn, type Value } from './values.js';

export type CsvResult = { kind: 'header'; columns: string[] } | { kind: 'reading'; values: Record<string, Value> };

const NAME = /^[A-Za-z_][\w.\-%()/]*$/;

export class CsvParser {
  private columns: readonly string[] | undefined;

  /** `columns`: names to use until the device prints a header line. */
  constructor(columns: readonly string[] = []) {
    this.columns = columns.length > 0 ? [...columns] : undefined;
  }

  get header(): readonly string[] | undefined {
    return this.columns;
  }

  parse(text: string): CsvResult | undefined {
    const t = text.trim();
    const sep = t.includes(',') ? ',' : t.includes('\t') ? '\t' : undefined;
    const cells = sep ? t.split(sep).map((c) => c.trim()) : t.split(/[ \t]+/);
    if (cells.every((c) => c === '' || isNumeric(c)) && cells.some((c) => c !== '')) return { kind: 'reading', values: this.name(cells) };
    if (sep && cells.length >= 2 && cells.every((c) => NAME.test(c)) && new Set(cells).size === cells.length) {
      this.columns = cells;
      return { kind: 'header', columns: cells };
    }
    return undefined;
  }

  private name(cells: string[]): Record<string, Value> {
    const names = this.columns && this.columns.length === cells.length ? this.columns : undefined;
    const out: Record<string, Value> = {};
    cells.forEach((c, i) => {
      setOwn(out, names ? names[i]! : `value${i + 1}`, c === '' ? null : parseValue(c));
    });
    return out;
  }
}

/** `csv`: numbers separated by commas, tabs or spaces, named by the last header line. */
export const csvParser = {
  name: 'csv',
  counters: ['csv_header'],
  framesBraces: false,
  create: ({ csvColumns }) => {
    const csv = new CsvParser(csvColumns);
    return (text) => {
      const r = csv.parse(text);
      if (r?.kind === 'reading') return { kind: 'reading', values: r.values };
      if (r?.kind === 'header') return { kind: 'skipped', counter: 'csv_header', detail: r.columns.join(',') };
      return undefined;
    };
  },
} as const satisfies SerialParserDefinition<'csv'>;
