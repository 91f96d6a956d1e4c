#!/usr/bin/env node
// Builds (and caches under build/powercut/) what the power-cut VM boots:
//   vmlinux        Debian's kernel (linux-image-amd64, `apt-get download`), uncompressed: qemu boots it
//                  through its PVH entry, which skips the decompressor (slow under software emulation)
//   initramfs.cpio busybox-static, the virtio/ext4 modules and guest-init.sh as /init
//   rootfs.img     ext4, read-only in the guest: this host's node (+ its shared libraries) and the built
//                  midge (dist/, package.json, production node_modules); rebuilt when any of them changes
// Usage: node scripts/powercut/build-images.mjs   (also called by the harness). Needs dpkg-deb,
// xz-utils, busybox-static and mke2fs (e2fsprogs); the kernel download needs apt's package lists.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
export const outDir = join(root, 'build', 'powercut');
const here = new URL('.', import.meta.url).pathname;
const MODULES = ['virtio_pci', 'virtio_blk', 'virtio_net', 'crc32c_generic', 'ext4'];

const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...opts });

/** The kernel package linux-image-amd64 points at, downloaded and unpacked into `dir`; returns its release. */
function fetchKernel(dir) {
  const deps = sh('apt-cache', ['depends', 'linux-image-amd64']);
  const pkg = /Depends: (linux-image-[^\s]+)/.exec(deps)?.[1];
  if (!pkg) throw new Error('apt-cache knows no linux-image-amd64: run apt-get update');
  mkdirSync(dir, { recursive: true });
  sh('apt-get', ['download', '-q', '-o', 'APT::Sandbox::User=root', pkg], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  const deb = readdirSync(dir).find((f) => f.endsWith('.deb'));
  sh('dpkg-deb', ['-x', join(dir, deb), join(dir, 'x')]);
  return readdirSync(join(dir, 'x', 'lib', 'modules'))[0];
}

/** vmlinux from a bzImage: the xz stream after the setup code (as the kernel's scripts/extract-vmlinux). */
function extractVmlinux(vmlinuz, target) {
  const image = readFileSync(vmlinuz);
  const at = image.indexOf(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
  if (at < 0) throw new Error(`${vmlinuz}: no xz stream`);
  let elf;
  try {
    elf = execFileSync('xz', ['-dc'], { stdio: ['pipe', 'pipe', 'ignore'], input: image.subarray(at), maxBuffer: 1 << 30 });
  } catch (err) {
    elf = err.stdout; // trailing data after the stream makes unxz complain; the output is complete
  }
  if (!elf || elf.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${vmlinuz}: the xz stream is not an ELF kernel`);
  writeFileSync(target, elf);
}

/** Module names in load order (dependencies first), from modules.dep. */
function moduleOrder(modDir) {
  const deps = new Map();
  for (const line of readFileSync(join(modDir, 'modules.dep'), 'utf8').split('\n')) {
    const [mod, rest] = line.split(':');
    if (mod) deps.set(mod, rest.trim().split(/\s+/).filter(Boolean));
  }
  const byName = new Map([...deps.keys()].map((p) => [p.split('/').pop().replace(/\.ko$/, ''), p]));
  const order = [];
  const visit = (path) => {
    if (order.includes(path)) return;
    for (const d of deps.get(path) ?? []) visit(d);
    order.push(path);
  };
  for (const m of MODULES) {
    const path = byName.get(m);
    if (!path) throw new Error(`kernel module ${m} not found`);
    visit(path);
  }
  return order;
}

function buildKernelAndInitramfs() {
  const work = join(outDir, 'kernel-pkg');
  rmSync(work, { recursive: true, force: true });
  const release = fetchKernel(work);
  const x = join(work, 'x');
  extractVmlinux(join(x, 'boot', `vmlinuz-${release}`), join(outDir, 'vmlinux'));
  const modDir = join(x, 'lib', 'modules', release);
  sh('busybox', ['depmod', '-b', x, release]);
  const tree = join(outDir, 'initramfs');
  rmSync(tree, { recursive: true, force: true });
  for (const d of ['bin', 'dev', 'proc', 'sys', 'root', 'modules']) mkdirSync(join(tree, d), { recursive: true });
  copyFileSync(sh('which', ['busybox']).trim(), join(tree, 'bin', 'busybox'));
  copyFileSync(join(here, 'guest-init.sh'), join(tree, 'init'));
  const names = [];
  for (const path of moduleOrder(modDir)) {
    const name = path.split('/').pop().replace(/\.ko$/, '');
    copyFileSync(join(modDir, path), join(tree, 'modules', `${name}.ko`));
    names.push(name);
  }
  writeFileSync(join(tree, 'modules', 'order'), names.join('\n') + '\n');
  sh('chmod', ['755', join(tree, 'init'), join(tree, 'bin', 'busybox')]);
  const files = sh('find', ['.'], { cwd: tree });
  execFileSync('busybox', ['cpio', '-o', '-H', 'newc', '-R', '0:0', '-F', join(outDir, 'initramfs.cpio')], { cwd: tree, input: files, stdio: ['pipe', 'ignore', 'ignore'] });
  writeFileSync(join(outDir, 'kernel-release'), release + '\n');
  rmSync(work, { recursive: true, force: true });
  rmSync(tree, { recursive: true, force: true });
}

/** Top-level production packages from package-lock.json (nested ones come with their parents). */
function productionPackages() {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  return Object.entries(lock.packages)
    .filter(([key, p]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(key) && !p.dev && !p.optional && !p.devOptional)
    .map(([key]) => key.slice('node_modules/'.length));
}

/** The newest mtime under `path` (files only), for the rebuild check. */
function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((n) => newest(join(path, n))));
}

function buildRootfs() {
  const tree = join(outDir, 'rootfs');
  rmSync(tree, { recursive: true, force: true });
  for (const d of ['usr/bin', 'proc', 'sys', 'dev', 'tmp', 'data', 'opt/midge']) mkdirSync(join(tree, d), { recursive: true });
  copyFileSync(process.execPath, join(tree, 'usr', 'bin', 'node'));
  for (const m of sh('ldd', [process.execPath]).matchAll(/(\/\S+\.so[.\d]*)/g)) {
    const lib = m[1];
    mkdirSync(join(tree, dirname(lib)), { recursive: true });
    copyFileSync(lib, join(tree, lib)); // copyFileSync follows the library's symlink
  }
  const app = join(tree, 'opt', 'midge');
  cpSync(join(root, 'dist'), join(app, 'dist'), { recursive: true });
  copyFileSync(join(root, 'package.json'), join(app, 'package.json'));
  for (const p of productionPackages()) cpSync(join(root, 'node_modules', p), join(app, 'node_modules', p), { recursive: true, dereference: true });
  const mb = Math.ceil(Number(sh('du', ['-sm', tree]).split('\t')[0]) * 1.25) + 32;
  const img = join(outDir, 'rootfs.img');
  rmSync(img, { force: true });
  sh('mke2fs', ['-q', '-t', 'ext4', '-d', tree, '-L', 'midge-root', '-E', 'root_owner=0:0', img, `${mb}M`]);
  rmSync(tree, { recursive: true, force: true });
}

/** Builds whatever is missing or stale; returns the paths the VM needs. */
export function buildImages(log = (msg) => console.log(msg)) {
  mkdirSync(outDir, { recursive: true });
  const images = { kernel: join(outDir, 'vmlinux'), initramfs: join(outDir, 'initramfs.cpio'), rootfs: join(outDir, 'rootfs.img') };
  if (!existsSync(join(root, 'dist', 'cli.js'))) throw new Error('no dist/cli.js: run npm run build first');
  const initStamp = readFileSync(join(here, 'guest-init.sh'), 'utf8') + MODULES.join();
  if (!existsSync(images.kernel) || !existsSync(images.initramfs) || readStamp('initramfs.stamp') !== initStamp) {
    const t = Date.now();
    log('power-cut VM: downloading the Debian kernel, building the initramfs ...');
    buildKernelAndInitramfs();
    writeFileSync(join(outDir, 'initramfs.stamp'), initStamp);
    log(`power-cut VM: kernel ${readStamp('kernel-release').trim()} and initramfs ready (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  }
  const rootStamp = JSON.stringify({
    node: [process.execPath, process.version, statSync(process.execPath).mtimeMs],
    dist: newest(join(root, 'dist')),
    lock: statSync(join(root, 'package-lock.json')).mtimeMs,
    pkg: statSync(join(root, 'package.json')).mtimeMs,
  });
  if (!existsSync(images.rootfs) || readStamp('rootfs.stamp') !== rootStamp) {
    const t = Date.now();
    log('power-cut VM: building the root disk (node + midge) ...');
    buildRootfs();
    writeFileSync(join(outDir, 'rootfs.stamp'), rootStamp);
    log(`power-cut VM: root disk ready (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  }
  return images;
}

function readStamp(name) {
  const p = join(outDir, name);
  return existsSync(p) ? readFileSync(p, 'utf8') : '';
}

if (process.argv[1] && relative(process.argv[1], new URL(import.meta.url).pathname) === '') buildImages();
