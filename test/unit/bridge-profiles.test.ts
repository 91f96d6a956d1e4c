import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BridgeError } from '../../src/errors.js';
import {
  type BridgeMessage, azureTopics, createAwsProfile, createAzureProfile, cloudDefinition, createGenericProfile, encodePropertyBag,
  parseMethodRequest, parsePropertyBag, parseTwinResponse,
} from '../../src/clouds/registry.js';

const msg = (topic: string, size = 10, extra: Partial<BridgeMessage> = {}): BridgeMessage =>
  ({ topic, payload: new Uint8Array(size), qos: 1, retain: false, ...extra });

describe('aws profile', () => {
  const aws = createAwsProfile({ endpoint: 'abc-ats.iot.eu-west-1.amazonaws.com', thingName: 'gw-01' });
  it('limits', () => {
    assert.deepEqual(
      [aws.maxQos, aws.maxPayloadBytes, aws.maxInflight, aws.maxPublishRate, aws.retainAllowed, aws.maxSubscriptions, aws.maxFiltersPerSubscribe],
      [1, 131072, 100, 100, true, 50, 8],
    );
  });
  const level = (n: number): string => Array.from({ length: n }, (_, i) => `l${i}`).join('/');
  // [topic, null when valid or a fragment of the reason]
  const topics: Array<[string, string | null]> = [
    ['site/a/temp', null],
    [level(8), null], // 7 slashes
    [level(9), "8 '/'"],
    ['a'.repeat(256), null],
    ['a'.repeat(257), '257 bytes'],
    ['é'.repeat(128), null], // 256 bytes
    ['é'.repeat(129), '258 bytes'],
    ['$aws/rules/my_rule/' + level(8), null], // prefix not counted
    ['$aws/rules/my_rule/' + level(9), "8 '/'"],
    ['$aws/rules/my_rule/' + 'a'.repeat(256), null],
    ['$aws/rules/bad-rule/x', 'rule name'],
    ['$aws/things/gw-01/shadow/update', null],
    ['$aws/things/gw-01/shadow/name/s1/update', null],
    ['$aws/things/gw-01/jobs/get', null],
    ['$aws/things/gw-01/other', 'reserved'],
    ['$aws/events/presence', 'reserved'],
    ['$SYS/broker/uptime', 'reserved'],
    ['a/+/b', 'wildcard'],
  ];
  for (const [topic, why] of topics) {
    it(`validateTopic ${topic.slice(0, 40)}${topic.length > 40 ? '…' : ''}`, () => {
      const got = aws.validateTopic(topic);
      if (why === null) assert.equal(got, null);
      else assert.ok(got?.includes(why), String(got));
    });
  }
  it('dead-letters payloads over 128 KB and invalid topics, downgrades QoS 2', () => {
    assert.equal(aws.rejectReason(msg('a/b', 131072)), null);
    assert.match(aws.rejectReason(msg('a/b', 131073)) ?? '', /131073 bytes exceeds the limit of 131072/);
    assert.match(aws.rejectReason(msg('$SYS/x')) ?? '', /^aws: .*reserved/);
    assert.deepEqual(aws.toRemote(msg('a/b', 1, { qos: 2, retain: true })), { topic: 'a/b', qos: 1, retain: true });
  });
  it('Basic Ingest rewrites plain topics only, and the prefix does not count', () => {
    const ingest = createAwsProfile({ endpoint: 'e', thingName: 't', basicIngestRule: 'telemetry' });
    assert.equal(ingest.remoteTopic(msg('site/a')), '$aws/rules/telemetry/site/a');
    assert.equal(ingest.remoteTopic(msg('$aws/things/t/shadow/update')), '$aws/things/t/shadow/update');
    assert.equal(ingest.rejectReason(msg('a'.repeat(256))), null);
    assert.match(ingest.rejectReason(msg(level(9))) ?? '', /8 '\/'/);
  });
  it('connection parameters: thing name, mTLS, ALPN on 443', () => {
    const p = aws.connectionParams();
    assert.deepEqual([p.clientId, p.port, p.alpn, p.username, p.password, p.servername], ['gw-01', 8883, undefined, undefined, undefined, 'abc-ats.iot.eu-west-1.amazonaws.com']);
    const p443 = createAwsProfile({ endpoint: 'e', thingName: 't', port: 443 }).connectionParams();
    assert.deepEqual([p443.port, p443.alpn], [443, ['x-amzn-mqtt-ca']]);
    assert.equal(aws.credentialsRenewInMs(), undefined);
  });
  const bad: Array<[Parameters<typeof createAwsProfile>[0], RegExp]> = [
    [{ endpoint: '', thingName: 't' }, /endpoint/],
    [{ endpoint: 'e', thingName: '$t' }, /\$/],
    [{ endpoint: 'e', thingName: 'x'.repeat(129) }, /129 bytes/],
    [{ endpoint: 'e', thingName: 't', basicIngestRule: 'a/b' }, /rule name/],
    [{ endpoint: 'e', thingName: 't', keepaliveSec: 20 }, /keepalive must be 30..1200/],
    [{ endpoint: 'e', thingName: 't', keepaliveSec: 1201 }, /keepalive/],
    [{ endpoint: 'e', thingName: 't', port: 1883 as never }, /port/],
  ];
  for (const [options, why] of bad) {
    it(`rejects ${JSON.stringify(options).slice(0, 60)}`, () => {
      assert.throws(() => createAwsProfile(options), (e: unknown) => e instanceof BridgeError && why.test(e.message));
    });
  }
});

