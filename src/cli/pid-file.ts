/**
 * `process.pid_file` (mosquitto's `pid_file`): the process id and a newline,
 * written once midge listens and removed on a clean stop, but only while it
 * still holds our pid (a newer midge may have taken it over).
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { writeFileAtomic } from '../auth/password-file.js';

/** Written atomically (temporary file, rename): a reader never sees it empty or half written. */
export function writePidFile(path: string, pid: number = process.pid): void {
  writeFileAtomic(path, `${pid}\n`, 0o644);
}

export function removePidFile(path: string, pid: number = process.pid): void {
  try {
    if (readFileSync(path, 'utf8').trim() === String(pid)) unlinkSync(path);
  } catch {
    // already gone, or unreadable: nothing of ours to remove
  }
}
