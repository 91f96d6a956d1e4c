/**
 * Strings a client controls (client ids, user names, topics, filters,
 * reason strings, authentication methods, error messages quoting them)
 * reach the log from many call sites. Rather than trusting each of them,
 * one wrapper clips every string in every log record: field values at
 * LOG_FIELD_MAX characters, the message at LOG_MESSAGE_MAX (mosquitto cuts
 * its whole log line at 1,000 bytes). So a 65 KB client id or topic filter
 * cannot flood the log or stall whoever reads standard error.
 *
 * `clippingLogger()` is applied by createLogger, startGateway and the
 * Broker constructor, so a logger handed in by an integrator (or a test) is
 * covered too; child loggers inherit it, and applying it twice is a no-op.
 */
import { pino } from 'pino';
import type { Logger } from 'pino';

/** Longest string field value logged (characters), a little over four topic levels of 64. */
export const LOG_FIELD_MAX = 256;
/** Longest message logged (characters); a message may quote a client string inside our own text. */
export const LOG_MESSAGE_MAX = 1000;
/** How deep into plain objects and arrays field values are clipped. */
const DEPTH = 3;

const CLIPPING = Symbol('midge.log.clipping');

/** `s` cut to `max` characters, with how much was left out. */
export function clip(s: string, max = LOG_FIELD_MAX): string {
  return s.length <= max ? s : `${s.slice(0, max)}…[${s.length - max} more chars]`;
}

/** `logger`, or a child of it, whose records have every string clipped. */
export function clippingLogger(logger: Logger): Logger {
  if ((logger as Logger & { [CLIPPING]?: true })[CLIPPING]) return logger;
  const inherited = (logger as unknown as Record<symbol, { log?: (o: object) => object } | undefined>)[pino.symbols.formattersSym]?.log;
  const child = logger.child(
    {},
    {
      formatters: { log: inherited ? (o) => inherited(clipFields(o)) : clipFields },
      serializers: { msg: clipMessage, err: clipError },
    },
  ) as Logger & { [CLIPPING]?: true };
  child[CLIPPING] = true;
  return child;
}

/** A log record's fields with long strings clipped; the same object when nothing needed it (never mutated). */
export function clipFields(fields: object): object {
  return clipValue(fields, DEPTH) as object;
}

function clipValue(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return v.length > LOG_FIELD_MAX ? clip(v) : v;
  if (depth === 0 || typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const c = clipValue(v[i], depth - 1);
      if (c !== v[i]) (out ??= [...v])[i] = c;
    }
    return out ?? v;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return v; // Errors (the err serializer), Buffers, class instances
  let out: Record<string, unknown> | undefined;
  for (const [k, x] of Object.entries(v)) {
    const c = clipValue(x, depth - 1);
    if (c !== x) (out ??= { ...(v as Record<string, unknown>) })[k] = c;
  }
  return out ?? v;
}

function clipMessage(msg: unknown): unknown {
  return typeof msg === 'string' ? clip(msg, LOG_MESSAGE_MAX) : msg;
}

function clipError(err: unknown): unknown {
  const out = pino.stdSerializers.err(err as Error) as unknown;
  if (typeof out === 'string') return clip(out, LOG_MESSAGE_MAX);
  if (typeof out !== 'object' || out === null) return out;
  const e = { ...(out as Record<string, unknown>) };
  if (typeof e['message'] === 'string') e['message'] = clip(e['message'], LOG_MESSAGE_MAX);
  if (typeof e['stack'] === 'string') e['stack'] = clip(e['stack'], 4 * LOG_MESSAGE_MAX);
  return e;
}
