/** crl.ts and der.ts on CRLs and certificates made by the openssl CLI: serials, issuers, signatures, dates, malformed input. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { certFields } from '../../src/tls/cert-fields.js';
import { checkRevocation, parseCrlFile } from '../../src/tls/crl.js';
import { readTlv, timeOf, DerError } from '../../src/tls/der.js';
import { ConfigError } from '../../src/errors.js';
import { generatePki, type TestPki } from '../helpers/certs.js';

const der = (path: string): Buffer => new X509Certificate(readFileSync(path)).raw;

describe('CRL checks (crl.ts)', () => {
  let pki: TestPki;
  before(() => {
    pki = generatePki();
  });
  after(() => pki.cleanup());

  test("parseCrlFile: the revoked certificate's serial, the CA's name as issuer, dates", () => {
    const [crl, ...rest] = parseCrlFile(readFileSync(pki.crl), pki.crl, 'listeners[0].crlfile');
    assert.equal(rest.length, 0);
    assert.deepEqual([...crl!.revoked], [certFields(der(pki.revoked.cert)).serial]);
    assert.ok(crl!.issuer.equals(certFields(der(pki.client.cert)).issuer));
    assert.ok(crl!.thisUpdate.getTime() <= Date.now() && crl!.nextUpdate!.getTime() > Date.now());
  });

  test('checkRevocation: valid passes, revoked is CERT_REVOKED, a CRL past nextUpdate is CRL_HAS_EXPIRED, a foreign issuer is UNABLE_TO_GET_CRL', () => {
    const crls = parseCrlFile(readFileSync(pki.crl), pki.crl, 'k');
    const ca = der(pki.caCert);
    assert.equal(checkRevocation([der(pki.client.cert), ca], crls), undefined);
    assert.equal(checkRevocation([der(pki.revoked.cert), ca], crls), 'CERT_REVOKED');
    assert.equal(checkRevocation([der(pki.client.cert), ca], crls, new Date(Date.now() + 40 * 86_400_000)), 'CRL_HAS_EXPIRED');
    assert.equal(checkRevocation([der(pki.client.cert), ca], crls, new Date(Date.now() - 86_400_000)), 'CRL_NOT_YET_VALID');
    assert.equal(checkRevocation([der(pki.foreign.cert), ca], crls), 'UNABLE_TO_GET_CRL');
  });

  test('checkRevocation: a CRL with the right issuer name but not signed by the issuer key is CRL_SIGNATURE_FAILURE', () => {
    const crls = parseCrlFile(readFileSync(pki.crl), pki.crl, 'k');
    const tampered = { ...crls[0]!, signature: Buffer.from(crls[0]!.signature), verdicts: new Map<string, boolean>() };
    tampered.signature[tampered.signature.length - 1]! ^= 1;
    assert.equal(checkRevocation([der(pki.client.cert), der(pki.caCert)], [tampered]), 'CRL_SIGNATURE_FAILURE');
  });

  test('parseCrlFile: several PEM CRLs in one file are all read; a DER CRL is read', () => {
    const pem = readFileSync(pki.crl);
    assert.equal(parseCrlFile(Buffer.concat([pem, pem]), 'f', 'k').length, 2);
    const body = pem.toString().replace(/-----[^-]+-----/g, '').replace(/\s/g, '');
    assert.equal(parseCrlFile(Buffer.from(body, 'base64'), 'f', 'k').length, 1);
  });

  test('parseCrlFile: not a CRL, or a truncated one, is a ConfigError naming the key', () => {
    const isKeyError = (err: unknown) => err instanceof ConfigError && err.key === 'listeners[2].crlfile';
    assert.throws(() => parseCrlFile(readFileSync(pki.caCert), 'ca.crt', 'listeners[2].crlfile'), isKeyError);
    const pem = readFileSync(pki.crl).toString();
    const body = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
    const cut = `-----BEGIN X509 CRL-----\n${body.subarray(0, body.length - 10).toString('base64')}\n-----END X509 CRL-----\n`;
    assert.throws(() => parseCrlFile(Buffer.from(cut), 'cut.pem', 'listeners[2].crlfile'), (err: unknown) => isKeyError(err) && /does not parse/.test(String(err)));
  });

  test('der: indefinite lengths and overruns are refused; UTCTime years before 50 are 20xx', () => {
    assert.throws(() => readTlv(Buffer.from('3080', 'hex')), DerError);
    assert.throws(() => readTlv(Buffer.from('300501', 'hex')), DerError);
    assert.equal(timeOf(readTlv(Buffer.from('170d3439313233313233353935395a', 'hex'))).toISOString(), '2049-12-31T23:59:59.000Z');
    assert.equal(timeOf(readTlv(Buffer.from('170d3530303130313030303030305a', 'hex'))).toISOString(), '1950-01-01T00:00:00.000Z');
  });
});
