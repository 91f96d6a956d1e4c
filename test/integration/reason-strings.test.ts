/**
 * mqtt.reason_strings: Midge tells a v5 client why it was refused (CONNACK)
 * or disconnected (DISCONNECT) with a Reason String when the client asks for
 * problem information (the default); mosquitto never sends one. Off (what a
 * mosquitto.conf sets), the bytes are mosquitto's. Raw socket, exact bytes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from '../helpers/broker.js';
import { mqttString } from '../helpers/lifecycle.js';
import { RawClient } from '../helpers/raw-client.js';

/** v5 CONNECT, clean start, keepalive 60, client id `id`, with `props` (property bytes) and no Request Problem Information (so 1). */
function connect5(id: string, props: number[]): number[] {
  const body = [...mqttString('MQTT'), 0x05, 0x02, 0x00, 0x3c, props.length, ...props, ...mqttString(id)];
  return [0x10, body.length, ...body];
}

/** What a v5 client gets: for a CONNECT with an unknown authentication method, and for a PUBLISH with Topic Alias 99. */
async function answers(reasonStrings: boolean): Promise<{ connack: number[]; disconnect: number[] }> {
  const tb = await startBroker({ mqtt: { reason_strings: reasonStrings } });
  const refused = await RawClient.connect(tb.port, 5);
  const dropped = await RawClient.connect(tb.port, 5);
  try {
    refused.write(connect5('rs-1', [0x15, ...mqttString('SCRAM-SHA-1')])); // Authentication Method
    await refused.closedByBroker();
    dropped.write(connect5('rs-2', []));
    await dropped.next('connack');
    const from = dropped.bytes().length;
    const publish = [...mqttString('a/b'), 0x03, 0x23, 0x00, 0x63, 0x78]; // Topic Alias 99 (maximum 10)
    dropped.write([0x30, publish.length, ...publish]);
    await dropped.closedByBroker();
    return { connack: [...refused.bytes()], disconnect: [...dropped.bytes().subarray(from)] };
  } finally {
    refused.destroy();
    dropped.destroy();
    await tb.stop();
  }
}

describe('reason_strings', () => {
  test('false: a v5 client that asks for problem information gets a refusing CONNACK and an error DISCONNECT without Reason String (mosquitto\'s bytes)', async () => {
    const got = await answers(false);
    assert.deepEqual(got.connack, [0x20, 0x03, 0x00, 0x8c, 0x00]);
    assert.deepEqual(got.disconnect, [0xe0, 0x01, 0x94]); // without properties, no property length either (mosquitto)
  });

  test('true (the YAML default): the same packets carry a Reason String (0x1F) saying why', async () => {
    const got = await answers(true);
    const text = (bytes: number[], at: number): string => Buffer.from(bytes.slice(at + 2, at + 2 + ((bytes[at]! << 8) | bytes[at + 1]!))).toString();
    // CONNACK: flags 0, 0x8C, property length, 0x1F and its string
    assert.deepEqual(got.connack.slice(2, 4), [0x00, 0x8c]);
    assert.equal(got.connack[5], 0x1f);
    assert.match(text(got.connack, 6), /authentication method 'SCRAM-SHA-1' not supported/);
    assert.deepEqual([got.disconnect[0], got.disconnect[2], got.disconnect[4]], [0xe0, 0x94, 0x1f]);
    assert.match(text(got.disconnect, 5), /alias/i);
  });
});
