import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TopicTree, matchTopic, validateTopicName, type TopicMatch } from '../../src/topics/index.js';
import { mulberry32 } from '../helpers/prng.js';

/** Matches as sorted "filter|id=value" strings, for order-independent comparison. */
const keys = <T>(matches: Iterable<TopicMatch<T>>): string[] => [...matches].map((m) => `${m.filter}|${m.id}=${String(m.value)}`).sort();


describe('TopicTree: add / get / remove / size', () => {
  it('starts empty', () => {
    const tree = new TopicTree<number>();
    assert.deepEqual([tree.size, [...tree.entries()], tree.match('a')], [0, [], []]);
  });

  it('stores one entry per (filter, id) and replaces the value on re-add', () => {
    const tree = new TopicTree<number>();
    for (const filter of ['a/b', 'a/+', 'a/#', '#', '+']) {
      tree.add(filter, 'c1', 1);
      tree.add(filter, 'c2', 2);
      tree.add(filter, 'c1', 3);
      assert.equal(tree.get(filter, 'c1'), 3, filter);
      assert.equal(tree.get(filter, 'c2'), 2, filter);
      assert.equal(tree.get(filter, 'c3'), undefined, filter);
    }
    assert.equal(tree.size, 10);
    assert.deepEqual(keys(tree.match('a/b')), ['#|c1=3', '#|c2=2', 'a/#|c1=3', 'a/#|c2=2', 'a/+|c1=3', 'a/+|c2=2', 'a/b|c1=3', 'a/b|c2=2']);
  });

  it('get() returns undefined for unknown (filter, id) pairs', () => {
    const tree = new TopicTree<string>();
    tree.add('a/+/c', 'x', 'v');
    for (const f of ['a/+', 'a/+/c/#', 'a/b/c', '+/+/c', 'a/+/c/d', '#', 'a/#']) assert.equal(tree.get(f, 'x'), undefined, f);
    assert.equal(tree.get('a/+/c', 'y'), undefined);
    assert.equal(tree.get('a/+/c', 'x'), 'v');
    assert.equal(tree.size, 1);
  });

  it('remove() returns whether an entry was removed', () => {
    const tree = new TopicTree<number>();
    for (const filter of ['a/b', 'a/+', 'a/#']) tree.add(filter, 'c1', 1);
    const absent: Array<[string, string]> = [['a/b', 'c2'], ['a/+', 'c2'], ['a/#', 'c2'], ['x/#', 'c1'], ['a/+/+', 'c1'], ['a/b/#', 'c1'], ['a/#/b', 'c1']];
    for (const [filter, id] of absent) assert.equal(tree.remove(filter, id), false, `${filter} ${id}`);
    assert.equal(tree.size, 3);
    for (const filter of ['a/b', 'a/+', 'a/#']) {
      assert.equal(tree.remove(filter, 'c1'), true);
      assert.equal(tree.remove(filter, 'c1'), false);
    }
    assert.equal(tree.size, 0);
    assert.deepEqual(tree.match('a/b'), []);
    assert.deepEqual([...tree.entries()], []);
  });

  it('removing a deep filter keeps its siblings and ancestors intact', () => {
    const tree = new TopicTree<number>();
    ['a/+/c/d', 'a/+/c/#', 'a/+', 'a/b/c/d'].forEach((f, i) => tree.add(f, 'x', i + 1));
    assert.equal(tree.remove('a/+/c/d', 'x'), true);
    assert.deepEqual(keys(tree.match('a/b/c/d')), ['a/+/c/#|x=2', 'a/b/c/d|x=4']);
    assert.equal(tree.remove('a/+/c/#', 'x'), true);
    assert.deepEqual(keys(tree.match('a/b/c/d')), ['a/b/c/d|x=4']);
    assert.deepEqual(keys(tree.match('a/b')), ['a/+|x=3']);
    assert.equal(tree.remove('a/+', 'x'), true);
    assert.deepEqual(keys(tree.match('a/b')), []);
    assert.equal(tree.size, 1);
  });

  it('accepts ids containing "/" (shared subscription groups) and other odd ids', () => {
    const tree = new TopicTree<string>();
    const ids = ['$share/group', '$share/g/with/slashes', '', '+', '#', 'client/1', 'ü'];
    for (const id of ids) for (const f of ['sensors/+/temp', 'sensors/1/temp']) tree.add(f, id, `${f}:${id}`);
    assert.equal(tree.size, ids.length * 2);
    const matches = tree.match('sensors/1/temp');
    assert.equal(matches.length, ids.length * 2);
    for (const id of ids) {
      assert.equal(tree.get('sensors/+/temp', id), `sensors/+/temp:${id}`);
      assert.ok(matches.some((m) => m.id === id && m.filter === 'sensors/+/temp'));
    }
    assert.equal(tree.remove('sensors/+/temp', '$share/group'), true);
    assert.equal(tree.get('sensors/+/temp', '$share/group'), undefined);
    assert.equal(tree.match('sensors/1/temp').length, ids.length * 2 - 1);
  });

  it('rejects invalid filters on add()', () => {
    const tree = new TopicTree<number>();
    for (const f of ['', 'a/#/b', 'a+', '#a', 'a\u0000', '$share/g+/x/#x']) assert.throws(() => tree.add(f, 'id', 1), TypeError, f);
    assert.equal(tree.size, 0);
  });

  it('rejects a bad cacheSize', () => {
    for (const cacheSize of [-1, 1.5, Number.NaN]) assert.throws(() => new TopicTree({ cacheSize }), RangeError);
    assert.doesNotThrow(() => new TopicTree({ cacheSize: 0 }));
  });
});

