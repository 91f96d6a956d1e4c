/**
 * auth.acl_file over real connections (mosquitto acl_file semantics): the
 * users × topics × read/write matrix with 3.1.1 and v5 outcomes —
 * SUBSCRIBE refused with SUBACK 0x80 / 0x87, PUBLISH dropped but acked
 * (3.1.1) or PUBACK 0x87 (v5), messages and retained messages not readable
 * never delivered — patterns with %c / %u, the anonymous section, deny
 * wins, reload applied to connected clients, and read access checked again
 * when a stored message is sent (a reload revokes what was queued).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IPubackPacket, IPublishPacket } from 'mqtt-packet';
import { startAuthGateway, type AuthGateway } from '../helpers/auth.js';
import { uid } from '../helpers/lifecycle.js';
import { nextPublish, rawConnected, rawPublish, rawSubscribe } from '../helpers/messages.js';
import { RawClient } from '../helpers/raw-client.js';
import { tempDir } from '../helpers/midge-process.js';
import { waitFor } from '../helpers/wait.js';

const ACL = `# anonymous clients
topic read public/#

user alice
topic readwrite home/#
topic deny home/secret
topic write public/#
user bob
topic read home/#
topic write marker/#
topic read marker/#

pattern readwrite devices/%c/#
pattern read inbox/%u
`;

const V = [4, 5] as const;
const name = (v: 4 | 5): string => (v === 5 ? 'v5' : 'v3.1.1');

describe('ACL file (mosquitto acl_file) over real connections', () => {
  let dir: ReturnType<typeof tempDir>;
  let gw: AuthGateway;
  const open: RawClient[] = [];
  const client = async (v: 4 | 5, username?: string, clientId = uid('acl')): Promise<RawClient> => {
    const rc = await rawConnected(gw.port, v, username === undefined ? { clientId } : { clientId, username });
    open.push(rc);
    return rc;
  };
  before(async () => {
    dir = tempDir('midge-acl-');
    writeFileSync(join(dir.path, 'acl'), ACL);
    gw = await startAuthGateway({ acl_file: join(dir.path, 'acl') });
  });
  after(async () => {
    for (const rc of open) rc.destroy();
    await gw.stop();
    dir.cleanup();
  });

  for (const v of V) {
    const refused = v === 5 ? 0x87 : 0x80;
    test(`${name(v)} SUBSCRIBE: allowed filters granted, others refused with ${v === 5 ? '0x87' : '0x80'} (user rules, deny wins, anonymous section, %u)`, async () => {
      const alice = await client(v, 'alice');
      const a = await rawSubscribe(alice, [
        { topic: 'home/#', qos: 1 }, { topic: 'garden/#', qos: 1 }, { topic: 'home/secret', qos: 1 }, { topic: 'public/#', qos: 0 },
      ]);
      assert.deepEqual(a.granted, [1, refused, refused, refused]); // public/# is write-only for alice
      const anon = await client(v);
      assert.deepEqual((await rawSubscribe(anon, [{ topic: 'public/news', qos: 0 }, { topic: 'home/#', qos: 0 }, { topic: '#', qos: 0 }])).granted, [0, refused, 0]);
      const bob = await client(v, 'bob');
      assert.deepEqual((await rawSubscribe(bob, [{ topic: 'inbox/bob', qos: 0 }, { topic: 'inbox/alice', qos: 0 }, { topic: '$share/g/home/+', qos: 0 }])).granted, [0, refused, 0]);
    });

    test(`${name(v)} PUBLISH without write access: ${v === 5 ? 'PUBACK 0x87' : 'acked (PUBACK) and dropped silently'}, not delivered`, async () => {
      const alice = await client(v, 'alice');
      await rawSubscribe(alice, 'home/#', 1);
      const bob = await client(v, 'bob');
      const ack = (await rawPublish(bob, 'home/kitchen', 'from bob', 1)) as IPubackPacket;
      assert.equal(ack.cmd, 'puback');
      if (v === 5) assert.equal(ack.reasonCode, 0x87);
      else assert.equal(ack.reasonCode ?? 0, 0);
      // a message alice may receive, sent after the refused one: it must be the next thing she gets
      const alice2 = await client(v, 'alice');
      await rawPublish(alice2, 'home/kitchen', 'from alice', 1);
      const got = await nextPublish(alice);
      assert.equal(got.payload.toString(), 'from alice');
    });

    test(`${name(v)} delivery: a subscriber gets only topics it may read; deny wins over home/#`, async () => {
      const anon = await client(v);
      await rawSubscribe(anon, '#', 0); // granted: overlaps public/#
      const bob = await client(v, 'bob');
      await rawSubscribe(bob, [{ topic: 'home/#', qos: 0 }, { topic: 'marker/#', qos: 0 }]);
      const alice = await client(v, 'alice');
      await rawPublish(alice, 'home/secret', 'denied write', 1); // alice may not write it (deny)
      await rawPublish(alice, 'home/hall', 'hall', 1); // bob reads, anon does not
      await rawPublish(alice, 'public/news', 'news', 1); // anon reads, bob does not
      const bobMarker = await client(v, 'bob');
      await rawPublish(bobMarker, 'marker/end', 'end', 1);
      const fromAnon = await nextPublish(anon);
      assert.equal(fromAnon.topic, 'public/news');
      const bobGot: IPublishPacket[] = [await nextPublish(bob), await nextPublish(bob)];
      assert.deepEqual(bobGot.map((p) => p.topic), ['home/hall', 'marker/end']);
    });

    test(`${name(v)} retained messages on SUBSCRIBE are sent only when readable`, async () => {
      const alice = await client(v, 'alice');
      const r = uid('r');
      await rawPublish(alice, `home/${r}`, 'private', 1, { retain: true });
      await rawPublish(alice, `public/${r}`, 'public', 1, { retain: true });
      const anon = await client(v);
      await rawSubscribe(anon, `+/${r}`, 0);
      const got = await nextPublish(anon);
      assert.equal(got.topic, `public/${r}`);
      // the private one never comes: a later publish on a readable topic is next
      await rawPublish(alice, `public/${r}`, 'later', 1);
      assert.equal((await nextPublish(anon)).payload.toString(), 'later');
      // clear them so that later tests' wildcard subscriptions do not get them
      await rawPublish(alice, `home/${r}`, '', 1, { retain: true });
      await rawPublish(alice, `public/${r}`, '', 1, { retain: true });
    });

    test(`${name(v)} pattern %c: own devices/CLIENTID/# readwrite, another client's refused`, async () => {
      const dev = await client(v, undefined, `dev-${v}`);
      assert.deepEqual((await rawSubscribe(dev, [{ topic: `devices/dev-${v}/cmd`, qos: 1 }, { topic: 'devices/other/cmd', qos: 1 }])).granted, [1, refused]);
      const ok = (await rawPublish(dev, `devices/dev-${v}/state`, 'on', 1)) as IPubackPacket;
      // allowed; the '#' subscription of the delivery test matches though it may not read it: mosquitto
      // counts such a subscription (subs.c), so no 0x10 No matching subscribers
      assert.equal(ok.reasonCode ?? 0, 0);
      const no = (await rawPublish(dev, 'devices/other/state', 'on', 1)) as IPubackPacket;
      assert.equal(no.reasonCode ?? 0, v === 5 ? 0x87 : 0);
    });
  }
});

describe('ACL reload (SIGHUP: Gateway.reload) applies to connected clients', () => {
  test('new rules apply to the next operation of a connected client; a broken file is logged and the old rules kept', async () => {
    const dir = tempDir('midge-acl-');
    const file = join(dir.path, 'acl');
    writeFileSync(file, 'user bob\ntopic read home/#\n');
    const gw = await startAuthGateway({ acl_file: file });
    const clients: RawClient[] = [];
    try {
      const bob = await rawConnected(gw.port, 5, { clientId: uid('bob'), username: 'bob' });
      clients.push(bob);
      assert.equal(((await rawPublish(bob, 'home/x', '1', 1)) as IPubackPacket).reasonCode, 0x87);
      writeFileSync(file, 'user bob\ntopic readwrite home/#\n');
      await gw.gateway.reload();
      assert.equal(((await rawPublish(bob, 'home/x', '2', 1)) as IPubackPacket).reasonCode, 0x10); // allowed now
      writeFileSync(file, 'user bob\ntopic readwrite home/#\ntopic bogus home\n');
      await gw.gateway.reload();
      await waitFor(() => gw.log().includes('ACL file not reloaded'), 3000, 'reload refusal in the log');
      assert.match(gw.log(), /acl:line 3: invalid access 'bogus'/);
      assert.equal(((await rawPublish(bob, 'home/x', '3', 1)) as IPubackPacket).reasonCode, 0x10); // old (second) rules kept
    } finally {
      for (const c of clients) c.destroy();
      await gw.stop();
      dir.cleanup();
    }
  });
});

describe('ACL reload and messages already stored for a session', () => {
  for (const v of V) {
    test(`${name(v)} read access revoked while offline: queued and in-flight messages on that topic are dropped at send time, not delivered`, async () => {
      const dir = tempDir('midge-acl-');
      const file = join(dir.path, 'acl');
      writeFileSync(file, 'user alice\ntopic write #\nuser bob\ntopic read home/#\ntopic read ok/#\n');
      const gw = await startAuthGateway({ acl_file: file });
      const clients: RawClient[] = [];
      try {
        const bobId = uid('bob');
        const persistent = { clientId: bobId, username: 'bob', clean: false, ...(v === 5 ? { properties: { sessionExpiryInterval: 600 } } : {}) };
        const bob = await rawConnected(gw.port, v, persistent);
        clients.push(bob);
        await rawSubscribe(bob, [{ topic: 'home/#', qos: 1 }, { topic: 'ok/#', qos: 1 }]);
        const alice = await rawConnected(gw.port, v, { clientId: uid('alice'), username: 'alice' });
        clients.push(alice);
        await rawPublish(alice, 'home/inflight', 'a', 1);
        assert.equal((await nextPublish(bob)).topic, 'home/inflight'); // in flight: bob does not PUBACK it
        bob.send({ cmd: 'disconnect' });
        await bob.closedByBroker();
        await rawPublish(alice, 'home/queued', 'b', 1);
        await rawPublish(alice, 'ok/queued', 'c', 1);

        writeFileSync(file, 'user alice\ntopic write #\nuser bob\ntopic read ok/#\n');
        await gw.gateway.reload();
        const back = await RawClient.connect(gw.port, v);
        clients.push(back);
        const connack = await back.connect(persistent);
        assert.equal(connack.sessionPresent, true);
        const got = await nextPublish(back);
        assert.deepEqual([got.topic, got.payload.toString()], ['ok/queued', 'c']);
        back.send({ cmd: 'puback', messageId: got.messageId! });
        // everything resent or drained at reconnect precedes the answer to this PINGREQ
        back.send({ cmd: 'pingreq' });
        await back.next('pingresp');
        const broker = gw.gateway.broker;
        assert.equal(broker.stats.droppedNotAuthorized, 2);
        const session = broker.sessions.get(bobId)!;
        assert.equal(session.queue.length + session.inflight.size, 0, 'dropped messages are gone from the session (and its store queue)');
        await waitFor(() => /read access revoked by the ACL/.test(gw.log()), 3000, 'the drop logged at debug');
      } finally {
        for (const c of clients) c.destroy();
        await gw.stop();
        dir.cleanup();
      }
    });
  }
});
