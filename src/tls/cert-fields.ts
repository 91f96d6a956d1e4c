/**
 * The few fields of a DER certificate that Node's X509Certificate does not
 * give as bytes: the serial number as encoded, and the issuer and subject
 * Names as encoded (CRLs are matched to certificates by those bytes).
 */
import { childrenOf, contentOf, encodingOf, expectTag, readTlv, TAG, type Tlv } from './der.js';

export interface CertFields {
  /** Content bytes of serialNumber, hex (as in a CRL entry). */
  serial: string;
  /** DER of the issuer Name. */
  issuer: Buffer;
  /** The subject Name element. */
  subject: Tlv;
}

export function certFields(der: Buffer): CertFields {
  const cert = expectTag(readTlv(der), TAG.SEQUENCE, 'certificate');
  const tbs = childrenOf(expectTag(childrenOf(cert)[0], TAG.SEQUENCE, 'tbsCertificate'));
  // version [0] EXPLICIT is optional (absent in v1 certificates)
  const at = tbs[0]?.tag === 0xa0 ? 1 : 0;
  const serial = contentOf(expectTag(tbs[at], TAG.INTEGER, 'serialNumber')).toString('hex');
  const issuer = encodingOf(expectTag(tbs[at + 2], TAG.SEQUENCE, 'issuer'));
  const subject = expectTag(tbs[at + 4], TAG.SEQUENCE, 'subject');
  return { serial, issuer, subject };
}
