/**
 * Regression tests for what the packet fuzzer (packet-fuzz.test.ts) found:
 * each case's bytes as the fuzzer sent them (named by its case seed), plus a
 * minimal hand-made version. The broker must close the offending connection
 * (v5: DISCONNECT 0x81 Malformed Packet or 0x82 Protocol Error), log no
 * internal error, send nothing a client cannot parse, and keep serving others.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IDisconnectPacket } from 'mqtt-packet';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { assertRoundTrip, connectWithConnack } from '../helpers/lifecycle.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

/** A v5 / 3.1.1 CONNECT with clean start, keepalive 60, client id `rg-<tag>`. */
function connectBytes(version: 4 | 5, tag: string): Buffer {
  const id = Buffer.from(`rg-${tag}`);
  const body = [0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, version, 0x02, 0x00, 0x3c, ...(version === 5 ? [0x00] : []), 0x00, id.length, ...id];
  return Buffer.from([0x10, body.length, ...body]);
}

/** Send `bytes` on a fresh connection; resolve once the broker closed it. */
async function sendAndExpectClose(port: number, version: 4 | 5, bytes: Buffer, reason?: number): Promise<RawClient> {
  const rc = await RawClient.connect(port, version);
  try {
    rc.write(bytes);
    await rc.closedByBroker();
    assert.deepEqual(rc.parseErrors.map((e) => e.message), [], 'the broker sent only parsable packets');
    if (reason !== undefined && version === 5) {
      const d = rc.packets.find((p) => p.cmd === 'disconnect') as IDisconnectPacket | undefined;
      assert.equal(d?.reasonCode, reason, `DISCONNECT reason, got ${rc.packets.map((p) => p.cmd).join(',')}`);
    }
    return rc;
  } finally {
    rc.destroy();
  }
}

