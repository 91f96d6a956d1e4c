import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { BridgeError } from '../../src/errors.js';
import {
  SasTokenSource, createSasToken, deviceResourceUri, encodeUriComponentStrict, sasRenewAt, signSas,
} from '../../src/clouds/azure-sas.js';

describe('signSas: known answers (cloud-targets.md)', () => {
  // [base64 key, string to sign, expected base64 signature (or its URL encoding), url-encode?]
  const vectors: Array<[string, string, string, boolean]> = [
    // azure-iot-sdk-node common/core/test/_shared_access_signature_test.js
    ['cGFzc3dvcmQ=', 'uri\n12345', 'kcWxXAK2OAaAoq2oCkaGzX2NMqDB8nCyNuq2fPYCDhk%3D', true],
    ['cGFzc3dvcmQ=', 'string-to-sign', 'o1n1hiIVgzVA2+krq9ty1Z4xsIJKJZP3dYT8MOi65Y4=', false],
    // Python SDK
    ['NMgJDvdKTxjLi+xBxxkDDEwDJxEvOE5u8BiT0mVgPeg=', 'sign this message', '8NJRMT83CcplGrAGaUVIUM/md5914KpWVNngSVoF9/M=', false],
  ];
  for (const [key, message, want, encode] of vectors) {
    it(`${key} / ${JSON.stringify(message)}`, () => {
      const sig = signSas(key, message);
      assert.equal(encode ? encodeUriComponentStrict(sig) : sig, want);
    });
  }

  it('the SDK vector as a whole token', () => {
    assert.equal(
      createSasToken({ resourceUri: 'uri', key: 'cGFzc3dvcmQ=', expiry: 12345 }),
      'SharedAccessSignature sr=uri&sig=kcWxXAK2OAaAoq2oCkaGzX2NMqDB8nCyNuq2fPYCDhk%3D&se=12345',
    );
    assert.equal(
      createSasToken({ resourceUri: 'uri', key: 'cGFzc3dvcmQ=', expiry: 12345, keyName: 'name' }),
      'SharedAccessSignature sr=uri&sig=kcWxXAK2OAaAoq2oCkaGzX2NMqDB8nCyNuq2fPYCDhk%3D&se=12345&skn=name',
    );
  });

  it('refuses keys that are not base64', () => {
    for (const key of ['', 'not base64!', 'abc']) assert.throws(() => signSas(key, 'x'), BridgeError);
  });
});

describe('createSasToken for a device', () => {
  const key = 'NMgJDvdKTxjLi+xBxxkDDEwDJxEvOE5u8BiT0mVgPeg=';
  const cases: Array<[string, string, string | undefined, string]> = [
    ['myhub.azure-devices.net', 'dev1', undefined, 'myhub.azure-devices.net%2Fdevices%2Fdev1'],
    ['myhub.azure-devices.net', 'pump:7', undefined, 'myhub.azure-devices.net%2Fdevices%2Fpump%3A7'],
    ['myhub.azure-devices.net', 'dev1', 'mod(a)', 'myhub.azure-devices.net%2Fdevices%2Fdev1%2Fmodules%2Fmod%28a%29'],
  ];
  for (const [host, device, module, sr] of cases) {
    it(`${device}${module ? '/' + module : ''}`, () => {
      const token = createSasToken({ resourceUri: deviceResourceUri(host, device, module), key, expiry: 1_900_000_000 });
      const m = /^SharedAccessSignature sr=([^&]+)&sig=([^&]+)&se=(\d+)$/.exec(token);
      assert.ok(m, token);
      assert.equal(m[1], sr);
      assert.equal(m[3], '1900000000');
      // independent oracle: HMAC-SHA256 over "{sr}\n{se}" with the decoded key
      const expected = createHmac('sha256', Buffer.from(key, 'base64')).update(`${sr}\n1900000000`).digest('base64');
      assert.equal(decodeURIComponent(m[2]!), expected);
      assert.ok(!/[+/=]/.test(m[2]!), 'signature is URL-encoded');
    });
  }
  it('refuses a bad expiry or an empty resource', () => {
    assert.throws(() => createSasToken({ resourceUri: 'r', key, expiry: 0 }), BridgeError);
    assert.throws(() => createSasToken({ resourceUri: 'r', key, expiry: 1.5 }), BridgeError);
    assert.throws(() => createSasToken({ resourceUri: '', key, expiry: 10 }), BridgeError);
  });
});

describe('encodeUriComponentStrict', () => {
  const table: Array<[string, string]> = [['a/b', 'a%2Fb'], ["!'()*", '%21%27%28%29%2A'], ['a b+c=', 'a%20b%2Bc%3D'], ['é', '%C3%A9']];
  for (const [input, want] of table) it(JSON.stringify(input), () => assert.equal(encodeUriComponentStrict(input), want));
});

describe('SAS renewal', () => {
  it('sasRenewAt', () => {
    assert.equal(sasRenewAt(10_000, 900), 9_100_000);
    assert.equal(sasRenewAt(10_000), 9_100_000);
    assert.equal(sasRenewAt(10_000, 0), 10_000_000);
  });

  it('SasTokenSource caches the token and renews it inside the margin', () => {
    let now = 1_700_000_000_000;
    const src = new SasTokenSource({
      resourceUri: 'h.azure-devices.net/devices/d', key: 'cGFzc3dvcmQ=', ttlSec: 3600, renewMarginSec: 900, now: () => now,
    });
    assert.equal(src.needsRenewal(), true);
    assert.equal(src.renewInMs(), 0);
    const first = src.token();
    const start = now / 1000;
    assert.equal(src.expiry, start + 3600);
    assert.match(first, new RegExp(`&se=${start + 3600}$`));
    assert.equal(src.renewInMs(), 2700 * 1000);
    now += 2700 * 1000 - 1;
    assert.equal(src.needsRenewal(), false);
    assert.equal(src.token(), first, 'same token before the margin');
    assert.equal(src.renewInMs(), 1);
    now += 1;
    assert.equal(src.needsRenewal(), true);
    const second = src.token();
    assert.notEqual(second, first);
    assert.equal(src.expiry, start + 2700 + 3600);
  });

  it('floors fractional clocks to whole seconds', () => {
    const src = new SasTokenSource({ resourceUri: 'r', key: 'cGFzc3dvcmQ=', ttlSec: 60, renewMarginSec: 10, now: () => 12_345_999 });
    src.token();
    assert.equal(src.expiry, 12_345 + 60);
  });

  const bad: Array<[number, number]> = [[0, 0], [60, 60], [60, 61], [60, -1], [1.5, 0]];
  for (const [ttlSec, renewMarginSec] of bad) {
    it(`rejects ttl=${ttlSec} margin=${renewMarginSec}`, () => {
      assert.throws(() => new SasTokenSource({ resourceUri: 'r', key: 'cGFzc3dvcmQ=', ttlSec, renewMarginSec }), BridgeError);
    });
  }
  it('rejects a bad key up front', () => {
    assert.throws(() => new SasTokenSource({ resourceUri: 'r', key: '***' }), BridgeError);
  });
});
