/**
 * A strict reader for the DER (X.690) that certificates and CRLs are made
 * of: enough to walk a CRL's revoked serials and a certificate's names,
 * which Node's crypto does not expose. Definite lengths only, single-byte
 * tags only; anything else throws `DerError`.
 */

import { GatewayError } from '../errors.js';

/** Bytes that are not the DER expected (callers turn it into a ConfigError or a refused certificate). */
export class DerError extends GatewayError {}

/** One element: its tag byte and where its header and content lie in `buf`. */
export interface Tlv {
  readonly buf: Buffer;
  readonly tag: number;
  /** First byte of the header. */
  readonly start: number;
  /** First byte of the content. */
  readonly body: number;
  /** One past the last content byte. */
  readonly end: number;
}

export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OID: 0x06,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** The element that starts at `offset` (must end by `limit`). */
export function readTlv(buf: Buffer, offset = 0, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new DerError('truncated element');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not supported');
  let length = buf[offset + 1]!;
  let body = offset + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 4) throw new DerError(n === 0 ? 'indefinite length is not DER' : 'element too long');
    if (body + n > limit) throw new DerError('truncated length');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[body + i]!;
    body += n;
  }
  const end = body + length;
  if (end > limit) throw new DerError('element runs past its container');
  return { buf, tag, start: offset, body, end };
}

/** The elements inside a constructed element (a SEQUENCE, SET or explicit tag). */
export function childrenOf(tlv: Tlv): Tlv[] {
  if ((tlv.tag & 0x20) === 0) throw new DerError(`tag 0x${tlv.tag.toString(16)} is not constructed`);
  const out: Tlv[] = [];
  for (let at = tlv.body; at < tlv.end; ) {
    const child = readTlv(tlv.buf, at, tlv.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

/** Checks the tag and returns the element. */
export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (!tlv || tlv.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found ${tlv ? `0x${tlv.tag.toString(16)}` : 'nothing'}`);
  return tlv;
}

export function contentOf(tlv: Tlv): Buffer {
  return tlv.buf.subarray(tlv.body, tlv.end);
}

/** The whole encoding (header and content). */
export function encodingOf(tlv: Tlv): Buffer {
  return tlv.buf.subarray(tlv.start, tlv.end);
}

/** Dotted form of an OBJECT IDENTIFIER. */
export function oidOf(tlv: Tlv): string {
  const bytes = contentOf(expectTag(tlv, TAG.OID, 'object identifier'));
  const arcs: number[] = [];
  let value = 0;
  for (const b of bytes) {
    value = value * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    }
  }
  if (arcs.length === 0) throw new DerError('empty object identifier');
  const first = arcs[0]!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

/** UTCTime or GeneralizedTime (in Z form, as RFC 5280 requires) as a Date. */
export function timeOf(tlv: Tlv): Date {
  const text = contentOf(tlv).toString('latin1');
  const m = tlv.tag === TAG.UTC_TIME ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : tlv.tag === TAG.GENERALIZED_TIME ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(text) : null;
  if (!m) throw new DerError(`not a time in Z form: ${JSON.stringify(text)}`);
  let year = Number(m[1]);
  if (tlv.tag === TAG.UTC_TIME) year += year < 50 ? 2000 : 1900; // RFC 5280 4.1.2.5.1
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}
