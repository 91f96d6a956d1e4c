/**
 * mosquitto ACL file: parsing (errors with line numbers), topic/pattern
 * rules, the anonymous section, %c/%u, deny wins, and the filter algebra
 * used for SUBSCRIBE.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkSubscribe, checkTopic, filterCovers, filtersIntersect, parseAclFile, READ, WRITE } from '../../src/auth/acl-file.js';
import { ConfigError } from '../../src/errors.js';

const ACL = `# anonymous section
topic read public/#
topic readwrite $SYS/broker/uptime

user alice
topic readwrite home/#
topic deny home/secret
topic write   cmd/with space
user bob
topic read home/+/temp
topic sensors/bob

# every client
pattern write devices/%c/status
pattern read users/%u/inbox/#
pattern deny users/%u/inbox/blocked
`;

describe('parseAclFile', () => {
  it('sorts rules into the anonymous section, users and patterns (access defaults to readwrite)', () => {
    const acl = parseAclFile(ACL, 'acl');
    assert.deepEqual(acl.anonymous.map((r) => [r.access, r.topic, r.line]), [[READ, 'public/#', 2], [READ | WRITE, '$SYS/broker/uptime', 3]]);
    assert.deepEqual(acl.users.get('alice')!.map((r) => [r.access, r.topic]), [[READ | WRITE, 'home/#'], [0, 'home/secret'], [WRITE, 'cmd/with space']]);
    assert.deepEqual(acl.users.get('bob')!.map((r) => [r.access, r.topic]), [[READ, 'home/+/temp'], [READ | WRITE, 'sensors/bob']]);
    assert.equal(acl.patterns.length, 3);
  });

  const bad: Array<[string, string, number, RegExp]> = [
    ['unknown keyword', 'topic read a\nuser x\ntopik read b\n', 3, /unknown keyword 'topik'/],
    ['invalid access word', '\n\ntopic readonly a/b\n', 3, /invalid access 'readonly'/],
    ['topic without a topic', 'topic\n', 1, /needs a topic/],
    ['access without a topic', 'pattern read\n', 1, /needs a topic after the access type/],
    ['user without a name', 'user\n', 1, /needs a user name/],
    ['# not last in the topic', 'user a\ntopic read a/#/b\n', 2, /invalid topic 'a\/#\/b'/],
    ['+ inside a level', 'topic read a/b+\n', 1, /invalid topic/],
  ];
  for (const [what, text, line, message] of bad) {
    it(`a bad line is a ConfigError with file and line: ${what}`, () => {
      assert.throws(
        () => parseAclFile(text, '/etc/midge/acl'),
        (err: unknown) => err instanceof ConfigError && err.line === line && err.file === '/etc/midge/acl' && message.test(err.message),
      );
    });
  }
});

describe('checkTopic (publish = write, delivery = read)', () => {
  const acl = parseAclFile(ACL);
  const anon = { clientId: 'c0', username: undefined };
  const alice = { clientId: 'alice-phone', username: 'alice' };
  const bob = { clientId: 'dev1', username: 'bob' };
  const eve = { clientId: 'eve', username: 'eve' };
  const cases: Array<[string, { clientId: string; username: string | undefined }, string, typeof READ | typeof WRITE, boolean]> = [
    ['anonymous section: read', anon, 'public/news', READ, true],
    ['anonymous section: read only', anon, 'public/news', WRITE, false],
    ['anonymous section does not apply to users', alice, 'public/news', READ, false],
    ['$SYS needs a rule starting with $', anon, '$SYS/broker/uptime', READ, true],
    ['user rule readwrite', alice, 'home/kitchen/temp', WRITE, true],
    ['deny wins over readwrite home/#', alice, 'home/secret', READ, false],
    ['deny wins for write too', alice, 'home/secret', WRITE, false],
    ['topic with a space', alice, 'cmd/with space', WRITE, true],
    ['write-only is not readable', alice, 'cmd/with space', READ, false],
    ['other users rules do not apply', alice, 'sensors/bob', READ, false],
    ['+ in a read rule', bob, 'home/hall/temp', READ, true],
    ['+ is one level', bob, 'home/hall/x/temp', READ, false],
    ['no rule means denied', bob, 'home/hall/temp', WRITE, false],
    ['user not in the file: patterns only, %c', eve, 'devices/eve/status', WRITE, true],
    ['%c is the own client id only', eve, 'devices/dev1/status', WRITE, false],
    ['%u pattern', bob, 'users/bob/inbox/1', READ, true],
    ['%u pattern for another user', bob, 'users/alice/inbox/1', READ, false],
    ['deny pattern wins', bob, 'users/bob/inbox/blocked', READ, false],
    ['%u patterns do not apply to anonymous clients', anon, 'users//inbox/1', READ, false],
    ['%c patterns apply to anonymous clients', anon, 'devices/c0/status', WRITE, true],
  ];
  for (const [what, client, topic, access, expected] of cases) {
    it(`${what}: ${client.username ?? '(anonymous)'} ${access === READ ? 'read' : 'write'} ${topic} → ${expected ? 'allowed' : 'denied'}`, () => {
      assert.equal(checkTopic(acl, client, topic, access), expected);
    });
  }

  it('a client id or user name with + # or / never satisfies a pattern (no widening)', () => {
    assert.equal(checkTopic(acl, { clientId: '+', username: undefined }, 'devices/+/status', WRITE), false);
    assert.equal(checkTopic(acl, { clientId: 'a/b', username: undefined }, 'devices/a/b/status', WRITE), false);
    assert.equal(checkTopic(acl, { clientId: 'x', username: '#' }, 'users/#/inbox/1', READ), false);
  });
});

describe('checkSubscribe', () => {
  const acl = parseAclFile(ACL);
  const alice = { clientId: 'a', username: 'alice' };
  const bob = { clientId: 'b', username: 'bob' };
  const cases: Array<[string, { clientId: string; username: string | undefined }, string, boolean]> = [
    ['filter inside a read rule', alice, 'home/+/temp', true],
    ['broader filter overlapping a read rule (filtered on delivery)', alice, '#', true],
    ['filter covered by a deny rule', alice, 'home/secret', false],
    ['filter matching nothing readable', alice, 'garden/#', false],
    ['write-only rule does not allow subscribing', alice, 'cmd/with space', false],
    ['+ read rule and a literal filter', bob, 'home/x/temp', true],
    ['%u read pattern', bob, 'users/bob/inbox/#', true],
    ['%u deny pattern covering the filter', bob, 'users/bob/inbox/blocked', false],
  ];
  for (const [what, client, filter, expected] of cases) {
    it(`${what}: ${client.username} ${filter} → ${expected ? 'granted' : 'refused'}`, () => {
      assert.equal(checkSubscribe(acl, client, filter), expected);
    });
  }
});

describe('filter algebra', () => {
  const covers: Array<[string, string, boolean]> = [
    ['a/#', 'a', true], ['a/#', 'a/b/c', true], ['a/#', 'a/+', true], ['a/+', 'a/b', true], ['a/+', 'a/#', false],
    ['a/+', 'a/b/c', false], ['#', '$SYS/x', false], ['$SYS/#', '$SYS/x', true], ['+/b', 'a/b', true], ['a/b', 'a/+', false],
    ['#', '#', true], ['a', 'a/b', false],
  ];
  for (const [rule, filter, expected] of covers) {
    it(`filterCovers(${rule}, ${filter}) = ${expected}`, () => assert.equal(filterCovers(rule, filter), expected));
  }
  const meets: Array<[string, string, boolean]> = [
    ['a/#', '#', true], ['a/+', '+/b', true], ['a/b', 'a/c', false], ['a', 'a/#', true], ['a', 'a/+', false],
    ['#', '$SYS/#', false], ['$SYS/#', '$SYS/+/x', true], ['+/+', 'a', false],
  ];
  for (const [a, b, expected] of meets) {
    it(`filtersIntersect(${a}, ${b}) = ${expected}`, () => {
      assert.equal(filtersIntersect(a, b), expected);
      assert.equal(filtersIntersect(b, a), expected);
    });
  }
});
