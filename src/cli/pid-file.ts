/**
 * `process.pid_file` (mosquitto's `pid_file`): the process id and a newline,
 * written once midge listens and removed on a clean stop, but only while it
 * still holds our pid (a newer midge may have taken it over).
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';

export function writePidFile(path: string, pid: number = process.pid): void {
  writeFileSync(path, `${pid}\n`, { mode: 0o644 });
}

export function removePidFile(path: string, pid: number = process.pid): void {
  try {
    if (readFileSync(path, 'utf8').trim() === String(pid)) unlinkSync(path);
  } catch {
    // already gone, or unreadable: nothing of ours to remove
  }
}
