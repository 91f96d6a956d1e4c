/**
 * `key:value` / `key=value` lines in the Arduino Serial Plotter format
 * (parts separated by spaces, tabs or commas; `=` also accepted), e.g.
 * `temp:21.5,hum:40`, `temp=21.5 hum=40`, `Temp: 21.5\tHum: 40`. Pure.
 *
 * Every part must be labelled (a label starts with a letter or `_`), so a
 * log line such as `Error: sensor not found` stays a log line. Values are
 * numbers, booleans, nan/inf/ovf (null) or a single token (`ok`, `v1.2`,
 * `-`); anything else (spaces, `12:30`) makes the line a log line.
 */
import { readingsOf, type SerialParserDefinition } from './definition.js';
import { parseValue, setOwn, type Value } from './values.js';

const PART = /^([A-Za-z_][\w.\-]*)[:=](.+)$/;
const TOKEN = /^[\w.\-+%#]+$/;

export function parseKeyValue(text: string): Record<string, Value> | undefined {
  // `Temp: 21.5` and `temp = 21.5` are common Serial.print styles: join label and value
  const parts = text.trim().replace(/[ \t]*([:=])[ \t]*/g, '$1').split(/[ \t,]+/);
  const out: Record<string, Value> = {};
  let n = 0;
  for (const part of parts) {
    if (part === '') continue;
    const m = PART.exec(part);
    if (!m) return undefined;
    const raw = m[2]!;
    if (!TOKEN.test(raw)) return undefined;
    setOwn(out, m[1]!, parseValue(raw));
    n++;
  }
  return n > 0 ? out : undefined;
}

/** `keyvalue`: Arduino Serial Plotter `label:value` lines. */
export const keyvalueParser = {
  name: 'keyvalue',
  counters: [],
  framesBraces: false,
  create: () => readingsOf((text) => parseKeyValue(text)),
} as const satisfies SerialParserDefinition<'keyvalue'>;
