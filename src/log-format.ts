/**
 * The text log format: one pino JSON line as a readable line. Used by the
 * logger (`log.ts`, `format: text`) and by the recent-lines ring
 * (`log-recent.ts`); it imports neither.
 */

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
