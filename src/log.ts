/**
 * The gateway's logger: pino, writing synchronously to standard error (like
 * mosquitto's default `log_dest stderr`) or to `log.file`. `format: auto` picks readable text
 * lines on a terminal and JSON lines everywhere else (journald, files,
 * pipes). The text formatter is a few lines (`log-format.ts`) rather than pino-pretty:
 * pino writes JSON to a small stream that rewrites each line as text.
 */
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { LogConfig } from './config/types.js';
import { clippingLogger } from './log-clip.js';
import { formatLogLine } from './log-format.js';
import { LogFile } from './log-file.js';
import type { RecentLogs } from './log-recent.js';

export { formatLogLine } from './log-format.js';

/** Where log lines go; `isTTY` (when present) drives `format: auto`. */
export interface LogDestination {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/** Keys whose values never reach a log line, at the top level and two levels down. */
export const REDACTED_KEYS: readonly string[] = ['password', 'passwd', 'private_key', 'device_key', 'token', 'sas_token', 'secret'];

const REDACT_PATHS = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

/** `recent` (optional) keeps the last lines for the status page, whatever the level of detail written. */
export function createLogger(cfg: Pick<LogConfig, 'level' | 'format'> & Partial<LogConfig>, destination?: LogDestination, recent?: RecentLogs): Logger {
  const out: LogDestination = destination ?? stderrDestination();
  const isTTY = destination ? destination.isTTY === true : process.stderr.isTTY === true;
  const text = cfg.format === 'text' || (cfg.format === 'auto' && isTTY);
  const color = text && isTTY && !process.env['NO_COLOR'];
  const write = text ? (line: string) => void out.write(formatLogLine(line, color)) : (line: string) => void out.write(line);
  const stream: DestinationStream = recent
    ? {
        write: (line: string) => {
          recent.push(line);
          write(line);
        },
      }
    : { write };
  return clippingLogger(pino({ level: cfg.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, stream));
}

/**
 * `log.file`: appended to with synchronous writes (like standard error);
 * `reopen()` after log rotation; rotated to FILE.1 past `maxSize` bytes
 * (0 = no limit). Throws when it cannot be opened.
 */
export function openLogFile(path: string, maxSize = 0): LogDestination & { reopen(): void } {
  return new LogFile(path, maxSize);
}

function stderrDestination(): LogDestination {
  // Synchronous, so a fatal line is on disk/terminal before process.exit().
  return pino.destination({ dest: 2, sync: true });
}
