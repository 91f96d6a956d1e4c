/** Raw-socket expectations shared by the exact-bytes tests: a connected RawClient, and "closed, told why". */
import assert from 'node:assert/strict';
import type { IDisconnectPacket } from 'mqtt-packet';
import { RawClient } from './raw-client.js';
import { uid } from './lifecycle.js';

/** A raw client connected at `version` (CONNACK 0 checked). */
export async function connectedRaw(port: number, version: 3 | 4 | 5, prefix = 'raw'): Promise<RawClient> {
  const rc = await RawClient.connect(port, version);
  const connack = await rc.connect({ clientId: uid(prefix), ...(version === 3 ? { protocolId: 'MQIsdp' } : {}) });
  assert.equal(connack.reasonCode ?? connack.returnCode, 0);
  return rc;
}

/** Wait for the close; v5 must have been told `reason` first (and nothing else), 3.1.1 told nothing. */
export async function expectClosed(rc: RawClient, version: number, reason: number): Promise<void> {
  await rc.closedByBroker();
  if (version === 5) {
    const d = rc.packets.find((p) => p.cmd === 'disconnect') as IDisconnectPacket | undefined;
    assert.ok(d, `expected DISCONNECT 0x${reason.toString(16)}, got ${rc.packets.map((p) => p.cmd).join(',') || 'nothing'}`);
    assert.equal(d.reasonCode, reason);
    assert.deepEqual(rc.packets.map((p) => p.cmd), ['disconnect']);
  } else {
    assert.deepEqual(rc.packets.map((p) => p.cmd), []);
  }
}

/** Send bytes on a fresh connection, wait for the broker to close it, return the client (what it received). */
export async function sendAndClose(port: number, bytes: Buffer, version: 3 | 4 | 5 = 4): Promise<RawClient> {
  const rc = await RawClient.connect(port, version);
  rc.write(bytes);
  await rc.closedByBroker();
  return rc;
}
