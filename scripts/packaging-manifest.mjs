#!/usr/bin/env node
// Release manifest for scripts/build-release.sh and scripts/arm-smoke.sh.
//   stage DIR ARCH ELF_MACHINE NODE_VERSION ADDONS BUNDLED  -> DIR/manifest.json; fails if an addon is not built for ARCH
//   artefact STAGE_MANIFEST TARBALL OUT                      -> OUT = stage manifest + tarball size and sha256
//   footprint MANIFEST KEY=VALUE...                          -> merges numbers into manifest.footprint
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync, lstatSync } from 'node:fs';
import { join, relative } from 'node:path';

/** NODE_MODULE_VERSION of each Node major (the ABI an addon is built for). */
const NODE_ABI = { 18: 108, 20: 115, 22: 127, 23: 131, 24: 137, 25: 141 };
const ELF_NAMES = { 62: 'x86-64', 183: 'aarch64', 40: 'arm' };

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = lstatSync(path);
    if (st.isDirectory()) walk(path, out);
    else if (st.isFile()) out.push({ path, size: st.size });
  }
  return out;
}

/** e_machine of an ELF file, or undefined when it is not one. */
function elfMachine(file) {
  const head = readFileSync(file).subarray(0, 20);
  if (head.length < 20 || head.readUInt32BE(0) !== 0x7f454c46) return undefined;
  return head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18);
}

function gitCommit(dir) {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

function stage([dir, arch, elfMachineWanted, nodeVersion, addonsMethod, bundled]) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
  const files = walk(dir);
  const addons = [];
  const wrong = [];
  for (const f of files.filter((x) => x.path.endsWith('.node'))) {
    const machine = elfMachine(f.path);
    const entry = { path: relative(dir, f.path), machine: ELF_NAMES[machine] ?? String(machine), size: f.size, sha256: sha256(f.path) };
    addons.push(entry);
    if (machine !== Number(elfMachineWanted)) wrong.push(entry.path);
  }
  if (wrong.length > 0) {
    console.error(`addons not built for ${arch} (${ELF_NAMES[elfMachineWanted]}): ${wrong.join(', ')}`);
    process.exit(1);
  }
  const dependencies = {};
  for (const [path, meta] of Object.entries(lock.packages ?? {})) {
    if (path === '' || meta.dev) continue;
    dependencies[path.replace(/^.*node_modules\//, '')] = meta.version;
  }
  const major = Number(nodeVersion.split('.')[0]);
  const manifest = {
    name: pkg.name,
    version: pkg.version,
    target: { os: 'linux', arch, libc: 'glibc' },
    node: { built_against: nodeVersion, abi: NODE_ABI[major] ?? null, engines: pkg.engines?.node ?? null, bundled: bundled === '1' },
    addons_built_with: addonsMethod,
    built_at: new Date().toISOString(),
    commit: gitCommit(process.env.MIDGE_SOURCE_DIR ?? process.cwd()) ?? null,
    dependencies,
    addons,
    footprint: { installed_bytes: files.reduce((n, f) => n + f.size, 0), files: files.length },
  };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

function artefact([stageManifest, tarball, out]) {
  const manifest = JSON.parse(readFileSync(stageManifest, 'utf8'));
  const size = statSync(tarball).size;
  manifest.artefact = { file: tarball.split('/').pop(), size, sha256: sha256(tarball) };
  manifest.footprint = { artefact_bytes: size, ...manifest.footprint };
  writeFileSync(out, `${JSON.stringify(manifest, null, 2)}\n`);
}

function footprint([file, ...pairs]) {
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  for (const pair of pairs) {
    const [key, value] = pair.split('=');
    manifest.footprint[key] = Number.isNaN(Number(value)) ? value : Number(value);
  }
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
}

const [mode, ...args] = process.argv.slice(2);
const modes = { stage, artefact, footprint };
if (!(mode in modes)) {
  console.error('usage: packaging-manifest.mjs stage|artefact|footprint ...');
  process.exit(2);
}
modes[mode](args);
