// The power-cut VM: qemu-system-x86_64 under software emulation booting build/powercut/'s kernel,
// initramfs and root disk, with a data disk (the store) that persists across boots. The guest's
// port 1883 is forwarded to 127.0.0.1:PORT on the host (user-mode network, restrict=on: the guest
// reaches nothing but the forwarded connections). cut() is the power cut: SIGKILL to qemu, so
// everything the guest kernel had not yet written to its virtual disk is gone.
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A fresh ext4 data disk holding midge.yaml (the store goes to /data/store). */
export function createDataDisk(file, yaml) {
  const tree = `${file}.d`;
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  writeFileSync(join(tree, 'midge.yaml'), yaml);
  rmSync(file, { force: true });
  execFileSync('mke2fs', ['-q', '-t', 'ext4', '-d', tree, '-E', 'root_owner=0:0', file, '256M']);
  rmSync(tree, { recursive: true, force: true });
}

/** midge's config in the guest. `synchronous` undefined leaves the store's default. */
export function guestConfig(synchronous) {
  const lines = [
    'listeners:',
    '  - host: 0.0.0.0',
    '    port: 1883',
    '    allow_anonymous: true',
    'log:',
    '  format: json',
    'mqtt:',
    '  max_queued_messages: 0',
    'persistence:',
    '  path: /data/store',
  ];
  if (synchronous) lines.push(`  synchronous: ${synchronous}`);
  return lines.join('\n') + '\n';
}

/**
 * Boots the VM; resolves once midge logged that it listens. `logFile` receives the serial console
 * (kernel messages, the init script, midge's log), appended across boots.
 */
export async function bootVm({ images, dataDisk, port, logFile, timeoutMs = 120_000 }) {
  const args = [
    '-accel', 'tcg,thread=multi', '-smp', '2', '-m', '512', '-cpu', 'max',
    '-nodefaults', '-no-user-config', '-display', 'none', '-serial', 'stdio', '-no-reboot',
    '-kernel', images.kernel, '-initrd', images.initramfs,
    '-append', 'console=ttyS0 quiet panic=-1 lpj=8000000',
    '-drive', `file=${images.rootfs},if=virtio,format=raw,readonly=on`,
    '-drive', `file=${dataDisk},if=virtio,format=raw,cache=writeback`,
    '-netdev', `user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:${port}-:1883`,
    '-device', 'virtio-net-pci,netdev=n0',
  ];
  mkdirSync(dirname(logFile), { recursive: true });
  const started = Date.now();
  let out = '';
  const proc = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => proc.kill('SIGKILL'); // never leave a VM behind the harness
  process.once('exit', killOnExit);
  const waiters = new Set();
  const onData = (chunk) => {
    const text = chunk.toString();
    out += text;
    appendFileSync(logFile, text);
    for (const w of waiters) w();
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  const exited = new Promise((resolve) => {
    proc.once('exit', (code, signal) => resolve(signal ?? code));
    proc.once('error', (err) => {
      out += `cannot run qemu-system-x86_64 (${err.code === 'ENOENT' ? 'not installed: apt-get install qemu-system-x86' : err.message})\n`;
      resolve(err.code);
    });
  });
  let gone = false;
  void exited.then(() => {
    gone = true;
    process.off('exit', killOnExit);
    for (const w of waiters) w();
  });

  /** Resolves with the console's first match of `re`; rejects on timeout or when qemu exits first. */
  const waitFor = (re, ms, what) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const m = re.exec(out);
        if (m || gone) {
          clearTimeout(timer);
          waiters.delete(check);
          if (m) resolve(m);
          else reject(new Error(`qemu exited before ${what}; console:\n${out.slice(-3000)}`));
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no ${what} within ${ms} ms; console:\n${out.slice(-3000)}`));
      }, ms);
      waiters.add(check);
      check();
    });

  const vm = {
    proc,
    console: () => out,
    /** Power cut: SIGKILL, then wait until qemu is gone. */
    async cut() {
      if (!gone) proc.kill('SIGKILL');
      await exited;
    },
  };
  try {
    await waitFor(/"msg":"listening on [^"]*:1883/, timeoutMs, 'midge listening on :1883');
  } catch (err) {
    await vm.cut();
    throw err;
  }
  vm.bootMs = Date.now() - started;
  return vm;
}