describe('packet fuzz regressions', () => {
  let tb: TestBroker;
  const internalErrors: string[] = [];
  before(async () => {
    tb = await startBroker({ mqtt: { topic_alias_maximum: 10 } });
    const log = tb.broker.log as unknown as { error: (obj: unknown, msg?: string) => void };
    log.error = (obj, msg) => internalErrors.push(`${msg}: ${(obj as { err?: Error })?.err?.stack ?? ''}`);
  });
  after(async () => {
    await tb.stop();
  });
  afterEach(async () => {
    assert.deepEqual(internalErrors.splice(0), [], 'no internal error logged');
    await assertRoundTrip(tb.port, 4);
    await assertRoundTrip(tb.port, 5);
    await waitFor(() => tb.broker.connections.size === 0, 3000, 'connections released');
  });

  // Bug 1 (src/broker/handlers/subscribe.ts): a v5 SUBSCRIBE with a 1-byte body reached the handler
  // with no subscriptions (mqtt-packet read the packet id past the end); SUBACK with no codes threw in encode.
  test('seed 2334925349: v5 SUBSCRIBE with remaining length 1', async () => {
    const hex =
      '103a00044d5154540502000a2821000a2700000080170126000870796fe282ac786d00036c6d6126000870796fe282ac786d0001740005667a2d3334820199d700000a2473686172652f672f231100012b0562040000ff00';
    await sendAndExpectClose(tb.port, 5, Buffer.from(hex, 'hex'), 0x81);
  });

  test('minimal: SUBSCRIBE without a topic filter (v5 and 3.1.1)', async () => {
    // v5: packet id, empty property list, no payload; mqtt-packet reads the id past the end
    await sendAndExpectClose(tb.port, 5, Buffer.concat([connectBytes(5, 'sub5'), Buffer.from([0x82, 0x01, 0x00, 0x07, 0x00])]), 0x81);
  });

  // Bug 2 (src/broker/dispatch.ts): an ack with remaining length 0 came out of mqtt-packet with
  // messageId -1; answering it (PUBCOMP for PUBREL, PUBREL for PUBREC) threw in encode.
  test('seed 2371056275: 3.1.1 PUBREL with remaining length 0', async () => {
    const hex =
      '101100044d5154540402ffff0005667a2d3132320a0005667a2f2f78ffffacc000821800030006667a2f612f23020006667a2f2b206302000123003480010005667a2f2f780001f557f34ff7a2a151f3519af7335e7645b277c20fe57bf4b2b4774aaab57cb3b10e6dbe30a605bba7b3b771db761c73818fddb075e503d4034869bd6a52a2f6d2a96eb5600ba46e8c7a6a3d467cb60f6f30255424800b324274105e5f4a36b13555f4702f5735f6610bf6074b1e60091404d30d5a8ff5ba6200';
    await sendAndExpectClose(tb.port, 4, Buffer.from(hex, 'hex'));
  });

  for (const version of [4, 5] as const) {
    for (const [name, bytes] of [
      ['PUBACK', [0x40, 0x00]],
      ['PUBREC', [0x50, 0x00]],
      ['PUBREL', [0x62, 0x00]],
      ['PUBCOMP', [0x70, 0x00]],
    ] as const) {
      test(`minimal: ${name} with no packet identifier (v${version})`, async () => {
        await sendAndExpectClose(tb.port, version, Buffer.concat([connectBytes(version, `ack${version}`), Buffer.from(bytes)]), 0x81);
      });
    }
  }

  // Bug 3 (src/broker/dispatch.ts): v5 properties mqtt-packet decoded badly (a value cut short: null; a
  // repeated property: an array; a property PUBLISH may not carry) were stored with the message and
  // threw in every subscriber's encode, for a retained message on every later SUBSCRIBE as well.
  test('seed 2446566275: v5 PUBLISH whose Response Information is cut short', async () => {
    const hex =
      '105000044d51545405c0ffff2e22000a2600016400002600046570777a000a6170626f2f6d2371742b2600016a0001662600016a0005786b7072730009667a2d73686172656400016f0007ca36c73667208a32110009667a2fc3a92fe282ac0001021acacb3272002e667a2f6c2f6c2f6c2f6c2f6c2f6c2f6c2f6c2f6c2f6c2f6c2f6c2f6c2f6c2f6c2f6c2f6c2f6c2f6c2f6c2f656e6400033f08000d245359532f62726f6b65722f782600046a636f6d000278702600017800086266627472706f6d2600016b00076d6b2b716e6a692600016b0003757469';
    const sub = await connectWithConnack(tb.port, { protocolVersion: 5 });
    try {
      await sub.client.subscribeAsync('#', { qos: 1 });
      await sendAndExpectClose(tb.port, 5, Buffer.from(hex, 'hex'), 0x81);
      assert.ok(sub.client.connected, 'the subscriber is still connected');
    } finally {
      await sub.end();
    }
  });

  for (const [what, hex, reason] of [
    ['a value cut short', '310a000472672f61021aca78', 0x81],
    // the property length covers both Content Types (the old vector said 6, cutting the second short: that is 0x81)
    ['Content Type twice', '3110000472672f610803000161030001627' + '8', 0x82],
    ['a second Content Type cut short by the property length', '310f000472672f6106030001610300016278', 0x81],
    // mosquitto: a property not allowed in the packet is a Protocol Error (lib/property_mosq.c)
    ['a CONNECT-only property (Session Expiry Interval)', '310d000472672f6105110000000a78', 0x82],
  ] as const) {
    test(`minimal: retained v5 PUBLISH with ${what} is refused and never delivered`, async () => {
      await sendAndExpectClose(tb.port, 5, Buffer.concat([connectBytes(5, 'pub'), Buffer.from(hex, 'hex')]), reason);
      assert.equal(tb.broker.retained.matching('rg/a').length, 0, 'nothing retained');
      const sub = await connectWithConnack(tb.port, { protocolVersion: 5 });
      try {
        await sub.client.subscribeAsync('rg/#', { qos: 1 });
        assert.ok(sub.client.connected);
        assert.equal(sub.messages.length, 0);
      } finally {
        await sub.end();
      }
    });
  }

  test('minimal: v5 CONNECT whose will properties hold a value cut short is refused, no will sent', async () => {
    // will flag, QoS 0; will properties (length 3): Content Type (0x03) claiming 0xff00 bytes; will topic rg/w
    const hex = '101c00044d5154540506003c00000272770303ff00000472672f77000178';
    const sub = await connectWithConnack(tb.port, { protocolVersion: 5 });
    try {
      await sub.client.subscribeAsync('rg/w', { qos: 0 });
      const rc = await sendAndExpectClose(tb.port, 5, Buffer.from(hex, 'hex'));
      assert.deepEqual(rc.packets.map((p) => p.cmd), [], 'closed without CONNACK');
      await assertRoundTrip(tb.port, 5); // time for a will to have arrived
      assert.equal(sub.messages.length, 0, 'no will published');
    } finally {
      await sub.end();
    }
  });
});
