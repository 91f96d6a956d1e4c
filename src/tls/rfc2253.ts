/**
 * A certificate subject as mosquitto's `use_subject_as_username` writes it:
 * OpenSSL's X509_NAME_print_ex(..., XN_FLAG_RFC2253). That is RFC 2253
 * order (last RDN first), `,` between RDNs and `+` inside one, OpenSSL's
 * short names (CN, O, OU, emailAddress, ...), values escaped with `\` for
 * `,+"\<>;`, a leading `#` or space and a trailing space, control
 * characters and every byte of a non-ASCII character as `\XX` (the UTF-8
 * bytes), and attributes OpenSSL has no name for as the dotted OID with
 * `#` and the hex of the value's DER. Node's X509Certificate.subject is a
 * different format (its own order, separators and escaping), hence this.
 */
import { childrenOf, contentOf, encodingOf, oidOf, type Tlv } from './der.js';

/** OpenSSL's short names (OBJ_nid2sn) for the attribute types met in subjects. */
const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.13': 'description',
  '2.5.4.15': 'businessCategory',
  '2.5.4.17': 'postalCode',
  '2.5.4.41': 'name',
  '2.5.4.42': 'GN',
  '2.5.4.43': 'initials',
  '2.5.4.44': 'generationQualifier',
  '2.5.4.45': 'x500UniqueIdentifier',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.65': 'pseudonym',
  '2.5.4.72': 'role',
  '2.5.4.97': 'organizationIdentifier',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '1.2.840.113549.1.9.2': 'unstructuredName',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.3.6.1.4.1.311.60.2.1.1': 'jurisdictionL',
  '1.3.6.1.4.1.311.60.2.1.2': 'jurisdictionST',
  '1.3.6.1.4.1.311.60.2.1.3': 'jurisdictionC',
};

/** Bytes per character of the string types OpenSSL prints (tag2nbyte); 0 = UTF8String. Others are dumped. */
const WIDTH: Record<number, number> = { 12: 0, 18: 1, 19: 1, 20: 1, 22: 1, 23: 1, 24: 1, 26: 1, 28: 4, 30: 2 };

const ALWAYS = new Set([...',+"\\<>;'].map((c) => c.charCodeAt(0)));
const HASH = 0x23;
const SPACE = 0x20;

/** The subject (or any Name element) in mosquitto's use_subject_as_username form. */
export function formatRfc2253(name: Tlv): string {
  const entries: Array<{ set: number; type: string; value: Tlv }> = [];
  childrenOf(name).forEach((rdn, set) => {
    for (const atv of childrenOf(rdn)) {
      const [type, value] = childrenOf(atv);
      entries.push({ set, type: oidOf(type!), value: value! });
    }
  });
  let out = '';
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (i < entries.length - 1) out += entries[i + 1]!.set === e.set ? '+' : ',';
    const short = SHORT_NAMES[e.type];
    out += `${short ?? e.type}=`;
    const width = WIDTH[e.value.tag];
    out += short === undefined || width === undefined ? `#${encodingOf(e.value).toString('hex').toUpperCase()}` : printString(contentOf(e.value), width);
  }
  return out;
}

/** do_buf with UTF8_CONVERT and the RFC 2253 escapes. */
function printString(bytes: Buffer, width: number): string {
  const chars: number[] = [];
  // a UTF8String is printed byte by byte (it is UTF-8 already); other types are converted to UTF-8 first
  const step = width === 0 ? 1 : width;
  if (bytes.length % step !== 0) return `#${bytes.toString('hex').toUpperCase()}`;
  for (let at = 0; at < bytes.length; at += step) chars.push(step === 1 ? bytes[at]! : step === 2 ? bytes.readUInt16BE(at) : bytes.readUInt32BE(at));
  let out = '';
  chars.forEach((c, n) => {
    // OpenSSL: the first character may need the "first" escapes, the last (also when it is the first) the "last" ones
    const position = n === chars.length - 1 ? 'last' : n === 0 ? 'first' : 'middle';
    const utf8 = width === 0 ? [c] : [...Buffer.from(String.fromCodePoint(c), 'utf8')];
    for (const b of utf8) out += escapeByte(b, position);
  });
  return out;
}

function escapeByte(b: number, position: 'first' | 'middle' | 'last'): string {
  const hex = `\\${b.toString(16).toUpperCase().padStart(2, '0')}`;
  if (b > 0x7f) return hex; // ESC_MSB
  if (ALWAYS.has(b) || (b === HASH && position === 'first') || (b === SPACE && position !== 'middle')) return `\\${String.fromCharCode(b)}`;
  if (b < 0x20 || b === 0x7f) return hex; // ESC_CTRL
  return String.fromCharCode(b);
}
