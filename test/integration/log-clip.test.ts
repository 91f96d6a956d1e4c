/**
 * Client-controlled strings in the log: a 65,000-character client id,
 * topic filter or authentication method must not become a 65 KB log line.
 * Every record is clipped in one place (src/log-clip.ts), whatever logger
 * the broker was given.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import mqttPacket, { type IConnackPacket, type ISubackPacket } from 'mqtt-packet';
import { LOG_FIELD_MAX, LOG_MESSAGE_MAX } from '../../src/log-clip.js';
import { startLoggedBroker, type LoggedBroker } from '../helpers/log-capture.js';
import { RawClient } from '../helpers/raw-client.js';

const HUGE = 65000;
/** A whole JSON log record may hold a clipped message plus a few clipped fields, no more. */
const LINE_MAX = LOG_MESSAGE_MAX + 6 * LOG_FIELD_MAX + 500;

describe('client strings in the log', () => {
  let lb: LoggedBroker;
  before(async () => {
    lb = await startLoggedBroker([{ host: '127.0.0.1', port: 0 }]);
  });
  after(async () => {
    await lb.stop();
  });

  test('a 65,000-character client id, topic filter and authentication method are clipped in every log line', async () => {
    const v5 = { protocolVersion: 5 } as const;
    const rc = await RawClient.connect(lb.port(), 5);
    rc.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'c'.repeat(HUGE), clean: true, keepalive: 60 }, v5));
    assert.equal(((await rc.next('connack')) as IConnackPacket).reasonCode, 0);
    rc.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'f/'.repeat(HUGE / 2), qos: 0 }] }, v5));
    assert.deepEqual(((await rc.next('suback')) as ISubackPacket).granted, [0x8f]); // more levels than max_topic_levels
    rc.destroy();

    const refused = await RawClient.connect(lb.port(), 5);
    refused.write(
      mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'auth', clean: true, keepalive: 60, properties: { authenticationMethod: 'm'.repeat(HUGE) } }, v5),
    );
    assert.equal(((await refused.next('connack')) as IConnackPacket).reasonCode, 0x8c);
    await refused.closedByBroker();

    const sub = await lb.waitLog(/^subscription refused$/);
    assert.match(String(sub['clientId']), new RegExp(`^c{${LOG_FIELD_MAX}}…\\[${HUGE - LOG_FIELD_MAX} more chars\\]$`));
    assert.match(String(sub['filter']), /^(f\/)+…\[\d+ more chars\]$/);
    const auth = await lb.waitLog(/^connection refused: authentication method/);
    assert.ok(auth.msg.length < LOG_MESSAGE_MAX + 40, `message of ${auth.msg.length} characters`);
    for (const record of lb.logs) {
      const line = JSON.stringify(record);
      assert.ok(line.length < LINE_MAX, `a ${line.length}-character log line: ${line.slice(0, 200)}...`);
    }
  });
});
