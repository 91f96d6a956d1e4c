/**
 * JSON object lines (ArduinoJson's serializeJson / serializeJsonPretty),
 * flattened to dotted keys: `{"bme":{"t":21.5},"ok":true,"v":[1,2]}` gives
 * `bme.t=21.5, ok=true, v.0=1, v.1=2`. Pure.
 */
import { readingsOf, type SerialParserDefinition } from './definition.js';
import { setOwn, type Value } from './values.js';

export interface FlattenLimits {
  /** Most keys in one reading; more makes the line a log line. */
  maxKeys: number;
  /** Deepest nesting followed. */
  maxDepth: number;
}

export const DEFAULT_FLATTEN_LIMITS: FlattenLimits = { maxKeys: 256, maxDepth: 16 };

/** Flat values, or undefined when `text` is not a JSON object (or exceeds the limits). */
export function parseJsonLine(text: string, limits: FlattenLimits = DEFAULT_FLATTEN_LIMITS): Record<string, Value> | undefined {
  const t = text.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const out: Record<string, Value> = {};
  return flatten(parsed, '', 0, out, limits) ? out : undefined;
}

function flatten(value: unknown, prefix: string, depth: number, out: Record<string, Value>, limits: FlattenLimits): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    if (prefix === '') return true;
    if (Object.keys(out).length >= limits.maxKeys) return false;
    setOwn(out, prefix, value);
    return true;
  }
  if (depth >= limits.maxDepth || typeof value !== 'object') return false;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [key, v] of entries) {
    if (!flatten(v, prefix === '' ? key : `${prefix}.${key}`, depth + 1, out, limits)) return false;
  }
  return true;
}

/** `json`: a JSON object per line (or per `{...}` frame), flattened. */
export const jsonParser = {
  name: 'json',
  counters: [],
  framesBraces: true,
  create: () => readingsOf((text) => parseJsonLine(text)),
} as const satisfies SerialParserDefinition<'json'>;
