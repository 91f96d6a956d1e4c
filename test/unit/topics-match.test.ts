import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matchTopic, validatePlainFilter, validateTopicName } from '../../src/topics/index.js';
import { mulberry32 } from '../helpers/prng.js';

const show = (s: string): string => (s.length > 40 ? `${JSON.stringify(s.slice(0, 20))}…(${s.length} chars)` : JSON.stringify(s));

function table(title: string, rows: Array<[string, string]>, expected: boolean): void {
  describe(title, () => {
    for (const [filter, topic] of rows) {
      it(`${show(filter)} ${expected ? 'matches' : 'does not match'} ${show(topic)}`, () => {
        assert.equal(matchTopic(filter, topic), expected);
      });
    }
  });
}

// mosquitto test/unit/util_topic_test.c: TEST_valid_matching
table('mosquitto: valid matching', [
  ['foo/#', 'foo/'],
  ['foo/#', 'foo'],
  ['foo//bar', 'foo//bar'],
  ['foo//+', 'foo//bar'],
  ['foo/+/+/baz', 'foo///baz'],
  ['foo/bar/+', 'foo/bar/'],
  ['foo/bar', 'foo/bar'],
  ['foo/+', 'foo/bar'],
  ['foo/+/baz', 'foo/bar/baz'],
  ['A/B/+/#', 'A/B/B/C'],
  ['foo/+/#', 'foo/bar/baz'],
  ['foo/+/#', 'foo/bar'],
  ['#', 'foo/bar/baz'],
  ['#', '/foo/bar'],
  ['/#', '/foo/bar'],
  ['$SYS/bar', '$SYS/bar'],
], true);

// TEST_valid_no_matching
table('mosquitto: valid no matching', [
  ['test/6/#', 'test/3'],
  ['foo/bar', 'foo'],
  ['foo/+', 'foo/bar/baz'],
  ['foo/+/baz', 'foo/bar/bar'],
  ['foo/+/#', 'fo2/bar/baz'],
  ['/#', 'foo/bar'],
  ['#', '$SYS/bar'],
  ['$BOB/bar', '$SYS/bar'],
], false);

// TEST_invalid_but_matching: naive wildcard handling would match; malformed input must not.
table('mosquitto: invalid but naively matching', [
  ['+foo', '+foo'], ['fo+o', 'fo+o'], ['foo+', 'foo+'], ['+foo/bar', '+foo/bar'], ['foo+/bar', 'foo+/bar'], ['foo/+bar', 'foo/+bar'], ['foo/bar+', 'foo/bar+'],
  ['+foo', 'afoo'], ['fo+o', 'foao'], ['foo+', 'fooa'], ['+foo/bar', 'afoo/bar'], ['foo+/bar', 'fooa/bar'], ['foo/+bar', 'foo/abar'], ['foo/bar+', 'foo/bara'],
  ['#foo', '#foo'], ['fo#o', 'fo#o'], ['foo#', 'foo#'], ['#foo/bar', '#foo/bar'], ['foo#/bar', 'foo#/bar'], ['foo/#bar', 'foo/#bar'], ['foo/bar#', 'foo/bar#'],
  ['foo+', 'fooa'],
  ['foo/+', 'foo/+'], ['foo/#', 'foo/+'], ['foo/+', 'foo/bar/+'], ['foo/#', 'foo/bar/+'],
  ['foo/+', 'foo/#'], ['foo/#', 'foo/#'], ['foo/+', 'foo/bar/#'], ['foo/#', 'foo/bar/#'],
], false);

// TEST_invalid
table('mosquitto: invalid filters', [
  ['foo#', 'foo'], ['fo#o/', 'foo'], ['foo#', 'fooa'], ['foo+', 'foo'], ['foo/#a', 'foo'], ['#a', 'foo'], ['foo/#abc', 'foo'], ['#abc', 'foo'], ['/#a', 'foo/bar'],
], false);

