import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isSharedFilter, parseSharedFilter, validateSharedFilter, validateTopicFilter } from '../../src/topics/index.js';

describe('parseSharedFilter: shared filters', () => {
  const rows: Array<[string, string, string]> = [
    ['$share/group/topic', 'group', 'topic'],
    ['$share/g/#', 'g', '#'],
    ['$share/g/+', 'g', '+'],
    ['$share/g/a/+/b/#', 'g', 'a/+/b/#'],
    ['$share/consumer1/sport/tennis/+', 'consumer1', 'sport/tennis/+'],
    ['$share/g//', 'g', '/'], // inner filter '/' (two empty levels)
    ['$share/g//a', 'g', '/a'],
    ['$share/g/$SYS/#', 'g', '$SYS/#'],
    ['$share/g/$share/h/x', 'g', '$share/h/x'], // no nesting: inner filter is literal
    ['$share/$share/x', '$share', 'x'],
    ['$share/grüppe/温度', 'grüppe', '温度'],
    ['$share/g g/x', 'g g', 'x'],
    ['$share/$/x', '$', 'x'],
    ['$share/😀/x', '😀', 'x'],
  ];
  for (const [input, group, filter] of rows) {
    it(`${JSON.stringify(input)} -> group ${JSON.stringify(group)}, filter ${JSON.stringify(filter)}`, () => {
      assert.deepEqual(parseSharedFilter(input), { group, filter });
      assert.equal(validateSharedFilter(input), null);
      assert.equal(validateTopicFilter(input), null);
      assert.equal(isSharedFilter(input), true);
    });
  }
});

describe('parseSharedFilter: normal filters return null', () => {
  const rows = ['a/b', '#', '+', '$SYS/#', '$share', '$shares/g/x', '$SHARE/g/x', 'share/g/x', '/$share/g/x', ' $share/g/x', ''];
  for (const input of rows) {
    it(JSON.stringify(input), () => {
      assert.equal(parseSharedFilter(input), null);
      assert.equal(isSharedFilter(input), false);
      assert.match(validateSharedFilter(input) ?? '', /must start with '\$share\/'/);
    });
  }
});

describe('invalid shared filters: parse returns null, validate gives the reason', () => {
  const rows: Array<[string, RegExp]> = [
    ['$share/', /at least one character/], // [MQTT-4.8.2-1]
    ['$share//x', /at least one character/],
    ['$share//', /at least one character/],
    ['$share/grp', /followed by '\/'/], // [MQTT-4.8.2-2]
    ['$share/grp/', /topic filter after the share name/],
    ['$share/g+/x', /must not contain '\+' or '#'/],
    ['$share/+/x', /must not contain '\+' or '#'/],
    ['$share/#/x', /must not contain '\+' or '#'/],
    ['$share/g#', /must not contain '\+' or '#'/],
    ['$share/#', /must not contain '\+' or '#'/],
    ['$share/+', /must not contain '\+' or '#'/],
    ['$share/g\u0000/x', /U\+0000/],
    ['$share/g\uD800/x', /surrogate/],
    ['$share/g/x\u0000', /U\+0000/],
    ['$share/g/a#', /'#'/],
    ['$share/g/#/a', /'#'/],
    ['$share/g/a+', /'\+'/],
    ['$share/g/+a/b', /'\+'/],
  ];
  for (const [input, why] of rows) {
    it(JSON.stringify(input), () => {
      assert.equal(parseSharedFilter(input), null);
      assert.equal(isSharedFilter(input), true);
      const reason = validateSharedFilter(input);
      assert.match(reason ?? '(valid)', why);
      assert.equal(validateTopicFilter(input), reason, 'validateTopicFilter reports the same reason');
    });
  }
});

describe('shared filter limits', () => {
  it('maxLevels applies to the inner filter', () => {
    assert.equal(validateSharedFilter('$share/g/a/b', { maxLevels: 2 }), null);
    assert.match(validateSharedFilter('$share/g/a/b/c', { maxLevels: 2 }) ?? '', /2 levels/);
  });
  it('maxBytes applies to the whole filter as sent', () => {
    const inner = 'x'.repeat(65535 - '$share/g/'.length);
    assert.equal(validateSharedFilter(`$share/g/${inner}`), null);
    assert.match(validateSharedFilter(`$share/g/${inner}x`) ?? '', /65535 bytes/);
    assert.match(validateSharedFilter(`$share/gg/${inner}`) ?? '', /65535 bytes/);
    assert.match(validateSharedFilter(`$share/é/${inner}`) ?? '', /65535 bytes/); // 'é' is two bytes
    assert.equal(validateSharedFilter('$share/g/abc', { maxBytes: 12 }), null);
    assert.match(validateSharedFilter('$share/g/abcd', { maxBytes: 12 }) ?? '', /12 bytes/);
  });
});

describe('parse/validate invariant', () => {
  it('parse is non-null exactly when validate returns null, and round-trips', () => {
    const parts = ['$share', 'g', '', '+', '#', 'a', 'g+', '$SYS', 'é'];
    let valid = 0;
    // Every '$share/' + up to 3 levels over a small alphabet (deterministic, exhaustive).
    const build = (depth: number, prefix: string, out: string[]): void => {
      out.push(prefix);
      if (depth === 0) return;
      for (const p of parts) build(depth - 1, `${prefix}/${p}`, out);
    };
    const inputs: string[] = [];
    for (const p of parts) build(3, `$share/${p}`, inputs);
    for (const input of inputs) {
      const parsed = parseSharedFilter(input);
      const reason = validateSharedFilter(input);
      assert.equal(parsed !== null, reason === null, JSON.stringify(input));
      if (parsed !== null) {
        valid++;
        assert.equal(`$share/${parsed.group}/${parsed.filter}`, input);
        assert.ok(parsed.group.length > 0 && !/[/+#]/.test(parsed.group));
        assert.ok(parsed.filter.length > 0);
      }
    }
    assert.ok(valid > 100, `expected plenty of valid inputs, got ${valid}`);
  });
});
