import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BridgeError } from '../../src/errors.js';
import {
  capQos, createTopicRule, formatTopicRule, localSubscriptions, mapIncoming, mapOutgoing, parseTopicRule, parseTopicRules,
  remoteSubscriptions, swapPrefix, validateTopicRule,
} from '../../src/topics/bridge-topic-map.js';

describe('parseTopicRule: valid lines', () => {
  // [line, pattern, direction, qos, localPrefix, remotePrefix, localFilter, remoteFilter]
  const cases: Array<[string, string | null, string, number, string | null, string | null, string, string]> = [
    ['sensors/#', 'sensors/#', 'out', 0, null, null, 'sensors/#', 'sensors/#'],
    ['a/# in', 'a/#', 'in', 0, null, null, 'a/#', 'a/#'],
    ['a/# IN 1', 'a/#', 'in', 1, null, null, 'a/#', 'a/#'],
    ['a/+/c Both 2', 'a/+/c', 'both', 2, null, null, 'a/+/c', 'a/+/c'],
    // man page: "To remap an entire topic tree"
    ['# both 2 local/topic/ remote/topic/', '#', 'both', 2, 'local/topic/', 'remote/topic/', 'local/topic/#', 'remote/topic/#'],
    // the man page's validity table, rows 1-5
    ['x/y out 1 l/ r/', 'x/y', 'out', 1, 'l/', 'r/', 'l/x/y', 'r/x/y'],
    ['x/y out 1 l/ ""', 'x/y', 'out', 1, 'l/', null, 'l/x/y', 'x/y'],
    ['x/y out 1 "" r/', 'x/y', 'out', 1, null, 'r/', 'x/y', 'r/x/y'],
    ['x/y out 1 "" ""', 'x/y', 'out', 1, null, null, 'x/y', 'x/y'],
    ['"" in 0 local/one remote/other', null, 'in', 0, 'local/one', 'remote/other', 'local/one', 'remote/other'],
    // remote prefix omitted = ""
    ['x/y out 1 l/', 'x/y', 'out', 1, 'l/', null, 'l/x/y', 'x/y'],
    // mosquitto test 06-bridge-b2br-remapping
    ['ic/+ in 0 local4/top remote4/tip', 'ic/+', 'in', 0, 'local4/top', 'remote4/tip', 'local4/topic/+', 'remote4/tipic/+'],
    ['clients/total in 0 test/mosquitto/org $SYS/broker/', 'clients/total', 'in', 0, 'test/mosquitto/org', '$SYS/broker/', 'test/mosquitto/orgclients/total', '$SYS/broker/clients/total'],
    // comments after the direction (mosquitto 2.x)
    ['a/# out 1 # forward everything', 'a/#', 'out', 1, null, null, 'a/#', 'a/#'],
    ['a/# out #qos defaults to 0', 'a/#', 'out', 0, null, null, 'a/#', 'a/#'],
    ['a/# out 1 l/ # no remote prefix', 'a/#', 'out', 1, 'l/', null, 'l/a/#', 'a/#'],
    ['a/# out 1 l/ r/ # trailing', 'a/#', 'out', 1, 'l/', 'r/', 'l/a/#', 'r/a/#'],
    // whitespace
    ['  a/#   in\t1  ', 'a/#', 'in', 1, null, null, 'a/#', 'a/#'],
    ['$SYS/broker/# in', '$SYS/broker/#', 'in', 0, null, null, '$SYS/broker/#', '$SYS/broker/#'],
  ];
  for (const [line, pattern, direction, qos, lp, rp, lf, rf] of cases) {
    it(JSON.stringify(line), () => {
      const r = parseTopicRule(line);
      assert.deepEqual(
        [r.pattern, r.direction, r.qos, r.localPrefix, r.remotePrefix, r.localFilter, r.remoteFilter],
        [pattern, direction, qos, lp, rp, lf, rf],
      );
    });
  }
});

describe('parseTopicRule: invalid lines', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty topic value/],
    ['   ', /empty topic value/],
    ['a/# sideways', /invalid direction 'sideways'/],
    ['a/# #out', /invalid direction/],
    ['a/# out 3', /invalid QoS '3'/],
    ['a/# out x', /invalid QoS 'x'/],
    ['a/# out -1', /invalid QoS/],
    ['a/# out 01', /invalid QoS/],
    // the man page's validity table, rows 6-8, and the short forms
    ['"" out 0 l/ ""', /needs both a local and a remote prefix/],
    ['"" out 0 "" r/', /needs both/],
    ['"" out 0 "" ""', /needs both/],
    ['"" out 0', /needs both/],
    ['""', /needs both/],
    // prefixes are topic names: wildcards only in the pattern
    ['a/# out 0 l/+/ r/', /invalid local prefix 'l\/\+\/'/],
    ['a/# out 0 l/ r/#/', /invalid remote prefix/],
    ['"" out 0 l/# r/', /invalid local prefix/],
    // prefix + pattern must be a valid filter
    ['# out 0 l r/', /invalid local prefix and pattern combination 'l#'/],
    ['+/x out 0 l/ r', /invalid remote prefix and pattern combination 'r\+\/x'/],
    ['a/#/b', /combination 'a\/#\/b'/],
    ['a+', /'\+' must occupy a whole level/],
    ['a/b out 0 l/ r/ extra', /unexpected 'extra'/],
  ];
  for (const [line, message] of cases) {
    it(JSON.stringify(line), () => {
      assert.throws(() => parseTopicRule(line), (e: unknown) => {
        assert.ok(e instanceof BridgeError);
        assert.equal(e.code, 'GW_ERR_BRIDGE_TOPIC');
        assert.match(e.message, message);
        return true;
      });
    });
  }
});

