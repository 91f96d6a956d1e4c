/**
 * A whole in-process gateway (broker + bridges + adapters) from a config
 * object that goes through the real validation, listening on 127.0.0.1
 * port 0, with JSON logs kept for assertions.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { validateConfig } from '../../src/config/validate.js';
import type { MidgeConfig } from '../../src/config/types.js';
import { waitFor } from './wait.js';

export type LogRecord = Record<string, unknown> & { msg: string; level: number };

export interface TestGateway {
  gw: Gateway;
  port: number;
  logs: LogRecord[];
  waitLog(pattern: RegExp, timeoutMs?: number): Promise<LogRecord>;
  stop(): Promise<void>;
}

/** `config` is plain data as in a YAML file; listeners default to one on 127.0.0.1:0, persistence to off. */
export async function startTestGateway(config: Record<string, unknown>): Promise<TestGateway> {
  const logs: LogRecord[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line) as LogRecord);
      cb();
    },
  });
  const logger = pino({ level: process.env.MIDGE_TEST_LOG ?? 'info' }, sink);
  const full: MidgeConfig = validateConfig({
    listeners: [{ host: '127.0.0.1', port: 0 }],
    persistence: { enabled: false },
    sys: { interval: 0 },
    ...config,
  });
  const gw = await startGateway(full, logger);
  return {
    gw,
    port: gw.addresses()[0]!.port,
    logs,
    async waitLog(pattern, timeoutMs = 10_000) {
      await waitFor(() => logs.some((l) => pattern.test(l.msg)), timeoutMs, `log line ${pattern}`);
      return logs.find((l) => pattern.test(l.msg))!;
    },
    stop: () => gw.stop(),
  };
}
