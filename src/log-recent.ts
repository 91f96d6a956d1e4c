/**
 * The last log lines, kept in memory for the status page and `midge
 * status`: a ring of raw pino JSON lines (storing costs one array write;
 * they are parsed only when someone asks).
 */
import { formatLogLine } from './log-format.js';

export interface RecentLogLine {
  /** Epoch ms. */
  time: number;
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  msg: string;
  /** The line as the text log format prints it (time and level included). */
  text: string;
}

const LEVELS: Record<number, RecentLogLine['level']> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export class RecentLogs {
  private readonly ring: string[] = [];
  private next = 0;

  constructor(readonly capacity = 100) {}

  /** One pino JSON line. */
  push(line: string): void {
    if (this.ring.length < this.capacity) this.ring.push(line);
    else this.ring[this.next] = line;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Up to `limit` most recent lines, oldest first. */
  lines(limit = this.capacity): RecentLogLine[] {
    const ordered = this.ring.length < this.capacity ? this.ring : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    return ordered.slice(-limit).map(parseLine);
  }
}

function parseLine(line: string): RecentLogLine {
  const text = formatLogLine(line).trimEnd();
  try {
    const entry = JSON.parse(line) as { time?: unknown; level?: unknown; msg?: unknown };
    return {
      time: typeof entry.time === 'number' ? entry.time : 0,
      level: (typeof entry.level === 'number' && LEVELS[entry.level]) || 'info',
      msg: typeof entry.msg === 'string' ? entry.msg : '',
      text,
    };
  } catch {
    return { time: 0, level: 'info', msg: line.trimEnd(), text };
  }
}
