import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_TOPIC_BYTES,
  hasWildcard,
  isDollarTopic,
  utf8ByteLength,
  validatePlainFilter,
  validateTopicFilter,
  validateTopicName,
} from '../../src/topics/index.js';
import { mulberry32 } from '../helpers/prng.js';

const show = (s: string): string => (s.length > 40 ? `${JSON.stringify(s.slice(0, 20))}…(${s.length} chars)` : JSON.stringify(s));

// Strings built to sit exactly on / just over the 65535-byte limit.
const ascii65535 = 'a'.repeat(65535);
const ascii65536 = 'a'.repeat(65536);
const euro65535 = '€'.repeat(21845); // 3 bytes each = 65535
const euro65538 = '€'.repeat(21846);
const emoji65532 = '😀'.repeat(16383); // 4 bytes each
const emoji65536 = '😀'.repeat(16384);
const deep = Array.from({ length: 1000 }, (_, i) => `l${i}`).join('/');

describe('validateTopicName: valid', () => {
  const valid = [
    'sport/tennis/player1', 'sport/tennis/player1/ranking', 'sport/tennis/player1/score/wimbledon', 'sport',
    '/finance', '/              a', ' ', '/', '//', 'sport/', 'a//b', '/a', 'a/',
    // mosquitto util_topic_test.c TEST_pub_topic_valid
    'pub/topic', 'pub//topic', 'pub/ /topic', '$SYS', '$SYS/broker/uptime', '$', 'a$/b$',
    '$share/group/topic', // no wildcard: a legal (if odd) topic name
    'ACCOUNTS', 'ünïcödé/温度/😀', 'ba℞/\u00e9/\u0301', '\uFEFF',
    '\u0001control\u001F', // SHOULD NOT, but not forbidden
    '\uFFFF', // non-character: MAY be rejected, we accept
    'a*b?c!', 'a\\b',
    deep,
    ascii65535,
    euro65535,
    emoji65532,
    '😀'.repeat(16383) + 'abc', // 65535 bytes
  ];
  for (const name of valid) {
    it(`accepts ${show(name)}`, () => assert.equal(validateTopicName(name), null));
  }
});

describe('validateTopicName: invalid', () => {
  const invalid: Array<[string, RegExp]> = [
    ['', /empty/], ['+', /wildcard/], ['#', /wildcard/], ['a/+', /wildcard/], ['a/#', /wildcard/],
    ['+/a', /wildcard/], ['a+b', /wildcard/], ['a#b', /wildcard/],
    // mosquitto util_topic_test.c TEST_pub_topic_invalid
    ['+pub/topic', /wildcard/], ['pub+/topic', /wildcard/], ['pub/+topic', /wildcard/],
    ['pub/topic+', /wildcard/], ['pub/topic/+', /wildcard/], ['#pub/topic', /wildcard/],
    ['pub#/topic', /wildcard/], ['pub/#topic', /wildcard/], ['pub/topic#', /wildcard/],
    ['pub/topic/#', /wildcard/], ['+/pub/topic', /wildcard/], ['\u0000', /U\+0000/], ['a\u0000b', /U\+0000/],
    ['a/b\u0000', /U\+0000/], ['\uD800', /surrogate/], ['a\uDC00b', /surrogate/],
    ['\uDE00\uD83D', /surrogate/], // reversed pair
    ['😀'.slice(0, 1), /surrogate/],
    [ascii65536, /65535 bytes/],
    [euro65538, /65535 bytes/],
    [emoji65536, /65535 bytes/],
    ['😀'.repeat(16383) + 'abcd', /65535 bytes/],
  ];
  for (const [name, why] of invalid) {
    it(`rejects ${show(name)}`, () => {
      const reason = validateTopicName(name);
      assert.notEqual(reason, null);
      assert.match(reason!, why);
    });
  }
});

