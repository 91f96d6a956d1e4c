/**
 * Reading mosquitto.conf files into directives: `name value...` lines, `#`
 * comment lines, blank lines, and `include_dir DIR` (files ending in `.conf`
 * read in mosquitto's order: case-sensitive, upper case of a letter before
 * its lower case). Meaning is given in `map.ts`; this file only tokenises.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../../errors.js';
import { describeFsError } from '../../fs-error.js';

/** One non-comment line of a mosquitto.conf. */
export interface Directive {
  /** The option name, e.g. `listener`. */
  readonly name: string;
  /** The words after the name (split on spaces and tabs). */
  readonly args: readonly string[];
  /** Everything after the name, trimmed: the value of path and string options (which may contain spaces). */
  readonly rest: string;
  readonly file: string;
  readonly line: number;
}

/** A warning about a line that was accepted but does not (fully) take effect. */
export interface ConfigWarning {
  readonly file: string;
  readonly line: number | undefined;
  readonly option: string;
  readonly message: string;
}

/** `mosquitto.conf:12: user: ...`: the same shape as a `ConfigError` message. */
export function formatWarning(w: ConfigWarning): string {
  const loc = w.line !== undefined ? `${w.file}:line ${w.line}` : w.file;
  return `${loc}: ${w.option}: ${w.message}`;
}

/** Splits one file's text into directives (no include handling). */
export function tokenize(text: string, file: string): Directive[] {
  const out: Directive[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    const trimmed = line.trim();
    // mosquitto treats only a `#` in the first column as a comment; an indented `#` is harmless, so we accept it too.
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const m = /^(\S+)\s*(.*)$/.exec(trimmed);
    if (!m) return;
    const rest = m[2].trim();
    out.push({ name: m[1], args: rest === '' ? [] : rest.split(/[ \t]+/), rest, file, line: i + 1 });
  });
  return out;
}

/** Files `*.conf` in `dir`, in the order mosquitto loads them. */
export function includeDirFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.conf'))
    .filter((name) => {
      try {
        return statSync(join(dir, name)).isFile();
      } catch {
        return false;
      }
    })
    .sort(compareMosquitto)
    .map((name) => join(dir, name));
}

/** `00.conf`, `01.conf`, `A.conf`, `a.conf`, `B.conf`, `b.conf` (man mosquitto.conf, include_dir). */
export function compareMosquitto(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a[i];
    const cb = b[i];
    if (ca === cb) continue;
    const la = ca.toLowerCase();
    const lb = cb.toLowerCase();
    if (la !== lb) return la < lb ? -1 : 1;
    return ca < cb ? -1 : 1; // same letter: upper case first
  }
  return a.length - b.length;
}

/**
 * Reads `path` and, in place of each `include_dir` line of that main file,
 * the directives of the included files. `include_dir` inside an included
 * file is ignored with a warning, as mosquitto ignores it. With
 * `includeRoot`, an absolute include directory is read below that root
 * (checking a configuration copied off a device, tests).
 */
export function readMosquittoFiles(path: string, warnings: ConfigWarning[], includeRoot?: string): Directive[] {
  const out: Directive[] = [];
  for (const d of tokenize(readText(path), path)) {
    if (d.name !== 'include_dir') {
      out.push(d);
      continue;
    }
    if (d.rest === '') throw new ConfigError('missing value: expected a directory', { file: d.file, line: d.line, key: d.name });
    // mosquitto opens a relative include_dir from its working directory; `includeRoot` re-roots absolute ones (tests, copied configs).
    const dir = isAbsolute(d.rest) ? (includeRoot ? join(includeRoot, d.rest) : d.rest) : resolve(d.rest);
    let files: string[];
    try {
      files = includeDirFiles(dir);
    } catch (err) {
      throw new ConfigError(`cannot read directory ${dir}: ${describeFsError(err)}`, { file: d.file, line: d.line, key: d.name });
    }
    for (const f of files) {
      if (resolve(f) === resolve(path)) {
        throw new ConfigError(`${dir} contains the main configuration file itself`, { file: d.file, line: d.line, key: d.name });
      }
      for (const inner of tokenize(readText(f), f)) {
        if (inner.name === 'include_dir') {
          warnings.push({
            file: inner.file, line: inner.line, option: inner.name,
            message: 'ignored: include_dir only works in the main configuration file (as in mosquitto)',
          });
        } else {
          out.push(inner);
        }
      }
    }
  }
  return out;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file: ${describeFsError(err)}`, { file: path });
  }
}
