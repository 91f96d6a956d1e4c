/**
 * Interoperability of connection-level features with other clients:
 * mosquitto_pub / mosquitto_sub (libmosquitto) and paho-mqtt (python3).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { connect } from '../helpers/clients.js';
import { run, start, uid } from '../helpers/lifecycle.js';
import { waitFor } from '../helpers/wait.js';

const MOSQUITTO = existsSync('/usr/bin/mosquitto_sub') && existsSync('/usr/bin/mosquitto_pub');
const PYTHON = '/usr/bin/python3';

describe('mosquitto clients', { skip: MOSQUITTO ? false : 'mosquitto-clients not installed' }, () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.stop();
  });

  const base = () => ['-h', '127.0.0.1', '-p', String(tb.port)];
  /** Wait until the broker holds a subscription to `filter` (the CLI gives no other signal). */
  const subscribed = (filter: string) =>
    waitFor(() => [...tb.broker.sessions.values()].some((s) => s.subscriptions.has(filter)), 5000, `subscription to ${filter}`);

  test('mosquitto_sub (v5) receives what mosquitto_pub (v3.1.1) publishes', async () => {
    const topic = uid('interop/x');
    const sub = start('mosquitto_sub', [...base(), '-V', 'mqttv5', '-C', '1', '-t', topic, '-q', '1']);
    await subscribed(topic);
    const pub = await run('mosquitto_pub', [...base(), '-V', 'mqttv311', '-t', topic, '-m', 'hello', '-q', '1']);
    assert.equal(pub.code, 0, pub.stderr);
    const result = await sub.result;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'hello\n');
  });

  test('mosquitto_sub (v3.1.1) receives what mosquitto_pub (v5) publishes, QoS 2', async () => {
    const topic = uid('interop/y');
    const sub = start('mosquitto_sub', [...base(), '-V', 'mqttv311', '-C', '1', '-t', topic, '-q', '2', '-v']);
    await subscribed(topic);
    const pub = await run('mosquitto_pub', [...base(), '-V', 'mqttv5', '-t', topic, '-m', 'qos2', '-q', '2']);
    assert.equal(pub.code, 0, pub.stderr);
    assert.equal((await sub.result).stdout, `${topic} qos2\n`);
  });

  for (const version of ['mqttv311', 'mqttv5']) {
    test(`a persistent mosquitto_sub session gets messages queued while it was away (${version})`, async () => {
      const topic = uid('interop/queued');
      const id = uid('mosq');
      const persistent = ['-c', '-i', id, '-q', '1', '-t', topic, ...(version === 'mqttv5' ? ['-x', '60'] : [])];
      const first = await run('mosquitto_sub', [...base(), '-V', version, ...persistent, '-E']);
      assert.equal(first.code, 0, first.stderr);
      await waitFor(() => tb.broker.sessions.get(id)?.connection === null, 2000, 'mosquitto_sub to go away');
      const pub = await run('mosquitto_pub', [...base(), '-V', version, '-t', topic, '-m', 'while away', '-q', '1']);
      assert.equal(pub.code, 0, pub.stderr);
      const second = await run('mosquitto_sub', [...base(), '-V', version, ...persistent, '-C', '1', '-W', '5']);
      assert.equal(second.stdout, 'while away\n', second.stderr);
    });

    test(`mosquitto_sub's will is published when it is killed (${version})`, async () => {
      const topic = uid('interop/will');
      const watcher = await connect(tb.port, { protocolVersion: 5 });
      await watcher.client.subscribeAsync(topic, { qos: 1 });
      const id = uid('killed');
      const victim = start('mosquitto_sub', [...base(), '-V', version, '-i', id, '-t', uid('interop/idle'), '--will-topic', topic, '--will-payload', 'killed', '--will-qos', '1']);
      await waitFor(() => tb.broker.sessions.get(id)?.connection?.state === 'connected', 5000, 'mosquitto_sub to connect');
      victim.kill();
      await victim.result;
      const [msg] = await watcher.waitMessages(1);
      assert.equal(msg!.payload.toString(), 'killed');
      await watcher.end();
    });
  }
});

const PAHO_SCRIPT = `
import sys, paho.mqtt.client as mqtt
port, topic, proto = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
cid = "" if proto == 5 else "paho-" + topic.replace("/", "-")
c = mqtt.Client(client_id=cid, protocol=proto)
assigned = []
got = []
def on_connect(cl, u, flags, rc, props=None):
    if props is not None and hasattr(props, "AssignedClientIdentifier"):
        assigned.append(props.AssignedClientIdentifier)
    cl.subscribe(topic, qos=1)
def on_subscribe(cl, u, mid, granted, props=None):
    cl.publish(topic, "from paho", qos=1)
def on_message(cl, u, msg):
    got.append(msg.payload.decode())
    cl.disconnect()
c.on_connect, c.on_subscribe, c.on_message = on_connect, on_subscribe, on_message
c.connect("127.0.0.1", port, keepalive=10)
c.loop_forever(timeout=1.0)
print(",".join(got))
print(",".join(assigned))
`;

describe('paho-mqtt (python3)', { skip: existsSync(PYTHON) ? false : 'python3 not installed' }, () => {
  for (const [name, proto] of [['3.1.1', 4], ['5', 5]] as const) {
    test(`paho connect, subscribe, publish round trip (MQTT ${name}${proto === 5 ? ', empty client id: assigned' : ''})`, async (t) => {
      const probe = await run(PYTHON, ['-c', 'import paho.mqtt.client'], 5000);
      if (probe.code !== 0) {
        t.skip('python3-paho-mqtt not installed');
        return;
      }
      const tb = await startBroker();
      try {
        const result = await run(PYTHON, ['-c', PAHO_SCRIPT, String(tb.port), uid('paho/rt'), String(proto)], 10000);
        assert.equal(result.code, 0, result.stderr);
        const [got, assigned] = result.stdout.split('\n');
        assert.equal(got, 'from paho');
        if (proto === 5) assert.match(assigned ?? '', /^auto-/, '[MQTT-3.2.2-16] Assigned Client Identifier');
      } finally {
        await tb.stop();
      }
    });
  }
});
