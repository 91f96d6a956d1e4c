#!/usr/bin/env node
// Fails (exit 1) when src/ has an import circle, type-only imports included, or an import that runs
// against the layers below (issue 17; docs/architecture.md "The rooms").
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

// The layers. A room is a set of paths under the checked folder (a name ending in '/' is a folder); a file
// belongs to the room with the longest matching path. A file may import files of its own room, and then
// only the rooms its room's `may` lists, or any but those `mayNot` lists. Files of no room and rooms
// without a rule (the launcher and views at the top) are not limited.
const ROOMS = {
  base: ['errors.ts', 'reason-codes.ts', 'limits.ts', 'fs-error.ts', 'version.ts', 'optional-import.ts', 'util/', 'topics/'],
  'schema words': ['config/schema-spec.ts', 'config/schema-fields.ts'],
  clouds: ['clouds/'],
  'serial parsers': ['serial-parsers/'],
  config: ['config/'],
  bus: ['bus.ts'],
  persistence: ['persistence/'],
  broker: ['broker/'],
  bridge: ['bridge/'],
  adapters: ['adapters/'],
  top: ['cli/', 'cli.ts', 'gateway.ts', 'embed/', 'index.ts', 'status/'],
};
const LAYERS = {
  base: { may: [] },
  'schema words': { may: [] },
  clouds: { may: ['base', 'schema words'] },
  'serial parsers': { may: ['base', 'schema words'] },
  config: { may: ['base', 'schema words', 'clouds', 'serial parsers'] },
  persistence: { may: ['base', 'config'] },
  bus: { may: ['persistence'] },
  broker: { mayNot: ['top', 'bridge', 'adapters'] },
  bridge: { mayNot: ['top', 'adapters'] },
  adapters: { mayNot: ['top', 'bridge', 'broker'] },
};

const matches = (file, path) => (path.endsWith('/') ? file.startsWith(path) : file === path);
function roomOf(file) {
  let best;
  let length = -1;
  for (const [room, paths] of Object.entries(ROOMS)) {
    for (const path of paths) if (matches(file, path) && path.length > length) [best, length] = [room, path.length];
  }
  return best;
}

/** Why `from` importing `to` runs against the layers, or undefined. */
function layerProblem(from, to) {
  const room = roomOf(from);
  const rule = room === undefined ? undefined : LAYERS[room];
  const target = roomOf(to);
  if (!rule || target === room) return undefined;
  if (rule.may && !rule.may.includes(target)) return `${room} may import only ${rule.may.join(', ') || 'itself'}`;
  if (rule.mayNot?.includes(target)) return `${room} may not import ${rule.mayNot.join(', ')}`;
  return undefined;
}

const result = await madge(dirs, {
  fileExtensions: ['ts'],
  tsConfig: join(root, 'tsconfig.json'),
  detectiveOptions: { ts: { skipTypeImports: false, skipAsyncImports: false } },
});
const circles = result.circular();
const skipped = result.warnings().skipped;
const upward = [];
for (const [from, deps] of Object.entries(result.obj())) {
  for (const to of deps) {
    const why = layerProblem(from, to);
    if (why) upward.push(`${from} imports ${to} (${why})`);
  }
}
for (const [i, circle] of circles.entries()) console.error(`circle ${i + 1}: ${circle.join(' > ')}`);
for (const file of skipped) console.error(`not resolved: ${relative(root, file) || file}`);
for (const line of upward) console.error(`layer: ${line}`);
const where = dirs.map((d) => relative(root, d) || '.').join(' ');
if (circles.length > 0 || skipped.length > 0 || upward.length > 0) {
  console.error(`${circles.length} import circle(s), ${skipped.length} unresolved import(s), ${upward.length} import(s) against the layers in ${where} (docs/architecture.md: "No import circles", "The rooms")`);
  process.exit(1);
}
console.log(`no import circles in ${where} (${Object.keys(result.obj()).length} files, type-only imports included); no import against the layers`);
