/**
 * A real in-process gateway (startGateway: config → password/ACL files →
 * hooks) on 127.0.0.1 port 0, with its log captured for assertions.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import type { BrokerHooks } from '../../src/broker/hooks.js';
import type { AuthConfig, MidgeConfig } from '../../src/config/types.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { RawClient } from './raw-client.js';
import { testConfig, type TestBrokerOptions } from './broker.js';

export interface AuthGateway {
  gateway: Gateway;
  port: number;
  /** Log lines (JSON) written so far. */
  log(): string;
  stop(): Promise<void>;
}

export async function startAuthGateway(
  auth: Partial<AuthConfig>,
  listener: Partial<MidgeConfig['listeners'][number]> = {},
  hooks?: BrokerHooks,
  options: Pick<TestBrokerOptions, 'mqtt' | 'persistence'> = {},
): Promise<AuthGateway> {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const base = testConfig({ ...options, listener });
  const config: MidgeConfig = { ...base, auth: { password_file: undefined, acl_file: undefined, ...auth } };
  const gateway = await startGateway(config, logger, hooks);
  return { gateway, port: gateway.addresses()[0]!.port, log: () => text, stop: () => gateway.stop() };
}

/** CONNECT with a raw client and return the CONNACK code (3.1.1 return code or v5 reason code). */
export async function connackCode(
  port: number,
  version: 4 | 5,
  opts: { clientId: string; username?: string; password?: string },
): Promise<number> {
  const rc = await RawClient.connect(port, version);
  try {
    const packet: { clientId: string; username?: string; password?: Buffer } = { clientId: opts.clientId };
    if (opts.username !== undefined) packet.username = opts.username;
    if (opts.password !== undefined) packet.password = Buffer.from(opts.password);
    const connack = await rc.connect(packet);
    return (version === 5 ? connack.reasonCode : connack.returnCode) ?? -1;
  } finally {
    rc.destroy();
  }
}
