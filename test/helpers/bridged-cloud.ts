/**
 * A workload's cloud side: a plain mosquitto behind a fault proxy (to take
 * the uplink down and up) with an observer subscribed, and the YAML of a
 * bridge pointing at the proxy. Undefined when mosquitto is not installed,
 * so a test can keep its other checks.
 */
import type { TestContext } from 'node:test';
import { subscribeCloud, type CloudClient } from './cloud-client.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { HAVE_MOSQUITTO_BROKER, startMosquittoCloud } from './mosquitto-cloud.js';

export interface BridgedCloud {
  proxy: FaultProxy;
  observer: CloudClient;
  /** `bridges:` YAML with one bridge `up` forwarding `rule` (a mosquitto topic line) through the proxy. */
  bridgeYaml(rule: string, extra?: string[]): string;
}

export async function startBridgedCloud(t: TestContext, observe: string): Promise<BridgedCloud | undefined> {
  if (!HAVE_MOSQUITTO_BROKER) return undefined;
  const cloud = await startMosquittoCloud();
  const proxy = await startFaultProxy({ targetPort: cloud.port });
  const observer = await subscribeCloud(cloud, observe, { qos: 1 });
  t.after(async () => {
    await observer.end(true);
    await proxy.close();
    await cloud.close();
  });
  return {
    proxy,
    observer,
    bridgeYaml: (rule, extra = []) =>
      ['bridges:', '  - name: up', `    addresses: ["127.0.0.1:${proxy.port}"]`, `    topics: [${JSON.stringify(rule)}]`, ...extra.map((l) => `    ${l}`)].join('\n'),
  };
}
