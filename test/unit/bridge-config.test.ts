/**
 * `bridges[]` in the config: defaults, what each profile requires, topic
 * line and address errors naming the key (and the YAML line), and the plan
 * the runtime gets.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/config/load.js';
import { validateConfig } from '../../src/config/validate.js';
import { ConfigError } from '../../src/errors.js';
import { parseAddress, parseRestartTimeout, planBridge } from '../../src/config/bridge-plan.js';

function configError(input: unknown): ConfigError {
  try {
    validateConfig(input);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('expected a ConfigError');
}

const generic = { name: 'up', addresses: ['broker.example.com:1883'], topics: ['a/# out 1'] };

describe('bridges config', () => {
  it('none by default', () => {
    assert.deepEqual(validateConfig({}).bridges, []);
  });

  it('fills defaults and plans a generic bridge', () => {
    const cfg = validateConfig({ bridges: [generic] });
    const b = cfg.bridges[0]!;
    assert.equal(b.type, 'generic');
    assert.equal(b.queue_policy, 'drop-oldest');
    assert.equal(b.restart_timeout, '5 30');
    const plan = planBridge(b, 'gw');
    assert.deepEqual(plan.addresses, [{ host: 'broker.example.com', port: 1883 }]);
    assert.equal(plan.tls, undefined);
    assert.equal(plan.profile.connectionParams().clientId, 'gw.up');
    assert.equal(plan.maxInflight, 100);
    assert.equal(plan.maxPublishRate, Infinity);
    assert.equal(plan.notificationTopic, '$SYS/broker/connection/up/state');
    assert.deepEqual(plan.backoff, { baseMs: 5000, capMs: 30000 });
    assert.deepEqual(plan.messageId, { userProperty: false, payloadField: false });
    // message_id auto adds nothing for a generic upstream, on mqttv50 too (as a mosquitto bridge)
    const v5 = planBridge(validateConfig({ bridges: [{ ...generic, protocol_version: 'mqttv50' }] }).bridges[0]!, 'gw');
    assert.deepEqual(v5.messageId, { userProperty: false, payloadField: false });
  });

  it('aws: certificate required, QoS/rate/in-flight limits, ALPN on 443, notifications off', () => {
    const aws = { name: 'aws', type: 'aws', aws_endpoint: 'abc-ats.iot.eu-west-1.amazonaws.com', thing_name: 'gw-1', topics: ['t/# out 1'] };
    assert.match(configError({ bridges: [aws] }).message, /bridges\[0\]\.certfile.*device certificate/);
    const plan = planBridge(validateConfig({ bridges: [{ ...aws, certfile: '/dev/null', keyfile: '/dev/null', aws_port: 443 }] }).bridges[0]!);
    assert.equal(plan.maxInflight, 100);
    assert.equal(plan.maxPublishRate, 100);
    assert.equal(plan.profile.maxQos, 1);
    assert.deepEqual(plan.tls?.alpn, ['x-amzn-mqtt-ca']);
    assert.equal(plan.tls?.servername, 'abc-ats.iot.eu-west-1.amazonaws.com');
    assert.deepEqual(plan.addresses, [{ host: 'abc-ats.iot.eu-west-1.amazonaws.com', port: 443 }]);
    assert.equal(plan.notificationTopic, undefined);
    assert.equal(plan.profile.statusReport, undefined, 'shadow_interval 0: no shadow reports');
    const shadow = planBridge(validateConfig({ bridges: [{ ...aws, certfile: '/dev/null', keyfile: '/dev/null', shadow_interval: 30 }] }).bridges[0]!);
    assert.equal(shadow.profile.statusReport?.topic, '$aws/things/gw-1/shadow/update');
    assert.equal(shadow.profile.statusReport?.intervalMs, 30_000);
    assert.equal(shadow.profile.statusReport?.payload({ a: 1 }), '{"state":{"reported":{"a":1}}}');
  });

  it('azure: needs a key or a certificate, mqttv311 only', () => {
    const az = { name: 'az', type: 'azure', azure_hub: 'myhub', device_id: 'dev1' };
    assert.match(configError({ bridges: [az] }).message, /bridges\[0\]\.sas_key/);
    assert.match(configError({ bridges: [{ ...az, sas_key: 'a2V5', protocol_version: 'mqttv50' }] }).message, /bridges\[0\]\.protocol_version: azure: IoT Hub speaks MQTT 3.1.1 only/);
    const plan = planBridge(validateConfig({ bridges: [{ ...az, sas_key: Buffer.from('0123456789abcdef').toString('base64') }] }).bridges[0]!);
    const params = plan.profile.connectionParams();
    assert.equal(params.username, 'myhub.azure-devices.net/dev1/?api-version=2021-04-12');
    assert.match(params.password!, /^SharedAccessSignature sr=myhub\.azure-devices\.net%2Fdevices%2Fdev1&sig=/);
    // the cloud's own routes: C2D, twin and methods under azure/<bridge name>
    assert.deepEqual(plan.profile.routes?.localFilters(), ['azure/az/methods/res/+/+', 'azure/az/twin/reported', 'azure/az/twin/get']);
    assert.equal(plan.profile.routes?.inbound('devices/dev1/messages/devicebound/a=1')?.localTopic, 'azure/az/c2d');
  });

  it('errors name the key and the line', () => {
    const text = ['bridges:', '  - name: up', '    addresses: [b:1883]', '    topics:', '      - a/# out 1', '      - "a/# sideways 1"', ''].join('\n');
    assert.throws(() => parseConfigText(text, 'm.yaml'), (err: ConfigError) => {
      assert.equal(err.key, 'bridges[0].topics[1]');
      assert.equal(err.line, 6);
      assert.match(err.message, /topic line 2 'a\/# sideways 1'/);
      return true;
    });
    assert.match(configError({ bridges: [{ topics: [] }] }).message, /bridges\[0\]\.name: required/);
    assert.match(configError({ bridges: [{ name: 'bad name', addresses: ['x:1'] }] }).message, /bridges\[0\]\.name/);
    assert.match(configError({ bridges: [{ name: 'g' }] }).message, /bridges\[0\]\.addresses: for generic: at least one host:port/);
    assert.match(configError({ bridges: [{ ...generic, addresses: ['h:99999'] }] }).message, /bridges\[0\]\.addresses\[0\]: 'h:99999' is not host:port/);
    assert.match(configError({ bridges: [{ ...generic, restart_timeout: '30 5' }] }).message, /restart_timeout: cap \(5\) must be >= base \(30\)/);
    assert.match(configError({ bridges: [generic, generic] }).message, /bridges\[1\]\.name: duplicate bridge name 'up'/);
    assert.match(configError({ bridges: [{ ...generic, certfile: '/nonexistent.pem', keyfile: '/nonexistent.key' }] }).message, /bridges\[0\]\.certfile: cannot read \/nonexistent\.pem: no such file/);
    assert.match(configError({ bridges: [{ ...generic, message_id: 'user-property' }] }).message, /message_id: user properties need protocol_version mqttv50/);
    assert.match(configError({ bridges: [{ ...generic, adresses: [] }] }).message, /did you mean 'addresses'/);
  });

  it('parseAddress and parseRestartTimeout', () => {
    assert.deepEqual(parseAddress('h', 8883), { host: 'h', port: 8883 });
    assert.deepEqual(parseAddress('[::1]:1884', 1), { host: '::1', port: 1884 });
    assert.throws(() => parseAddress('a b:1', 1));
    assert.deepEqual(parseRestartTimeout('10'), { baseMs: 10000, capMs: 10000 });
    assert.deepEqual(parseRestartTimeout(' 0.5  2 '), { baseMs: 500, capMs: 2000 });
    assert.throws(() => parseRestartTimeout('0 1'));
    assert.throws(() => parseRestartTimeout('1 2 3'));
  });
});
