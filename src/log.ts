/**
 * The gateway's logger: pino, writing synchronously to standard error (like
 * mosquitto's default `log_dest stderr`) or to `log.file`. `format: auto` picks readable text
 * lines on a terminal and JSON lines everywhere else (journald, files,
 * pipes). The text formatter is a few lines here rather than pino-pretty:
 * pino writes JSON to a small stream that rewrites each line as text.
 */
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { LogConfig } from './config/types.js';
import { clippingLogger } from './log-clip.js';
import { LogFile } from './log-file.js';
import type { RecentLogs } from './log-recent.js';

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

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const LEVEL_COLORS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/**
 * One pino JSON line → `2025-01-31T12:00:00.000Z INFO  message key=value ...`,
 * with an error's stack (if any) on the following indented lines.
 */
export function formatLogLine(json: string, color = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const level = typeof entry['level'] === 'number' ? entry['level'] : 30;
  let name = (LEVEL_NAMES[level] ?? String(level)).padEnd(5);
  if (color) name = `\x1b[${LEVEL_COLORS[level] ?? '0'}m${name}\x1b[0m`;
  const time = typeof entry['time'] === 'number' ? new Date(entry['time']).toISOString() : '';
  const parts = [time, name, typeof entry['msg'] === 'string' ? entry['msg'] : ''];
  let stack = '';
  for (const [k, v] of Object.entries(entry)) {
    if (SKIP.has(k) || v === undefined) continue;
    if (isErrorLike(v)) {
      parts.push(`${k}=${formatValue(v.message)}`);
      if (typeof v.stack === 'string') stack += `\n${indent(v.stack.split('\n').slice(1).join('\n'))}`;
    } else {
      parts.push(`${k}=${formatValue(v)}`);
    }
  }
  return `${parts.filter((p) => p !== '').join(' ')}${stack.trimEnd() ? stack.trimEnd() : ''}\n`;
}

function isErrorLike(v: unknown): v is { message: string; stack?: unknown } {
  return typeof v === 'object' && v !== null && typeof (v as { message?: unknown }).message === 'string' && 'stack' in v;
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

function indent(s: string): string {
  return s
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => `    ${l.trim()}`)
    .join('\n');
}