describe('azure profile', () => {
  const now = 1_700_000_000_000;
  const azure = createAzureProfile({ hub: 'myhub', deviceId: 'dev1', sasKey: 'cGFzc3dvcmQ=', now: () => now });
  it('limits', () => {
    assert.deepEqual([azure.maxQos, azure.maxPayloadBytes, azure.retainAllowed, azure.maxSubscriptions], [1, 262144, false, 5]);
  });
  it('connection parameters: device id, username with api-version, SAS password', () => {
    const p = azure.connectionParams();
    assert.deepEqual([p.host, p.port, p.clientId, p.protocolVersion], ['myhub.azure-devices.net', 8883, 'dev1', 4]);
    assert.equal(p.username, 'myhub.azure-devices.net/dev1/?api-version=2021-04-12');
    assert.match(p.password ?? '', new RegExp(`^SharedAccessSignature sr=myhub\\.azure-devices\\.net%2Fdevices%2Fdev1&sig=[^&]+&se=${now / 1000 + 3600}$`));
    assert.equal(azure.credentialsRenewInMs(), 2700_000);
    const mod = createAzureProfile({ hub: 'h.azure-devices.net', deviceId: 'd', moduleId: 'm' }).connectionParams();
    assert.deepEqual([mod.clientId, mod.username, mod.password], ['d/m', 'h.azure-devices.net/d/m/?api-version=2021-04-12', undefined]);
  });
  it('wraps plain topics as D2C telemetry with a URL-encoded property bag', () => {
    const m = msg('site/a/temp', 10, { messageId: 'q-42', contentType: 'application/json;charset=utf-8', contentEncoding: 'utf-8', properties: { 'alarm level': 'high&hot' } });
    assert.equal(
      azure.remoteTopic(m),
      'devices/dev1/messages/events/alarm%20level=high%26hot&topic=site%2Fa%2Ftemp&$.mid=q-42&$.ct=application%2Fjson%3Bcharset%3Dutf-8&$.ce=utf-8',
    );
    assert.deepEqual(azure.toRemote({ ...m, qos: 2, retain: true }).qos, 1);
    assert.equal(azure.toRemote({ ...m, retain: true }).retain, false);
    const bare = createAzureProfile({ hub: 'h', deviceId: 'd', topicProperty: null });
    assert.equal(bare.remoteTopic(msg('x/y')), 'devices/d/messages/events/');
  });
  it('passes IoT Hub topics through', () => {
    const t = azureTopics('dev1');
    for (const topic of [t.events + 'a=b', t.twinGet('1'), t.twinReported('7'), t.methodResponse(200, 'ab')]) {
      assert.equal(azure.remoteTopic(msg(topic)), topic);
      assert.equal(azure.rejectReason(msg(topic)), null, topic);
    }
  });
  const refused: Array<[string, number, RegExp]> = [
    ['devices/other/messages/events/', 10, /only on 'devices\/dev1\/messages\/events\/'/],
    ['devices/dev1/messages/devicebound/x', 10, /only on/],
    ['$iothub/twin/PATCH/properties/desired/?$version=1', 10, /not an IoT Hub topic a device may publish/],
    ['$iothub/methods/POST/reboot/?$rid=1', 10, /not an IoT Hub topic/],
    ['$SYS/x', 10, /not an IoT Hub topic/],
    ['site/a', 262144, /exceeds the limit of 262144/], // payload plus the property bag
  ];
  for (const [topic, size, why] of refused) {
    it(`dead-letters ${topic} (${size} bytes)`, () => assert.match(azure.rejectReason(msg(topic, size)) ?? '', why));
  }
  it('accepts telemetry just under 256 KB with its properties', () => {
    const bag = 'topic=s'.length;
    assert.equal(azure.rejectReason(msg('s', 262144 - bag)), null);
    assert.notEqual(azure.rejectReason(msg('s', 262144 - bag + 1)), null);
  });
  it('subscribes to C2D, methods and twin (modules get no C2D)', () => {
    assert.deepEqual(azure.builtinSubscriptions().map((s) => s.filter), [
      'devices/dev1/messages/devicebound/#', '$iothub/methods/POST/#', '$iothub/twin/res/#', '$iothub/twin/PATCH/properties/desired/#',
    ]);
    assert.equal(createAzureProfile({ hub: 'h', deviceId: 'd', moduleId: 'm' }).builtinSubscriptions().length, 3);
    assert.ok(azure.builtinSubscriptions().length <= azure.maxSubscriptions);
  });
  it('parses method requests, twin responses and property bags', () => {
    assert.deepEqual(parseMethodRequest('$iothub/methods/POST/reboot/?$rid=1f'), { method: 'reboot', rid: '1f' });
    assert.equal(parseMethodRequest('$iothub/methods/POST/reboot/'), null);
    assert.deepEqual(parseTwinResponse('$iothub/twin/res/204/?$rid=3&$version=12'), { status: 204, rid: '3', version: 12 });
    assert.deepEqual(parseTwinResponse('$iothub/twin/res/200/?$rid=4'), { status: 200, rid: '4', version: undefined });
    assert.equal(parseTwinResponse('$iothub/twin/res/200/'), null);
    const entries: Array<[string, string]> = [['a b', 'c&d=e'], ['$.mid', 'x/y'], ['k', '']];
    assert.deepEqual(parsePropertyBag(encodePropertyBag(entries)), Object.fromEntries(entries));
    assert.deepEqual(parsePropertyBag('?$.to=%2Fdevices%2Fd%2Fmessages%2Fdevicebound&flag'), { '$.to': '/devices/d/messages/devicebound', flag: '' });
  });
  it('rejects bad options', () => {
    assert.throws(() => createAzureProfile({ hub: '', deviceId: 'd' }), BridgeError);
    assert.throws(() => createAzureProfile({ hub: 'h', deviceId: '' }), BridgeError);
    assert.throws(() => createAzureProfile({ hub: 'h', deviceId: 'd', keepaliveSec: 1178 }), /1\.\.1177/);
    assert.throws(() => createAzureProfile({ hub: 'h', deviceId: 'd', sasKey: 'nope!' }), BridgeError);
  });
});

