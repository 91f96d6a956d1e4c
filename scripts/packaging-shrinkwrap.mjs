#!/usr/bin/env node
// npm-shrinkwrap.json for Yocto's npmsw:// fetcher and the source tarball:
// package-lock.json with a `resolved` registry URL on every package (this
// machine's npm config, omit-lockfile-registry-resolved, leaves them out).
// The URL is the registry's fixed tarball path; `integrity` (kept from the lock)
// pins the bytes. Usage: packaging-shrinkwrap.mjs LOCK OUT [REGISTRY]
import { readFileSync, writeFileSync } from 'node:fs';

export function shrinkwrap(lock, registry = 'https://registry.npmjs.org') {
  const packages = {};
  for (const [path, meta] of Object.entries(lock.packages ?? {})) {
    if (path === '' || meta.link || meta.resolved) {
      packages[path] = meta;
      continue;
    }
    if (!meta.version || !meta.integrity) throw new Error(`${path}: no version or integrity in the lock file`);
    const name = meta.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const base = name.startsWith('@') ? name.split('/')[1] : name;
    packages[path] = { version: meta.version, resolved: `${registry}/${name}/-/${base}-${meta.version}.tgz`, ...meta };
  }
  return { ...lock, packages };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [lockFile, out, registry] = process.argv.slice(2);
  if (!lockFile || !out) {
    console.error('usage: packaging-shrinkwrap.mjs LOCK OUT [REGISTRY]');
    process.exit(2);
  }
  const result = shrinkwrap(JSON.parse(readFileSync(lockFile, 'utf8')), registry);
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
}
