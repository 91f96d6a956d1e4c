/**
 * Password hashes in mosquitto's format (src/password_mosq.c, mosquitto 2.x):
 *
 * - `$6$SALT$HASH`: SHA-512 of password followed by the salt bytes
 *   (mosquitto 1.6 and earlier, `mosquitto_passwd -H sha512`).
 * - `$7$ITERATIONS$SALT$HASH`: PBKDF2-HMAC-SHA512, 64-byte key
 *   (the default of mosquitto_passwd 2.x, 101 iterations).
 *
 * SALT and HASH are standard base64; the salt is 12 random bytes.
 */
import { createHash, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/** mosquitto_passwd's default PBKDF2 iteration count (PW_DEFAULT_ITERATIONS). */
export const DEFAULT_ITERATIONS = 101;
const SALT_BYTES = 12;
const SHA512_BYTES = 64;

export type PasswordHash =
  | { kind: 'sha512'; salt: Buffer; hash: Buffer }
  | { kind: 'pbkdf2-sha512'; iterations: number; salt: Buffer; hash: Buffer };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Parses `$6$...` or `$7$...`; returns an error text for anything else. */
export function parsePasswordHash(text: string): PasswordHash | string {
  const parts = text.split('$');
  // '', '6', salt, hash  |  '', '7', iterations, salt, hash
  if (parts[0] !== '' || (parts[1] !== '6' && parts[1] !== '7')) {
    return 'expected a hash written by mosquitto_passwd or midge passwd ($6$... or $7$...); plain-text passwords are not accepted';
  }
  if (parts[1] === '6') {
    if (parts.length !== 4) return 'malformed $6$ hash: expected $6$SALT$HASH';
    const salt = decode(parts[2]!);
    const hash = decode(parts[3]!);
    if (!salt) return 'malformed $6$ hash: salt is not base64';
    if (!hash || hash.length !== SHA512_BYTES) return 'malformed $6$ hash: hash is not 64 bytes of base64';
    return { kind: 'sha512', salt, hash };
  }
  if (parts.length !== 5) return 'malformed $7$ hash: expected $7$ITERATIONS$SALT$HASH';
  const iterations = /^[1-9]\d{0,8}$/.test(parts[2]!) ? Number(parts[2]) : NaN;
  if (!Number.isSafeInteger(iterations)) return `malformed $7$ hash: iteration count '${parts[2]}' is not a positive integer`;
  const salt = decode(parts[3]!);
  const hash = decode(parts[4]!);
  if (!salt) return 'malformed $7$ hash: salt is not base64';
  if (!hash || hash.length !== SHA512_BYTES) return 'malformed $7$ hash: hash is not 64 bytes of base64';
  return { kind: 'pbkdf2-sha512', iterations, salt, hash };
}

function decode(s: string): Buffer | undefined {
  if (s.length === 0 || !BASE64.test(s)) return undefined;
  return Buffer.from(s, 'base64');
}

/** Computes the digest for `password` with the parameters of `h`. */
function digest(h: PasswordHash, password: Buffer): Buffer {
  if (h.kind === 'sha512') return createHash('sha512').update(password).update(h.salt).digest();
  return pbkdf2Sync(password, h.salt, h.iterations, SHA512_BYTES, 'sha512');
}

/** Constant-time check of a password against a parsed hash. */
export function verifyPassword(h: PasswordHash, password: Buffer | string): boolean {
  const pw = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  const d = digest(h, pw);
  return d.length === h.hash.length && timingSafeEqual(d, h.hash);
}

/** A fresh `$7$` (PBKDF2-SHA512) hash line part, as `mosquitto_passwd` writes by default. */
export function hashPassword(password: string, iterations = DEFAULT_ITERATIONS): string {
  const salt = randomBytes(SALT_BYTES);
  const hash = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, SHA512_BYTES, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/**
 * A digest to compare against when the user is unknown, so that an unknown
 * user costs as much time as a wrong password.
 */
export function dummyHash(): PasswordHash {
  return { kind: 'pbkdf2-sha512', iterations: DEFAULT_ITERATIONS, salt: randomBytes(SALT_BYTES), hash: randomBytes(SHA512_BYTES) };
}
