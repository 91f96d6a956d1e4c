/**
 * NMEA 0183 sentences (`$GPGGA,...*47`): the XOR checksum is verified, GGA
 * and RMC from any talker (GP, GN, GL, GA, BD...) are decoded. Pure.
 *
 * GGA gives lat, lon (decimal degrees, south and west negative), alt (m
 * above mean sea level), fix (0 none, 1 GPS, 2 DGPS, 4 RTK...), sats, hdop.
 * RMC gives lat, lon, speed (km/h), course (degrees true), valid (status A).
 * Fields the receiver left empty (no fix yet) are left out.
 */
import type { SerialParserDefinition } from './definition.js';
import type { Value } from './values.js';

export type NmeaResult =
  | { kind: 'reading'; sentence: string; values: Record<string, Value> }
  /** Well-formed, checksum right, but not a sentence we decode (GSV, VTG...). */
  | { kind: 'other'; sentence: string }
  | { kind: 'bad_checksum'; sentence: string };

const SHAPE = /^[$!]([A-Z][A-Z0-9]{1,5}),([^*]*)\*([0-9A-Fa-f]{2})$/;
const KNOTS_TO_KMH = 1.852;

/** Undefined when `text` is not shaped like an NMEA sentence at all. */
export function parseNmea(text: string): NmeaResult | undefined {
  const m = SHAPE.exec(text.trim());
  if (!m) return undefined;
  const [, address, body, check] = m as unknown as [string, string, string, string];
  const sentence = address.length >= 5 ? address.slice(-3) : address;
  if (checksum(`${address},${body}`) !== parseInt(check, 16)) return { kind: 'bad_checksum', sentence };
  const f = body.split(',');
  if (sentence === 'GGA' && address.length === 5) return { kind: 'reading', sentence, values: gga(f) };
  if (sentence === 'RMC' && address.length === 5) return { kind: 'reading', sentence, values: rmc(f) };
  return { kind: 'other', sentence };
}

/** XOR of every character between `$`/`!` and `*`. */
export function checksum(payload: string): number {
  let x = 0;
  for (let i = 0; i < payload.length; i++) x ^= payload.charCodeAt(i) & 0xff;
  return x;
}

function gga(f: string[]): Record<string, Value> {
  // time, lat, N/S, lon, E/W, fix, sats, hdop, alt, M, geoid sep, M, dgps age, dgps station
  const out: Record<string, Value> = {};
  position(out, f[1], f[2], f[3], f[4]);
  put(out, 'fix', int(f[5]));
  put(out, 'sats', int(f[6]));
  put(out, 'hdop', num(f[7]));
  put(out, 'alt', num(f[8]));
  return out;
}

function rmc(f: string[]): Record<string, Value> {
  // time, status, lat, N/S, lon, E/W, speed (knots), course, date, magnetic variation, E/W[, mode]
  const out: Record<string, Value> = {};
  out.valid = f[1] === 'A';
  position(out, f[2], f[3], f[4], f[5]);
  const knots = num(f[6]);
  put(out, 'speed', knots === undefined ? undefined : Math.round(knots * KNOTS_TO_KMH * 1000) / 1000);
  put(out, 'course', num(f[7]));
  return out;
}

function position(out: Record<string, Value>, lat?: string, ns?: string, lon?: string, ew?: string): void {
  const la = degrees(lat, 2);
  const lo = degrees(lon, 3);
  if (la === undefined || lo === undefined || !/^[NS]$/.test(ns ?? '') || !/^[EW]$/.test(ew ?? '')) return;
  out.lat = ns === 'S' ? -la : la;
  out.lon = ew === 'W' ? -lo : lo;
}

/** `ddmm.mmmm` (lat) or `dddmm.mmmm` (lon) to decimal degrees, 6 decimals (~0.1 m). */
function degrees(text: string | undefined, degDigits: number): number | undefined {
  if (!text || !/^\d+(\.\d+)?$/.test(text)) return undefined;
  const dot = text.indexOf('.');
  if ((dot === -1 ? text.length : dot) !== degDigits + 2) return undefined;
  const deg = Number(text.slice(0, degDigits));
  const min = Number(text.slice(degDigits));
  if (min >= 60) return undefined;
  return Math.round((deg + min / 60) * 1e6) / 1e6;
}

function num(text: string | undefined): number | undefined {
  if (!text || !/^-?\d+(\.\d+)?$/.test(text)) return undefined;
  return Number(text);
}

function int(text: string | undefined): number | undefined {
  return text && /^\d+$/.test(text) ? Number(text) : undefined;
}

function put(out: Record<string, Value>, key: string, value: number | undefined): void {
  if (value !== undefined) out[key] = value;
}

/** `nmea`: NMEA 0183 sentences; a wrong checksum is dropped, sentences not decoded are skipped. */
export const nmeaParser = {
  name: 'nmea',
  counters: ['nmea_bad_checksum', 'nmea_other'],
  framesBraces: false,
  create: () => (text) => {
    const r = parseNmea(text);
    if (r?.kind === 'reading') return { kind: 'reading', values: r.values };
    if (r?.kind === 'bad_checksum') return { kind: 'dropped', counter: 'nmea_bad_checksum' };
    if (r?.kind === 'other') return { kind: 'skipped', counter: 'nmea_other', detail: r.sentence };
    return undefined;
  },
} as const satisfies SerialParserDefinition<'nmea'>;
