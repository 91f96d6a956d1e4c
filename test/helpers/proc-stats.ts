/** Linux /proc figures of a process, for the abuse, soak and resource tests. */
import { readdirSync, readFileSync } from 'node:fs';

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Open file descriptors. */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** User + system CPU time in seconds (clock ticks are 100 Hz on Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (fields 14 and 15 of the line)
}

/** Soft limit on open files of this process (`ulimit -n`). */
export function fdLimit(pid: number | 'self' = 'self'): number {
  const m = /Max open files\s+(\d+|unlimited)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  return !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

export const MB = 1024 * 1024;

/** "12.3 MB" */
export function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}
