/**
 * mqtt.check_retain_source (mosquitto check_retain_source, retain.c
 * retain__process): a retained message keeps its publisher (client id, user
 * name, listener), and a new subscriber gets it only while that publisher may
 * still write its topic under the current ACL: after a SIGHUP reload, and
 * after a restart (the publisher is stored with the message). Raw socket,
 * exact bytes: what a subscriber receives up to the PINGRESP that follows its
 * SUBSCRIBE.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAuthGateway, type AuthGateway } from '../helpers/auth.js';
import { mqttString, uid } from '../helpers/lifecycle.js';
import { tempDir } from '../helpers/midge-process.js';
import { RawClient } from '../helpers/raw-client.js';

const BEFORE = 'user alice\ntopic write sensors/#\nuser carol\ntopic write sensors/#\nuser bob\ntopic read sensors/#\n';
/** alice may no longer publish there; carol still may. */
const AFTER = 'user alice\ntopic read sensors/#\nuser carol\ntopic write sensors/#\nuser bob\ntopic read sensors/#\n';

/** 3.1.1 PUBLISH QoS 0 RETAIN of one byte. */
const retainedPublish = (topic: string, byte: string): number[] => [0x31, 2 + topic.length + 1, ...mqttString(topic), byte.charCodeAt(0)];

/** `user` publishes a retained message on `topic` and disconnects once the broker has handled it. */
async function publishRetained(port: number, user: string, topic: string, byte: string): Promise<void> {
  const rc = await RawClient.connect(port, 4);
  try {
    await rc.connect({ clientId: uid(user), username: user });
    rc.write(retainedPublish(topic, byte));
    await rc.bytesThroughPing(0); // handled in order: the retained message is set
    rc.write([0xe0, 0x00]);
    await rc.closedByBroker();
  } finally {
    rc.destroy();
  }
}

/** The bytes bob gets for SUBSCRIBE `prefix/#` QoS 0, through the PINGRESP after it. */
async function bobSubscribes(port: number, prefix: string): Promise<number[]> {
  const rc = await RawClient.connect(port, 4);
  try {
    await rc.connect({ clientId: uid('bob'), username: 'bob' });
    const filter = mqttString(`${prefix}/#`);
    const from = rc.bytes().length;
    rc.write([0x82, 2 + filter.length + 1, 0x00, 0x01, ...filter, 0x00]);
    return await rc.bytesThroughPing(from);
  } finally {
    rc.destroy();
  }
}

const SUBACK = [0x90, 0x03, 0x00, 0x01, 0x00];
const PINGRESP = [0xd0, 0x00];

async function withAcl<T>(checkRetainSource: boolean, run: (gw: AuthGateway, aclFile: string, prefix: string) => Promise<T>): Promise<T> {
  const dir = tempDir('midge-retsrc-');
  const aclFile = join(dir.path, 'acl');
  writeFileSync(aclFile, BEFORE);
  const gw = await startAuthGateway({ acl_file: aclFile }, {}, undefined, { mqtt: { check_retain_source: checkRetainSource } });
  try {
    return await run(gw, aclFile, 'sensors');
  } finally {
    await gw.stop();
    dir.cleanup();
  }
}

describe('check_retain_source', () => {
  test('on: a retained message whose publisher lost write access in an ACL reload is not sent to a new subscriber; one whose publisher kept it is', async () => {
    await withAcl(true, async (gw, aclFile, prefix) => {
      await publishRetained(gw.port, 'alice', `${prefix}/a`, 'A');
      await publishRetained(gw.port, 'carol', `${prefix}/c`, 'C');
      assert.deepEqual(await bobSubscribes(gw.port, prefix), [...SUBACK, ...retainedPublish(`${prefix}/a`, 'A'), ...retainedPublish(`${prefix}/c`, 'C'), ...PINGRESP]);
      writeFileSync(aclFile, AFTER);
      await gw.gateway.reload();
      assert.deepEqual(await bobSubscribes(gw.port, prefix), [...SUBACK, ...retainedPublish(`${prefix}/c`, 'C'), ...PINGRESP]);
      assert.match(gw.log(), /its publisher may no longer write the topic \(check_retain_source\)/);
      // the message is kept, as mosquitto keeps it: a reload that gives the right back delivers it again
      writeFileSync(aclFile, BEFORE);
      await gw.gateway.reload();
      assert.deepEqual(await bobSubscribes(gw.port, prefix), [...SUBACK, ...retainedPublish(`${prefix}/a`, 'A'), ...retainedPublish(`${prefix}/c`, 'C'), ...PINGRESP]);
    });
  });

  test('off (the default): retained messages are not re-checked against their publisher', async () => {
    await withAcl(false, async (gw, aclFile, prefix) => {
      await publishRetained(gw.port, 'alice', `${prefix}/a`, 'A');
      writeFileSync(aclFile, AFTER);
      await gw.gateway.reload();
      assert.deepEqual(await bobSubscribes(gw.port, prefix), [...SUBACK, ...retainedPublish(`${prefix}/a`, 'A'), ...PINGRESP]);
    });
  });

  test('on, across a restart: the publisher is stored with the message (SQLite), so the new ACL applies to it', async () => {
    const dir = tempDir('midge-retsrc-');
    const aclFile = join(dir.path, 'acl');
    writeFileSync(aclFile, BEFORE);
    const options = { mqtt: { check_retain_source: true }, persistence: { enabled: true, path: dir.path } };
    try {
      const first = await startAuthGateway({ acl_file: aclFile }, {}, undefined, options);
      try {
        await publishRetained(first.port, 'alice', 'sensors/a', 'A');
        await publishRetained(first.port, 'carol', 'sensors/c', 'C');
      } finally {
        await first.stop();
      }
      writeFileSync(aclFile, AFTER);
      const second = await startAuthGateway({ acl_file: aclFile }, {}, undefined, options);
      try {
        assert.deepEqual(await bobSubscribes(second.port, 'sensors'), [...SUBACK, ...retainedPublish('sensors/c', 'C'), ...PINGRESP]);
      } finally {
        await second.stop();
      }
    } finally {
      dir.cleanup();
    }
  });
});
