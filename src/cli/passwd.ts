/**
 * `midge passwd [-c | -D] [-b] [-H sha512-pbkdf2] FILE USER [PASSWORD]`: manage a
 * mosquitto-compatible password file, like mosquitto_passwd.
 *
 *   -c  create the file (overwriting an existing one) with USER in it
 *   -b  batch: the password is the last argument (it shows in `ps` and the shell history)
 *   -D  delete USER
 *
 * Without -b the password is asked twice; on a terminal without echo. Hashes
 * are `$7$` PBKDF2-SHA512 with mosquitto_passwd's 101 iterations, readable
 * by mosquitto 2.x. The file is replaced atomically with mode 0600.
 */
import { existsSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { formatPasswordFile, parsePasswordFile, readTextFile, writeFileAtomic } from '../auth/password-file.js';
import { hashPassword } from '../auth/password-hash.js';
import type { Output } from './output.js';

export interface PasswdOptions {
  create: boolean;
  batch: boolean;
  delete: boolean;
  file: string;
  username: string;
  password: string | undefined;
}

export const PASSWD_USAGE = `Usage: midge passwd [-c | -D] FILE USER
       midge passwd [-c] -b FILE USER PASSWORD

Manage a password file in mosquitto's format (auth.password_file).
  -c   create FILE (an existing file is overwritten)
  -b   batch mode: take PASSWORD from the command line
  -D   delete USER from FILE
  -H sha512-pbkdf2   the hash (the only one written; the default)
Without -b the password is read twice from the terminal, without echo.
`;

export type PasswdParse = { ok: true; options: PasswdOptions } | { ok: false; error: string };

/** Parses the arguments after `passwd`. */
export function parsePasswdArgs(argv: readonly string[]): PasswdParse {
  let create = false;
  let batch = false;
  let del = false;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-c') create = true;
    else if (a === '-b') batch = true;
    else if (a === '-D') del = true;
    else if (a === '-H') {
      const h = argv[++i];
      if (h !== 'sha512-pbkdf2') return { ok: false, error: `-H ${h ?? ''}: only sha512-pbkdf2 is written (the mosquitto 2 default)` };
    } else if (a.startsWith('-') && a !== '-' && positional.length === 0) return { ok: false, error: `unknown option ${a}` };
    else positional.push(a);
  }
  if (create && del) return { ok: false, error: '-c and -D cannot be used together' };
  const want = batch && !del ? 3 : 2;
  if (positional.length !== want) {
    return { ok: false, error: batch && !del ? 'expected FILE USER PASSWORD' : 'expected FILE USER' };
  }
  const [file, username, password] = positional as [string, string, string | undefined];
  if (username.includes(':')) return { ok: false, error: "user name must not contain the ':' character" };
  if (username === '') return { ok: false, error: 'empty user name' };
  return { ok: true, options: { create, batch, delete: del, file, username, password } };
}

/** Runs `midge passwd`; resolves with the exit status. */
export async function runPasswd(argv: readonly string[], io: Output): Promise<number> {
  const parsed = parsePasswdArgs(argv);
  if (!parsed.ok) {
    io.err(`midge passwd: ${parsed.error}\n\n${PASSWD_USAGE}`);
    return 2;
  }
  const o = parsed.options;
  try {
    let entries = new Map<string, string>();
    if (!o.create) {
      if (!existsSync(o.file)) {
        io.err(`midge passwd: ${o.file}: no such file (use -c to create it)\n`);
        return 1;
      }
      for (const [u, e] of parsePasswordFile(readTextFile(o.file, 'password file'), o.file)) entries.set(u, e.encoded);
    }
    if (o.delete) {
      if (!entries.delete(o.username)) {
        io.err(`midge passwd: user ${o.username} not found in ${o.file}\n`);
        return 1;
      }
    } else {
      let password = o.password;
      if (password === undefined) {
        const first = await readSecret('Password: ');
        const second = first === undefined ? undefined : await readSecret('Reenter password: ');
        await stdinLines?.return?.(undefined); // let go of standard input so that the process can exit
        if (first === undefined || second === undefined) {
          io.err('midge passwd: no password read\n');
          return 1;
        }
        if (first !== second) {
          io.err('midge passwd: passwords do not match\n');
          return 1;
        }
        password = first;
      }
      if (password === '') {
        io.err('midge passwd: empty password (the broker never accepts one, as mosquitto_passwd)\n');
        return 1;
      }
      if (o.create) entries = new Map();
      entries.set(o.username, hashPassword(password));
    }
    writeFileAtomic(o.file, formatPasswordFile([...entries].map(([username, encoded]) => ({ username, encoded }))));
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`midge passwd: ${err.message}\n`);
      return 1;
    }
    const e = err as NodeJS.ErrnoException;
    if (typeof e.code === 'string') {
      io.err(`midge passwd: cannot write ${o.file}: ${e.message}\n`);
      return 1;
    }
    throw err;
  }
}

let stdinLines: AsyncIterator<string> | undefined;

/**
 * One secret line: on a terminal in raw mode (no echo; backspace edits,
 * Ctrl-C / Ctrl-D abort), otherwise the next line of standard input.
 */
async function readSecret(prompt: string): Promise<string | undefined> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    stdinLines ??= lines(stdin);
    const next = await stdinLines.next();
    return next.done ? undefined : next.value;
  }
  stdin.setRawMode(true); // before the prompt: whatever is typed after seeing it is never echoed
  process.stderr.write(prompt);
  stdin.resume();
  try {
    return await new Promise<string | undefined>((resolve) => {
      let value = '';
      const onData = (chunk: Buffer): void => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return done(value);
          if (ch === '\u0003' || ch === '\u0004') return done(undefined);
          if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
          else value += ch;
        }
      };
      const done = (v: string | undefined): void => {
        stdin.off('data', onData);
        resolve(v);
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

async function* lines(stream: NodeJS.ReadableStream): AsyncGenerator<string> {
  let buf = '';
  for await (const chunk of stream) {
    buf += chunk.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      yield buf.slice(0, nl).replace(/\r$/, '');
      buf = buf.slice(nl + 1);
    }
  }
  if (buf !== '') yield buf;
}