describe('generic profile', () => {
  it('passes topics through with the protocol limits by default', () => {
    const g = createGenericProfile({ host: 'broker.example', clientId: 'gw' });
    assert.deepEqual([g.maxQos, g.retainAllowed, g.maxPublishRate], [2, true, Infinity]);
    assert.deepEqual(g.toRemote(msg('a/b', 1, { qos: 2, retain: true })), { topic: 'a/b', qos: 2, retain: true });
    assert.equal(g.rejectReason(msg('a/b', 1_000_000)), null);
    assert.deepEqual(g.connectionParams().port, 8883);
  });
  it('applies configured limits (EMQX Serverless: 1 MB, 10 msg/s)', () => {
    const g = createGenericProfile({
      name: 'emqx', host: 'x.emqxsl.com', clientId: 'gw', username: 'u', password: 'p', maxPayloadBytes: 1024 * 1024, maxPublishRate: 10,
      maxQos: 1, retainAllowed: false, maxTopicLevels: 3, maxTopicBytes: 20,
    });
    assert.equal(g.maxPublishRate, 10);
    assert.match(g.rejectReason(msg('a/b', 1024 * 1024 + 1)) ?? '', /^emqx: payload of 1048577 bytes/);
    assert.match(g.rejectReason(msg('a/b/c/d')) ?? '', /4 levels|exceeds 3 levels/);
    assert.match(g.rejectReason(msg('a'.repeat(21))) ?? '', /exceeds 20 bytes/);
    assert.deepEqual(g.toRemote(msg('a', 1, { qos: 2, retain: true })), { topic: 'a', qos: 1, retain: false });
    assert.deepEqual([g.connectionParams().username, g.connectionParams().password], ['u', 'p']);
  });
  it('the registry builds the profile of each type', () => {
    const entry = {
      addresses: [], protocol_version: 'mqttv311', client_id: undefined, keepalive: 60, clean_session: false,
      username: undefined, password: undefined, certfile: 'c.pem', keyfile: 'k.pem',
    } as const;
    const context = { name: 'hivemq', hostname: 'gw', address: { host: 'h', port: 1883 }, now: undefined };
    assert.equal(cloudDefinition('aws').create({ ...entry, aws_endpoint: 'e', thing_name: 't', aws_port: 8883 }, context).name, 'aws');
    assert.equal(cloudDefinition('azure').create({ ...entry, azure_hub: 'h', device_id: 'd', sas_ttl: 3600 }, context).name, 'azure');
    assert.equal(cloudDefinition('generic').create(entry, context).name, 'hivemq');
    assert.throws(() => createGenericProfile({ host: 'h', clientId: 'c', maxInflight: 0 }), BridgeError);
  });
});