describe('validateTopicRule / createTopicRule (structured specs)', () => {
  it('accepts a spec and fills the defaults', () => {
    assert.equal(validateTopicRule({ pattern: 'a/#' }), null);
    const r = createTopicRule({ pattern: 'a/#', localPrefix: '', remotePrefix: 'site/' });
    assert.deepEqual([r.direction, r.qos, r.localPrefix, r.remoteFilter], ['out', 0, null, 'site/a/#']);
  });
  const bad: Array<[Parameters<typeof validateTopicRule>[0], RegExp]> = [
    [{ pattern: 'a', qos: 1.5 }, /invalid QoS/],
    [{ pattern: 'a', qos: 3 }, /invalid QoS/],
    [{ pattern: 'a', direction: 'up' as never }, /invalid direction/],
    [{ pattern: '', localPrefix: 'x' }, /needs both/],
    [{ pattern: 'a', localPrefix: 'bad\u0000/' }, /invalid local prefix/],
  ];
  for (const [spec, why] of bad) {
    it(`refuses ${JSON.stringify(spec)}`, () => {
      assert.match(validateTopicRule(spec) ?? '', why);
      assert.throws(() => createTopicRule(spec), BridgeError);
    });
  }
});

describe('parseTopicRules', () => {
  it('skips exact duplicates and keeps order', () => {
    const rules = parseTopicRules(['a/# out 1', 'b/# in', 'a/#  out  1', 'a/# out 0']);
    assert.deepEqual(rules.map(formatTopicRule), ['a/# out 1', 'b/# in 0', 'a/# out 0']);
  });
  it('formatTopicRule round-trips through parseTopicRule', () => {
    for (const line of ['# both 2 local/topic/ remote/topic/', '"" in 0 l/x r/y', 'x out 1 "" r/', 'x out 1 l/ ""']) {
      const rule = parseTopicRule(line);
      assert.deepEqual(parseTopicRule(formatTopicRule(rule)), rule);
    }
  });
});

describe('mapIncoming: mosquitto 06-bridge-b2br-remapping', () => {
  const rules = parseTopicRules([
    '# in 0 local/topic/ remote/topic/',
    'prefix/# in 0 local2/topic/ remote2/topic/',
    '+/value in 0 local3/topic/ remote3/topic/',
    'ic/+ in 0 local4/top remote4/tip',
    'clients/total in 0 test/mosquitto/org $SYS/broker/',
  ]);
  it('subscribes to the remote filters mosquitto subscribes to', () => {
    assert.deepEqual(remoteSubscriptions(rules).map((s) => s.filter), [
      'remote/topic/#', 'remote2/topic/prefix/#', 'remote3/topic/+/value', 'remote4/tipic/+', '$SYS/broker/clients/total',
    ]);
  });
  const cases: Array<[string, string | null]> = [
    ['remote/topic/something', 'local/topic/something'],
    ['remote/topic/some/t/h/i/n/g', 'local/topic/some/t/h/i/n/g'],
    ['remote/topic/value', 'local/topic/value'],
    ['remote2/topic/prefix/something', 'local2/topic/prefix/something'],
    ['remote3/topic/something/value', 'local3/topic/something/value'],
    ['remote4/tipic/something', 'local4/topic/something'],
    // the man page's example lacks the trailing '/', and mosquitto really produces this:
    ['$SYS/broker/clients/total', 'test/mosquitto/orgclients/total'],
    // mosquitto issue #40 (commented out in its test): '#' matching the parent level
    ['remote/topic', 'local/topic'],
    ['elsewhere/x', null],
    ['remote2/topic/other', null],
    ['remote3/topic/a/b/value', null],
  ];
  for (const [remote, local] of cases) {
    it(`${remote} -> ${String(local)}`, () => {
      assert.equal(mapIncoming(rules, remote)?.localTopic ?? null, local);
    });
  }
});