// MQTT 5.0 / 3.1.1 section 4.7.1 examples
table('spec examples: match', [
  ['sport/tennis/player1/#', 'sport/tennis/player1'],
  ['sport/tennis/player1/#', 'sport/tennis/player1/ranking'],
  ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon'],
  ['sport/#', 'sport'],
  ['#', 'sport'],
  ['sport/tennis/+', 'sport/tennis/player1'],
  ['sport/tennis/+', 'sport/tennis/player2'],
  ['sport/+', 'sport/'],
  ['+/+', '/finance'],
  ['/+', '/finance'],
  ['+/tennis/#', 'sport/tennis/player1'],
  ['sport/+/player1', 'sport/tennis/player1'],
], true);
table('spec examples: no match', [
  ['sport/tennis/+', 'sport/tennis/player1/ranking'],
  ['sport/+', 'sport'],
  ['+', '/finance'],
  ['sport/tennis/player1/#', 'sport/tennis'],
  ['ACCOUNTS', 'Accounts'], // case sensitive
  ['Accounts payable', 'Accounts'],
  ['sport', 'sport/'],
  ['/finance', 'finance'],
], false);

// [MQTT-4.7.2-1]
table('$ topics: match', [
  ['$SYS/#', '$SYS/monitor/Clients'],
  ['$SYS/#', '$SYS'],
  ['$SYS/#', '$SYS/'],
  ['$SYS/monitor/+', '$SYS/monitor/Clients'],
  ['$SYS/+/Clients', '$SYS/monitor/Clients'],
  ['$', '$'],
  ['$/#', '$'],
  ['$SYS', '$SYS'],
  ['a/+', 'a/$b'],
  ['a/#', 'a/$SYS/x'],
  ['+/$SYS', 'a/$SYS'],
  ['#', 'a$'],
  ['+', 'a$'],
], true);
table('$ topics: no match', [
  ['#', '$SYS'],
  ['#', '$SYS/abc'],
  ['#', '$'],
  ['+', '$'],
  ['+', '$SYS'],
  ['+/#', '$SYS'],
  ['+/#', '$SYS/x'],
  ['+/monitor/Clients', '$SYS/monitor/Clients'],
  ['+/+/+', '$SYS/monitor/Clients'],
  ['$SYS/#', '$SYSTEM/x'],
  ['$sys/#', '$SYS/x'],
], false);

table('empty levels: match', [
  ['+/+', '/'],
  ['#', '/'],
  ['/#', '/'],
  ['+/#', '/'],
  ['/+', '/'],
  ['+/', '/'],
  ['/', '/'],
  ['a/+/b', 'a//b'],
  ['a//b', 'a//b'],
  ['+/+/+', '//'],
  ['//#', '//'],
  ['//#', '/'], // '#' also matches the parent level
  ['/a', '/a'],
  ['+/a', '/a'],
  ['a/', 'a/'],
  ['a/+', 'a/'],
  ['a/#', 'a/'],
  ['a/#', 'a//'],
  ['#', '//'],
], true);
table('empty levels: no match', [
  ['+', '/'],
  ['/+', '//'],
  ['/a', 'a'],
  ['a', '/a'],
  ['a/', 'a'],
  ['a', 'a/'],
  ['a//b', 'a/b'],
  ['a/b', 'a//b'],
  ['+/+', '//'],
  ['///#', '/'],
  ['+', ''], // empty topic name is invalid
  ['#', ''],
  ['', ''],
  ['', 'a'],
], false);

table('unicode and odd characters', [
  ['ü/+', 'ü/😀'],
  ['温度/#', '温度/室内/1'],
  ['ba℞/+', 'ba℞/x'],
  ['+/é', 'x/é'],
  [' ', ' '],
  ['a b/+', 'a b/ '],
  ['a\u0000b', 'a\u0000b'], // NUL is a validation concern, not a matching one
], true);
table('unicode: no match', [
  ['ü', 'u'],
  ['é', 'e\u0301'], // no normalisation
  ['😀', '😁'],
  ['a b', 'a  b'],
], false);

