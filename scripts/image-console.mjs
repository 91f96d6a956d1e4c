#!/usr/bin/env node
// Runs one shell command in the image booted by scripts/image-smoke.sh, through
// the guest's virtio console (hvc0, a getty that systemd starts there) which
// qemu exposes as a Unix socket. Logs in as root first if the console shows a
// login prompt. Prints the command's output and exits with its status.
//   node scripts/image-console.mjs SOCKET PASSWORD 'COMMAND' [TIMEOUT_S]
import { connect } from 'node:net';

const [socketPath, password, command, timeoutArg] = process.argv.slice(2);
if (!socketPath || password === undefined || !command) {
  console.error('usage: image-console.mjs SOCKET PASSWORD COMMAND [TIMEOUT_S]');
  process.exit(2);
}
const timeoutMs = Number(timeoutArg ?? 120) * 1000;
const id = `${process.pid}${Date.now()}`;
// Markers the terminal's echo of the command line cannot contain: printf assembles them.
const begin = `@@B${id}@@`;
const endRe = new RegExp(`@@E${id}:(\\d+)@@`);
const line = `printf '@@B%s@@\\n' ${id}; ( ${command} ) 2>&1; printf '@@E%s:%s@@\\n' ${id} "$?"\n`;

const sock = connect(socketPath);
let buf = '';
let state = 'poke';
const fail = (msg) => {
  console.error(`image-console: ${msg}; last console output:\n${buf.slice(-800)}`);
  process.exit(124);
};
const timer = setTimeout(() => fail(`no result within ${timeoutMs / 1000} s`), timeoutMs);
const pokeTimer = setInterval(() => {
  if (state === 'poke') sock.write('\n'); // until a prompt shows up
}, 3000);
sock.on('error', (err) => fail(err.message));
sock.on('connect', () => sock.write('\n'));
sock.on('data', (chunk) => {
  buf += chunk.toString('utf8');
  if (state === 'sent') {
    const at = buf.indexOf(`${begin}\n`) >= 0 ? buf.indexOf(`${begin}\n`) : buf.indexOf(`${begin}\r\n`);
    const end = endRe.exec(buf);
    if (at >= 0 && end) {
      const out = buf.slice(at + begin.length, end.index).replace(/\r/g, '').replace(/^\n/, '');
      process.stdout.write(out);
      clearTimeout(timer);
      clearInterval(pokeTimer);
      sock.end();
      process.exit(Number(end[1]));
    }
    return;
  }
  const tail = buf.slice(-200);
  if (/login: $/.test(tail) && state !== 'user') {
    state = 'user';
    sock.write('root\n');
  } else if (/Password: $/.test(tail) && state === 'user') {
    state = 'password';
    sock.write(`${password}\n`);
  } else if (/Login incorrect/.test(tail) && state === 'password') {
    fail('login incorrect');
  } else if (/[#$] $/.test(tail)) {
    state = 'sent';
    buf = '';
    // No colours, no pager, no line wrapping of systemctl's output.
    sock.write(`export SYSTEMD_PAGER= SYSTEMD_COLORS=0 TERM=dumb COLUMNS=300; stty -echo 2>/dev/null; ${line}`);
  }
});
