#!/usr/bin/env node
// Copies the status page's static files (src/status-page/assets) next to the compiled code:
// `node scripts/copy-assets.mjs dist` (the package) or `build/src` (the tests). No build step for the page itself.
// Also marks the compiled command (cli.js, which starts with a #! line) executable: tsc writes it 0644, and a
// checkout is run as `midge` through `npm link` or a symlink to dist/cli.js (docs/getting-started.md).
import { chmodSync, cpSync, existsSync, rmSync } from 'node:fs';
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
const cli = join(root, outDir, 'cli.js');
if (existsSync(cli)) chmodSync(cli, 0o755);
