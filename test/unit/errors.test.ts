/**
 * The error family (src/errors.ts) as a table, as undici's test/errors.js:
 * every class with its name, stable code and v5 reason code; the codes are
 * unique GW_ERR_* strings; reason codes come from RC (src/reason-codes.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CloudKeyError } from '../../src/clouds/registry.js';
import { BridgePlanError } from '../../src/config/bridge-plan.js';
import {
  BridgeError, ConfigError, DeviceError, ERR, GatewayError, MalformedPacketError, PacketTooLargeError, ProtocolError, StoreError,
  reasonCodeOf,
} from '../../src/errors.js';
import { isFailureCode, RC } from '../../src/reason-codes.js';

describe('error family', () => {
  const rows: Array<[GatewayError, string, string, number | undefined]> = [
    [new GatewayError('x'), 'GatewayError', ERR.GATEWAY, undefined],
    [new ProtocolError('x'), 'ProtocolError', ERR.PROTOCOL, RC.PROTOCOL_ERROR],
    [new ProtocolError('x', RC.TOPIC_NAME_INVALID), 'ProtocolError', ERR.PROTOCOL, RC.TOPIC_NAME_INVALID],
    [new MalformedPacketError('x'), 'MalformedPacketError', ERR.MALFORMED, RC.MALFORMED_PACKET],
    [new PacketTooLargeError('x'), 'PacketTooLargeError', ERR.PACKET_TOO_LARGE, RC.PACKET_TOO_LARGE],
    [new ConfigError('x'), 'ConfigError', ERR.CONFIG, undefined],
    [new DeviceError('x'), 'DeviceError', ERR.DEVICE, undefined],
    [new StoreError('x'), 'StoreError', ERR.STORE, RC.UNSPECIFIED_ERROR],
    [new StoreError('x', ERR.STORE_FULL), 'StoreError', ERR.STORE_FULL, RC.QUOTA_EXCEEDED],
    [new BridgeError('x'), 'BridgeError', ERR.BRIDGE, undefined],
    [new BridgePlanError('x', 'topics'), 'BridgePlanError', ERR.BRIDGE_CONFIG, undefined],
    [new CloudKeyError('x', 'sas_key'), 'CloudKeyError', ERR.BRIDGE_CONFIG, undefined],
  ];

  it('each class has its name, stable code and reason code, and is a GatewayError', () => {
    for (const [err, name, code, reasonCode] of rows) {
      assert.ok(err instanceof GatewayError, name);
      assert.equal(err.name, name);
      assert.equal(err.code, code, name);
      assert.equal(err.reasonCode, reasonCode, name);
      assert.equal(reasonCodeOf(err), reasonCode ?? RC.UNSPECIFIED_ERROR, name);
    }
    assert.equal(reasonCodeOf(new Error('plain')), RC.UNSPECIFIED_ERROR);
  });

  it('the codes are unique GW_ERR strings', () => {
    const codes = Object.values(ERR);
    assert.equal(new Set(codes).size, codes.length);
    for (const code of codes) assert.match(code, /^GW_ERR(_[A-Z]+)*$/);
  });

  it('the reason codes an error carries are failures (0x80 and above, MQTT 5 2.4)', () => {
    for (const [err, name] of rows) if (err.reasonCode !== undefined) assert.ok(isFailureCode(err.reasonCode), name);
    assert.equal(isFailureCode(RC.SUCCESS), false);
    assert.equal(isFailureCode(RC.NO_MATCHING_SUBSCRIBERS), false);
    assert.equal(isFailureCode(RC.UNSPECIFIED_ERROR), true);
  });
});
