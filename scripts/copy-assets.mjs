#!/usr/bin/env node
// Copies the status page's static files (src/status-page/assets) next to the compiled code:
// `node scripts/copy-assets.mjs dist` (the package) or `build/src` (the tests). No build step for the page itself.
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: copy-assets.mjs OUTDIR');
  process.exit(2);
}
const target = join(root, outDir, 'status-page', 'assets');
rmSync(target, { recursive: true, force: true });
cpSync(join(root, 'src', 'status-page', 'assets'), target, { recursive: true });