describe('validateTopicName: limits', () => {
  const cases: Array<[string, { maxLevels?: number; maxBytes?: number }, boolean]> = [
    ['a/b/c', { maxLevels: 3 }, true],
    ['a/b/c/d', { maxLevels: 3 }, false],
    ['/a/b', { maxLevels: 3 }, true],
    ['a//', { maxLevels: 3 }, true],
    ['///', { maxLevels: 3 }, false],
    ['a', { maxLevels: 1 }, true],
    ['/', { maxLevels: 1 }, false],
    [deep, { maxLevels: 1000 }, true],
    [deep, { maxLevels: 999 }, false],
    ['0123456789', { maxBytes: 10 }, true],
    ['0123456789a', { maxBytes: 10 }, false],
    ['ééééé', { maxBytes: 10 }, true],
    ['éééééa', { maxBytes: 10 }, false],
    ['😀😀', { maxBytes: 8 }, true],
    ['😀😀', { maxBytes: 7 }, false],
    [ascii65536, { maxBytes: 70000 }, true], // caller may raise the limit (e.g. for internal use)
    ['a/b', { maxLevels: 2, maxBytes: 3 }, true],
    ['a/b/c', { maxLevels: 2, maxBytes: 100 }, false],
  ];
  for (const [name, limits, ok] of cases) {
    it(`${show(name)} with ${JSON.stringify(limits)} is ${ok ? 'valid' : 'invalid'}`, () => {
      const reason = validateTopicName(name, limits);
      if (ok) assert.equal(reason, null);
      else assert.match(reason ?? '', /levels|bytes/);
    });
  }
  it('defaults maxBytes to 65535', () => assert.equal(MAX_TOPIC_BYTES, 65535));
});

describe('validateTopicFilter: valid', () => {
  const valid = [
    'sport/tennis/player1/#', 'sport/#', '#', 'sport/tennis/#', '+', '+/tennis/#', 'sport/+/player1', '+/+',
    '/+', '+/', '/#', '+/#', '//#', 'a//b', '/', 'a/+/+/b', '$SYS/#', '$SYS/+', '$SYS/monitor/+',
    '$share', // only '$share/' starts a shared subscription
    '$shared/g/x',
    '$SHARE/g/x', // case sensitive: a normal filter
    '$share/g/x', '$share/g/#', '$share/g/+/a/#',
    '$share/g/$share/h/x', // inner filter is a literal '$share/h/x'
    'ünïcödé/+/😀/#',
    // mosquitto util_topic_test.c TEST_sub_topic_valid
    'sub/topic', 'sub//topic', 'sub/ /topic', 'sub/+/topic', '+/+/+', 'sub/topic/#', 'sub//topic/#',
    'sub/ /topic/#', 'sub/+/topic/#', '+/+/+/#',
    deep + '/#',
    ascii65535,
    'a'.repeat(65533) + '/#',
    euro65535,
  ];
  for (const filter of valid) {
    it(`accepts ${show(filter)}`, () => assert.equal(validateTopicFilter(filter), null));
  }
});

describe('validateTopicFilter: invalid', () => {
  const invalid: Array<[string, RegExp]> = [
    ['', /empty/], ['sport/tennis#', /'#'/], ['sport/tennis/#/ranking', /'#'/], ['#/', /'#'/],
    ['#/a', /'#'/], ['a/#/', /'#'/], ['##', /'#'/], ['#+', /'#'|'\+'/], ['+#', /'\+'/], ['sport+', /'\+'/],
    ['++', /'\+'/], ['a/++/b', /'\+'/], ['a/b+', /'\+'/],
    // mosquitto util_topic_test.c TEST_sub_topic_invalid
    ['+sub/topic', /'\+'/], ['sub+/topic', /'\+'/], ['sub/+topic', /'\+'/], ['sub/topic+', /'\+'/],
    ['#sub/topic', /'#'/], ['sub#/topic', /'#'/], ['sub/#topic', /'#'/], ['sub/topic#', /'#'/],
    ['#/sub/topic', /'#'/],
    // mosquitto TEST_invalid filters
    ['foo#', /'#'/], ['fo#o/', /'#'/], ['foo+', /'\+'/], ['foo/#a', /'#'/], ['#a', /'#'/],
    ['foo/#abc', /'#'/], ['#abc', /'#'/], ['/#a', /'#'/], ['a\u0000', /U\+0000/], ['\u0000/#', /U\+0000/],
    ['a/\uD800/#', /surrogate/],
    [ascii65536, /65535 bytes/],
    ['a'.repeat(65534) + '/#', /65535 bytes/],
    [euro65538, /65535 bytes/],
    // shared subscription syntax
    ['$share/', /share name/], ['$share/grp', /share name must be followed/],
    ['$share//x', /at least one character/], ['$share/g+/x', /share name/], ['$share/g#/x', /share name/],
    ['$share/+/x', /share name/], ['$share/#', /share name/], ['$share/g/', /topic filter/],
    ['$share/g/a#', /'#'/], ['$share/g/a/#/b', /'#'/], ['$share/g/+a', /'\+'/],
    ['$share/g\u0000/x', /U\+0000/],
  ];
  for (const [filter, why] of invalid) {
    it(`rejects ${show(filter)}`, () => {
      const reason = validateTopicFilter(filter);
      assert.notEqual(reason, null);
      assert.match(reason!, why);
    });
  }
});

