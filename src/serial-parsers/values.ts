/**
 * Turns the text of one value (from key:value or CSV lines) into a reading
 * value. Pure.
 */
export type Value = string | number | boolean | null;

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
/** What Arduino's Serial.print(float) prints for NaN, infinities and overflow. */
const NOT_A_NUMBER = /^[-+]?(nan|inf|ovf)$/i;

/** A number, when `text` is one (decimal, optional exponent). */
export function parseNumber(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** True when `text` is a number or one of Arduino's nan/inf/ovf. */
export function isNumeric(text: string): boolean {
  return parseNumber(text) !== undefined || NOT_A_NUMBER.test(text);
}

/**
 * `obj[key] = value` as an own property even for `__proto__` (a device
 * may print any label): never changes a prototype, never loses the value.
 */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Number, boolean, null (nan/inf/ovf) or the trimmed string. */
export function parseValue(text: string): Value {
  const t = text.trim();
  const n = parseNumber(t);
  if (n !== undefined) return n;
  if (NOT_A_NUMBER.test(t)) return null;
  if (t === 'true' || t === 'false') return t === 'true';
  return t;
}
