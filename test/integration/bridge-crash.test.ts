/**
 * Power-cut safety of the bridge queue with the real midge process and a
 * real mosquitto cloud over mutual TLS: SIGKILL while the cloud is
 * unreachable, and again in the middle of the replay. Every message midge
 * acknowledged reaches the cloud (duplicates allowed, order kept).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { subscribeCloud } from '../helpers/cloud-client.js';
import { connect } from '../helpers/clients.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { persistentConfig, startMidge, tempDir } from '../helpers/midge-process.js';
import { HAVE_MOSQUITTO_BROKER, startMosquittoCloud, type MosquittoCloud } from '../helpers/mosquitto-cloud.js';
import { waitFor } from '../helpers/wait.js';

const SKIP = HAVE_MOSQUITTO_BROKER ? false : 'mosquitto not installed (apt install mosquitto)';
const N = 3000;

describe('bridge queue across SIGKILL (real process, mosquitto over TLS)', { skip: SKIP }, () => {
  let cloud: MosquittoCloud;
  let proxy: FaultProxy;
  const dir = tempDir();
  before(async () => {
    cloud = await startMosquittoCloud({ tls: true, acl: { 'device-1': { write: ['plant/#'] } } });
    proxy = await startFaultProxy({ targetPort: cloud.port });
  });
  after(async () => {
    await proxy?.close();
    await cloud?.close();
    dir.cleanup();
  });

  test('killed while the cloud is unreachable, then again mid-replay: zero loss of acknowledged messages', async () => {
    const pki = cloud.pki!;
    const yaml = persistentConfig(join(dir.path, 'data'), [
      'bridges:',
      '  - name: plant',
      `    addresses: ["127.0.0.1:${proxy.port}"]`,
      `    cafile: ${JSON.stringify(pki.caCert)}`,
      `    certfile: ${JSON.stringify(pki.client.cert)}`,
      `    keyfile: ${JSON.stringify(pki.client.key)}`,
      '    sni: localhost',
      '    topics: ["plant/# out 1"]',
      '    restart_timeout: "0.2 0.5"',
      '    max_inflight: 20',
    ].join('\n'));
    proxy.refuse(); // the uplink is down
    let midge = await startMidge(dir.path, yaml);
    const pub = await connect(midge.port, { clientId: 'plc' });
    await Promise.all(Array.from({ length: N }, (_, i) => pub.client.publishAsync('plant/line1', String(i), { qos: 1 })));
    await pub.end(true);
    assert.equal(await midge.stop('SIGKILL'), null, 'killed with the whole backlog acknowledged');

    const obs = await subscribeCloud(cloud, 'plant/#');
    try {
      midge = await startMidge(dir.path, yaml);
      proxy.resume(); // uplink back: replay starts
      await waitFor(() => obs.messages.length >= N / 3, 60_000, 'a third replayed');
      assert.equal(await midge.stop('SIGKILL'), null, 'killed mid-replay');
      const seen = () => [...new Set(obs.messages.map((m) => Number(m.payload.toString())))];
      assert.ok(seen().length < N, 'the kill really came in the middle of the replay');
      midge = await startMidge(dir.path, yaml);
      await waitFor(() => seen().length === N, 90_000, `all ${N} at the cloud`);
      assert.deepEqual(seen(), Array.from({ length: N }, (_, i) => i), 'first arrivals in publish order');
      await midge.stop();
    } finally {
      await obs.end(true);
    }
  });
});