describe('long and deep topics', () => {
  const levels = Array.from({ length: 5000 }, (_, i) => `l${i}`);
  const topic = levels.join('/');
  it('exact deep filter matches', () => assert.equal(matchTopic(topic, topic), true));
  it("all-'+' filter of the same depth matches", () => assert.equal(matchTopic(levels.map(() => '+').join('/'), topic), true));
  it("all-'+' filter one level short does not match", () => assert.equal(matchTopic(levels.slice(1).map(() => '+').join('/'), topic), false));
  it("all-'+' filter one level deeper does not match", () => assert.equal(matchTopic([...levels, 'x'].map(() => '+').join('/'), topic), false));
  it("'#' at every depth matches", () => {
    for (let d = 0; d <= levels.length; d += 97) assert.equal(matchTopic([...levels.slice(0, d), '#'].join('/'), topic), true, `depth ${d}`);
  });
  it('a difference in the last level is found', () => assert.equal(matchTopic(topic, topic.slice(0, -1) + 'X'), false));
  const big = 'a'.repeat(65535);
  it('65535-byte topic matches itself, # and +', () => {
    assert.equal(matchTopic(big, big), true);
    assert.equal(matchTopic('#', big), true);
    assert.equal(matchTopic('+', big), true);
    assert.equal(matchTopic('+/#', big), true);
    assert.equal(matchTopic('+/+', big), false);
  });
  const slashes = '/'.repeat(30000);
  it('30001 empty levels', () => {
    assert.equal(matchTopic(slashes, slashes), true);
    assert.equal(matchTopic(Array(30001).fill('+').join('/'), slashes), true);
    assert.equal(matchTopic('/'.repeat(29999) + '/#', slashes), true);
    assert.equal(matchTopic('/'.repeat(29999), slashes), false);
  });
});

describe('cross-check against a naive reference matcher', () => {
  // Straightforward split-based transcription of section 4.7, used only as an oracle.
  function reference(filter: string, topic: string): boolean {
    if (validatePlainFilter(filter) !== null || validateTopicName(topic) !== null) return false;
    const f = filter.split('/');
    const t = topic.split('/');
    if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
    for (let i = 0; i < f.length; i++) {
      if (f[i] === '#') return true;
      if (i >= t.length) return false;
      if (f[i] !== '+' && f[i] !== t[i]) return false;
    }
    return f.length === t.length;
  }
  const rand = mulberry32(20240601);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const topicLevels = ['a', 'b', '', '$SYS', '$', 'ü', 'a+', '#x'];
  const filterLevels = [...topicLevels, '+', '+', '#', '#'];
  const make = (parts: readonly string[]): string => Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(parts)).join('/');
  const filters = Array.from({ length: 400 }, () => make(filterLevels));
  const topics = Array.from({ length: 400 }, () => make(topicLevels));

  it('agrees on 160000 generated (filter, topic) pairs, valid and malformed', () => {
    let matches = 0;
    for (const f of filters) {
      for (const t of topics) {
        const expected = reference(f, t);
        if (expected) matches++;
        if (matchTopic(f, t) !== expected) assert.fail(`matchTopic(${show(f)}, ${show(t)}) should be ${expected}`);
      }
    }
    assert.ok(matches > 1000, `the generator should produce plenty of matches, got ${matches}`);
  });

  it('every valid topic name matches itself as a filter', () => {
    for (const t of topics) if (validateTopicName(t) === null) assert.equal(matchTopic(t, t), true, show(t));
  });

  it("'#' matches every valid topic name not starting with '$'", () => {
    for (const t of topics) if (validateTopicName(t) === null) assert.equal(matchTopic('#', t), !t.startsWith('$'), show(t));
  });
});