describe('mapOutgoing: mosquitto 06-bridge-br2b-remapping', () => {
  const rules = parseTopicRules([
    '# out 0 local/topic/ remote/topic/',
    'prefix/# out 0 local2/topic/ remote2/topic/',
    '+/value out 0 local3/topic/ remote3/topic/',
    'ic/+ out 0 local4/top remote4/tip',
  ]);
  const cases: Array<[string, string | null]> = [
    ['local/topic/something', 'remote/topic/something'],
    ['local/topic/some/t/h/i/n/g', 'remote/topic/some/t/h/i/n/g'],
    ['local/topic/value', 'remote/topic/value'],
    ['local/topic', 'remote/topic'], // mosquitto #40
    ['local2/topic/something', null],
    ['local2/topic/prefix/something', 'remote2/topic/prefix/something'],
    ['local3/topic/something/value', 'remote3/topic/something/value'],
    ['local4/topic/something', 'remote4/tipic/something'],
    ['local5/topic/something', null],
  ];
  for (const [local, remote] of cases) {
    it(`${local} -> ${String(remote)}`, () => {
      assert.equal(mapOutgoing(rules, local)?.remoteTopic ?? null, remote);
    });
  }
  it('out rules are not used for incoming, nor in rules for outgoing', () => {
    assert.equal(mapIncoming(rules, 'remote/topic/x'), null);
    assert.equal(mapOutgoing(parseTopicRules(['# in 0 l/ r/']), 'l/x'), null);
  });
});

describe('mapOutgoing: QoS and rule choice', () => {
  it('one copy at the highest matching QoS, capped by the remote', () => {
    const rules = parseTopicRules(['a/# out 0', 'a/b out 2', 'x/# in 1']);
    assert.deepEqual(mapOutgoing(rules, 'a/b'), { remoteTopic: 'a/b', qos: 2, rule: rules[0] });
    assert.equal(mapOutgoing(rules, 'a/b', 1)?.qos, 1);
    assert.equal(mapOutgoing(rules, 'a/c')?.qos, 0);
  });
  it('the first matching rule with prefixes remaps, even after a plain match (send__publish)', () => {
    const rules = parseTopicRules(['a/# out 1', '# out 0 a/ b/']);
    const route = mapOutgoing(rules, 'a/x');
    assert.deepEqual([route?.remoteTopic, route?.qos, route?.rule], ['b/x', 1, rules[1]]);
  });
  it('both-direction rules map each way', () => {
    const rules = parseTopicRules(['# both 1 site/ cloud/dev1/']);
    assert.equal(mapOutgoing(rules, 'site/t')?.remoteTopic, 'cloud/dev1/t');
    assert.equal(mapIncoming(rules, 'cloud/dev1/cmd/reboot')?.localTopic, 'site/cmd/reboot');
  });
  it('an empty pattern maps exactly one topic', () => {
    const rules = parseTopicRules(['"" both 1 local/one remote/other']);
    assert.equal(mapOutgoing(rules, 'local/one')?.remoteTopic, 'remote/other');
    assert.equal(mapOutgoing(rules, 'local/one/x'), null);
    assert.equal(mapIncoming(rules, 'remote/other')?.localTopic, 'local/one');
  });
  it('wildcard rules do not match $ topics', () => {
    assert.equal(mapOutgoing(parseTopicRules(['#']), '$SYS/broker/uptime'), null);
    assert.equal(mapOutgoing(parseTopicRules(['$SYS/#']), '$SYS/broker/uptime')?.remoteTopic, '$SYS/broker/uptime');
  });
  it('refuses a mapping that yields an empty topic', () => {
    // 'r/' matches 'r/+' with an empty level; stripping 'r/' leaves nothing
    assert.equal(mapIncoming(parseTopicRules(['+ in 0 "" r/']), 'r/'), null);
  });
});

describe('subscriptions', () => {
  it('merges duplicate filters at the highest QoS and caps remote QoS', () => {
    const rules = parseTopicRules(['a/# in 2', 'b/# both 1', 'a/# in 0', 'c/# out 2']);
    assert.deepEqual(remoteSubscriptions(rules), [{ filter: 'a/#', qos: 2 }, { filter: 'b/#', qos: 1 }]);
    assert.deepEqual(remoteSubscriptions(rules, 1), [{ filter: 'a/#', qos: 1 }, { filter: 'b/#', qos: 1 }]);
    assert.deepEqual(localSubscriptions(rules), [{ filter: 'b/#', qos: 1 }, { filter: 'c/#', qos: 2 }]);
  });
  it('capQos', () => {
    const table: Array<[number, number, number]> = [[2, 1, 1], [1, 2, 1], [0, 1, 0], [2, 0, 0], [2, 2, 2]];
    for (const [q, max, want] of table) assert.equal(capQos(q, max), want);
  });
  it('swapPrefix', () => {
    const table: Array<[string, string | null, string | null, string | null]> = [
      ['l/a', 'l/', 'r/', 'r/a'],
      ['a', null, 'r/', 'r/a'],
      ['l/a', 'l/', null, 'a'],
      ['l', 'l/', 'r/', 'r'],
      ['l', 'l/', null, null],
      ['x/a', 'l/', 'r/', null],
      ['l/' + 'a'.repeat(65533), 'l/', 'rr/', null],
    ];
    for (const [topic, from, to, want] of table) assert.equal(swapPrefix(topic, from, to), want, `${topic.slice(0, 20)} ${from} ${to}`);
  });
});