describe('TopicTree: matching rules', () => {
  const filters = [
    '#', '+', '+/+', '+/#', '/#', '/+', 'a', 'a/', 'a/#', 'a/+', 'a/b', 'a//b', 'a/+/b', 'a/+/+', '+/b',
    '$SYS/#', '$SYS/+', '$SYS', '$SYS/broker/uptime', '+/broker/#', '$', 'sport/tennis/player1/#', 'sport/+',
  ];
  const tree = new TopicTree<number>();
  filters.forEach((f, i) => tree.add(f, `id${i}`, i));
  const expected = (topic: string): string[] => filters.flatMap((f, i) => (matchTopic(f, topic) ? [`${f}|id${i}=${i}`] : [])).sort();

  const rows: Array<[string, string[]]> = [
    ['a', ['#', '+', '+/#', 'a', 'a/#']], ['a/', ['#', '+/#', '+/+', 'a/', 'a/#', 'a/+']],
    ['a/b', ['#', '+/#', '+/+', '+/b', 'a/#', 'a/+', 'a/b']],
    ['a//b', ['#', '+/#', 'a/#', 'a/+/b', 'a/+/+', 'a//b']], ['/', ['#', '+/#', '+/+', '/#', '/+']],
    ['/a', ['#', '+/#', '+/+', '/#', '/+']], ['$SYS', ['$SYS', '$SYS/#']],
    ['$SYS/broker', ['$SYS/#', '$SYS/+']], ['$SYS/broker/uptime', ['$SYS/#', '$SYS/broker/uptime']],
    ['$', ['$']], ['x/broker/uptime', ['#', '+/#', '+/broker/#']], ['sport', ['#', '+', '+/#']],
    ['sport/tennis/player1', ['#', '+/#', 'sport/tennis/player1/#']],
    ['sport/', ['#', '+/#', '+/+', 'sport/+']],
  ];
  for (const [topic, filtersExpected] of rows) {
    it(`${JSON.stringify(topic)} -> ${filtersExpected.join(' ')}`, () => {
      const got = tree.match(topic);
      assert.deepEqual(got.map((m) => m.filter).sort(), [...filtersExpected].sort());
      assert.deepEqual(keys(got), expected(topic));
    });
  }

  it('matches nothing for malformed topic names', () => {
    for (const topic of ['', 'a/+', '#', 'a/#', '+']) assert.deepEqual(tree.match(topic), [], JSON.stringify(topic));
  });
});