describe('validateTopicFilter: limits', () => {
  const cases: Array<[string, { maxLevels?: number; maxBytes?: number }, boolean]> = [
    ['a/+/#', { maxLevels: 3 }, true],
    ['a/+/b/#', { maxLevels: 3 }, false],
    ['#', { maxLevels: 1 }, true],
    ['+/#', { maxLevels: 1 }, false],
    ['$share/g/a/b', { maxLevels: 2 }, true], // levels counted on the inner filter
    ['$share/g/a/b/c', { maxLevels: 2 }, false],
    ['$share/g/a', { maxBytes: 10 }, true],
    ['$share/gg/a', { maxBytes: 10 }, false], // bytes counted on the whole string
    ['0123456789', { maxBytes: 10 }, true],
    ['012345678/#', { maxBytes: 10 }, false],
  ];
  for (const [filter, limits, ok] of cases) {
    it(`${show(filter)} with ${JSON.stringify(limits)} is ${ok ? 'valid' : 'invalid'}`, () => {
      const reason = validateTopicFilter(filter, limits);
      if (ok) assert.equal(reason, null);
      else assert.match(reason ?? '', /levels|bytes/);
    });
  }
});

describe('validatePlainFilter', () => {
  it('treats $share/ literally', () => {
    assert.equal(validatePlainFilter('$share//x'), null);
    assert.equal(validatePlainFilter('$share/grp'), null);
    assert.notEqual(validatePlainFilter('$share/g+/x'), null); // still a bad '+'
  });
});

describe('hasWildcard / isDollarTopic', () => {
  const wild: Array<[string, boolean]> = [
    ['a/b', false], ['', false], ['+', true], ['#', true], ['a/+/b', true], ['a/#', true], ['a+', true], ['$share/g/x', false], ['$share/g/+', true],
  ];
  for (const [f, expected] of wild) it(`hasWildcard(${show(f)}) === ${expected}`, () => assert.equal(hasWildcard(f), expected));
  const dollar: Array<[string, boolean]> = [
    ['$SYS/x', true], ['$', true], ['$share/g/x', true], ['a/$SYS', false], ['', false], [' $SYS', false], ['SYS', false],
  ];
  for (const [t, expected] of dollar) it(`isDollarTopic(${show(t)}) === ${expected}`, () => assert.equal(isDollarTopic(t), expected));
});

describe('properties', () => {
  const alphabet = ['a', 'b', '/', '/', '+', '#', '$', ' ', 'é', '€', '😀', '\u0000', '\uD800', 'x'];
  const rand = mulberry32(0x70b1c5);
  const samples: string[] = [];
  for (let n = 0; n < 3000; n++) {
    let s = '';
    const len = Math.floor(rand() * 8);
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
    samples.push(s);
  }

  it('utf8ByteLength agrees with Buffer.byteLength on well-formed strings', () => {
    for (const s of samples) {
      if (s.includes('\uD800')) continue;
      assert.equal(utf8ByteLength(s), Buffer.byteLength(s, 'utf8'), show(s));
    }
  });

  it('every valid topic name is also a valid topic filter', () => {
    for (const s of samples) if (validateTopicName(s) === null) assert.equal(validateTopicFilter(s), null, show(s));
  });

  it('a name is valid iff it is a non-empty, wildcard-free, NUL-free, well-formed string', () => {
    for (const s of samples) {
      const expected = s.length > 0 && !/[+#\u0000]/.test(s) && !s.includes('\uD800');
      assert.equal(validateTopicName(s) === null, expected, show(s));
    }
  });

  it('a plain filter is valid iff every level is "+", "#" (last only) or wildcard-free', () => {
    for (const s of samples) {
      const levels = s.split('/');
      const expected =
        s.length > 0 &&
        !/[\u0000\uD800]/.test(s) &&
        levels.every((l, i) => l === '+' || (l === '#' && i === levels.length - 1) || !/[+#]/.test(l));
      assert.equal(validatePlainFilter(s) === null, expected, show(s));
    }
  });
});
