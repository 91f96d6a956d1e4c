/**
 * `log.file`: log lines appended with synchronous writes (so a fatal line
 * is on disk before process.exit), with an optional size cap for bare
 * systems without logrotate: when a line would take the file past
 * `maxSize` bytes, FILE is renamed to FILE.1 (replacing the previous one)
 * and a new FILE is started. `reopen()` (SIGHUP) follows an external
 * rotation. A failed write (full disk, removed directory) loses that line
 * only: it is counted, reported once on standard error, and writing is
 * retried with the next line.
 */
import { closeSync, fstatSync, openSync, renameSync, writeSync } from 'node:fs';

export class LogFile {
  /** Lines that could not be written (full disk, I/O error). */
  failedWrites = 0;
  /** Times the file was rotated to FILE.1 because of `maxSize`. */
  rotations = 0;
  private fd: number;
  private size: number;
  private reported = false;

  /** Throws (ENOENT, EACCES...) when the file cannot be opened: a configuration problem at start. */
  constructor(
    readonly path: string,
    /** Bytes; 0 = no limit. */
    readonly maxSize = 0,
  ) {
    this.fd = openSync(path, 'a', 0o640);
    this.size = fstatSync(this.fd).size;
  }

  write(chunk: string): void {
    const data = Buffer.from(chunk);
    try {
      if (this.maxSize > 0 && this.size > 0 && this.size + data.length > this.maxSize) this.rotate();
      let off = 0;
      while (off < data.length) off += writeSync(this.fd, data, off);
      this.size += data.length;
      this.reported = false;
    } catch (err) {
      this.failedWrites++;
      if (!this.reported) {
        this.reported = true;
        process.stderr.write(`midge: cannot write to log file ${this.path}: ${(err as Error).message} (lines are lost until it works again)\n`);
      }
    }
  }

  /** After an external rotation (logrotate + SIGHUP): continue in a new file at `path`. */
  reopen(): void {
    const fd = openSync(this.path, 'a', 0o640);
    closeSync(this.fd);
    this.fd = fd;
    this.size = fstatSync(fd).size;
  }

  close(): void {
    closeSync(this.fd);
  }

  private rotate(): void {
    renameSync(this.path, `${this.path}.1`);
    this.rotations++;
    this.reopen();
  }
}