describe('TopicTree: deep and long', () => {
  it('handles a 20000-level wildcard filter without recursion limits', () => {
    const tree = new TopicTree<number>();
    const depth = 20000;
    const plus = Array(depth).fill('+').join('/');
    tree.add(plus, 'plus', 1);
    tree.add(plus.slice(0, -1) + '#', 'hash', 2);
    const topic = Array.from({ length: depth }, (_, i) => String(i % 10)).join('/');
    assert.deepEqual(tree.match(topic).map((m) => m.id).sort(), ['hash', 'plus']);
    assert.deepEqual(tree.match(topic + '/x').map((m) => m.id), ['hash']);
    assert.equal(tree.remove(plus, 'plus'), true);
    assert.deepEqual(tree.match(topic).map((m) => m.id), ['hash']);
  });

  it('matches 65535-byte topics (not cached, still correct)', () => {
    const tree = new TopicTree<number>();
    const big = 'a'.repeat(65533) + '/b';
    tree.add(big, 'exact', 1);
    tree.add('+/b', 'wild', 2);
    assert.deepEqual(tree.match(big).map((m) => m.id).sort(), ['exact', 'wild']);
    assert.notEqual(tree.match(big), tree.match(big)); // above the cacheable length
    assert.deepEqual(tree.match(big).map((m) => m.id).sort(), ['exact', 'wild']);
  });
});

describe('TopicTree: match cache', () => {
  it('returns the cached array for repeated lookups', () => {
    const tree = new TopicTree<number>();
    tree.add('a/+', 'x', 1);
    assert.equal(tree.match('a/b'), tree.match('a/b'));
  });

  it('is invalidated when a wildcard filter is added or removed', () => {
    const tree = new TopicTree<number>();
    tree.add('a/b', 'x', 1);
    assert.deepEqual(keys(tree.match('a/b')), ['a/b|x=1']);
    tree.add('a/#', 'y', 2);
    assert.deepEqual(keys(tree.match('a/b')), ['a/#|y=2', 'a/b|x=1']);
    tree.add('+/+', 'z', 3);
    assert.deepEqual(keys(tree.match('a/b')), ['+/+|z=3', 'a/#|y=2', 'a/b|x=1']);
    tree.remove('a/#', 'y');
    assert.deepEqual(keys(tree.match('a/b')), ['+/+|z=3', 'a/b|x=1']);
    tree.add('+/+', 'z', 4); // replace value
    assert.deepEqual(keys(tree.match('a/b')), ['+/+|z=4', 'a/b|x=1']);
    tree.remove('+/+', 'z');
    assert.deepEqual(keys(tree.match('a/b')), ['a/b|x=1']);
  });

  it('is invalidated when an exact filter is added, replaced or removed, and only for that topic', () => {
    const tree = new TopicTree<number>();
    tree.add('a/#', 'w', 0);
    const other = tree.match('a/c');
    assert.deepEqual(keys(tree.match('a/b')), ['a/#|w=0']);
    tree.add('a/b', 'x', 1);
    assert.deepEqual(keys(tree.match('a/b')), ['a/#|w=0', 'a/b|x=1']);
    tree.add('a/b', 'x', 2);
    assert.deepEqual(keys(tree.match('a/b')), ['a/#|w=0', 'a/b|x=2']);
    tree.remove('a/b', 'x');
    assert.deepEqual(keys(tree.match('a/b')), ['a/#|w=0']);
    assert.equal(tree.match('a/c'), other, 'unrelated cached topic survives exact-filter changes');
  });

  it('caches empty results and invalidates them too', () => {
    const tree = new TopicTree<number>();
    assert.deepEqual(tree.match('q'), []);
    tree.add('q', 'x', 1);
    assert.deepEqual(keys(tree.match('q')), ['q|x=1']);
    tree.remove('q', 'x');
    assert.deepEqual(tree.match('q'), []);
    tree.add('#', 'y', 1);
    assert.deepEqual(keys(tree.match('q')), ['#|y=1']);
  });

  it('evicts the least recently used topics when full (two generations)', () => {
    const tree = new TopicTree<number>({ cacheSize: 2 });
    tree.add('#', 'x', 1);
    const a = tree.match('a');
    const b = tree.match('b');
    assert.equal(tree.match('a'), a); // 'a' is now most recent
    tree.match('c'); // evicts 'b'
    assert.equal(tree.match('a'), a);
    assert.notEqual(tree.match('b'), b);
    assert.deepEqual(keys(tree.match('b')), ['#|x=1']);
  });

  it('can be disabled with cacheSize 0', () => {
    const tree = new TopicTree<number>({ cacheSize: 0 });
    tree.add('a/+', 'x', 1);
    const first = tree.match('a/b');
    assert.notEqual(tree.match('a/b'), first);
    assert.deepEqual(keys(tree.match('a/b')), keys(first));
  });
});

