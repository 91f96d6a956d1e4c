#!/usr/bin/env node
// Fails (exit 1) when src/ has an import circle, type-only imports included (issue 17).
// Usage: node scripts/check-circles.mjs [DIR...]   (default: src; the unit test passes a fixture)
// The same as `npx madge --circular --extensions ts --ts-config tsconfig.json src`, with two
// things pinned: `import type` / `export type` and `import()` count as edges (madge's defaults
// today, written out so a new default cannot drop them), and a file madge could not resolve
// fails the check (an unresolved import would hide the circle it closes).
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

const require = createRequire(import.meta.url);
const madge = require('madge');
const root = new URL('..', import.meta.url).pathname;
const dirs = process.argv.length > 2 ? process.argv.slice(2) : [join(root, 'src')];

const result = await madge(dirs, {
  fileExtensions: ['ts'],
  tsConfig: join(root, 'tsconfig.json'),
  detectiveOptions: { ts: { skipTypeImports: false, skipAsyncImports: false } },
});
const circles = result.circular();
const skipped = result.warnings().skipped;
for (const [i, circle] of circles.entries()) console.error(`circle ${i + 1}: ${circle.join(' > ')}`);
for (const file of skipped) console.error(`not resolved: ${relative(root, file) || file}`);
if (circles.length > 0 || skipped.length > 0) {
  console.error(`${circles.length} import circle(s), ${skipped.length} unresolved import(s) in ${dirs.map((d) => relative(root, d) || '.').join(' ')} (docs/architecture.md: "No import circles")`);
  process.exit(1);
}
console.log(`no import circles in ${dirs.map((d) => relative(root, d) || '.').join(' ')} (${Object.keys(result.obj()).length} files, type-only imports included)`);