describe('TopicTree: cross-check against matchTopic', () => {
  const rand = mulberry32(0x5eed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const topicLevels = ['a', 'b', 'c', '', '$SYS', '$', 'ü'];
  const filterLevels = [...topicLevels, '+', '+', '+'];
  const randomFilter = (): string => {
    const n = 1 + Math.floor(rand() * 4);
    const levels = Array.from({ length: n }, () => pick(filterLevels));
    if (rand() < 0.3) levels.push('#');
    const filter = levels.join('/');
    return filter === '' ? '/' : filter; // a single empty level is the (invalid) empty filter
  };
  const randomTopic = (): string => Array.from({ length: 1 + Math.floor(rand() * 5) }, () => pick(topicLevels)).join('/');
  const topics = [...new Set(Array.from({ length: 600 }, randomTopic))].filter((t) => t !== '');
  const ids = ['c1', 'c2', '$share/g1', '$share/g2/x'];

  type Model = Map<string, TopicMatch<number>>; // key: filter + '\n' + id
  const keyOf = (filter: string, id: string): string => `${filter}\n${id}`;

  function check(tree: TopicTree<number>, model: Model, label: string): number {
    let total = 0;
    for (const topic of topics) {
      assert.equal(validateTopicName(topic), null);
      const expected = keys([...model.values()].filter((e) => matchTopic(e.filter, topic)));
      total += expected.length;
      // Twice: the second lookup may come from the cache.
      assert.deepEqual(keys(tree.match(topic)), expected, `${label}: ${JSON.stringify(topic)}`);
      assert.deepEqual(keys(tree.match(topic)), expected, `${label} (again): ${JSON.stringify(topic)}`);
    }
    return total;
  }

  for (const cacheSize of [10000, 0, 7]) {
    it(`agrees through random adds, replaces and removes (cacheSize ${cacheSize})`, () => {
      const tree = new TopicTree<number>({ cacheSize });
      const model: Model = new Map();
      let seq = 0;
      let totalMatches = 0;
      for (let round = 0; round < 8; round++) {
        for (let n = 0; n < 60; n++) {
          const entry = { filter: randomFilter(), id: pick(ids), value: ++seq };
          tree.add(entry.filter, entry.id, entry.value);
          model.set(keyOf(entry.filter, entry.id), entry);
        }
        // Remove about a third of the entries, then try some random (mostly absent) ones.
        for (const [key, e] of [...model]) {
          if (rand() < 0.33) {
            assert.equal(tree.remove(e.filter, e.id), true);
            model.delete(key);
          }
        }
        for (let n = 0; n < 10; n++) {
          const filter = randomFilter();
          const id = pick(ids);
          assert.equal(tree.remove(filter, id), model.delete(keyOf(filter, id)));
        }
        assert.equal(tree.size, model.size);
        for (const e of model.values()) assert.equal(tree.get(e.filter, e.id), e.value);
        assert.deepEqual(keys(tree.entries()), keys(model.values()));
        totalMatches += check(tree, model, `round ${round}`);
      }
      assert.ok(totalMatches > 1000, `the generator should produce plenty of matches, got ${totalMatches}`);
      // Drain everything.
      for (const e of model.values()) assert.equal(tree.remove(e.filter, e.id), true);
      assert.equal(tree.size, 0);
      assert.deepEqual([...tree.entries()], []);
      for (const topic of topics) assert.deepEqual(tree.match(topic), []);
    });
  }
});
