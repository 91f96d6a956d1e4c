/**
 * The import-circle check (scripts/check-circles.mjs, `npm run
 * check:circles`, run by .ci/run before the tests): src/ has none, and the
 * check does fail on a circle made only of type imports, of type
 * re-exports or of `import()` types, and on an import it cannot resolve.
 * The same script checks the layers (docs/architecture.md, "The rooms"):
 * config imports no runtime room, bridge and adapters not each other, the
 * adapters not the broker (they use the bus, src/bus.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from '../helpers/midge-process.js';

const root = new URL('../../../', import.meta.url).pathname;
const script = join(root, 'scripts', 'check-circles.mjs');

function check(dir?: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [script, ...(dir ? [dir] : [])], { cwd: root, encoding: 'utf8', timeout: 110_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A folder with the given files (name -> text). */
function fixture(files: Record<string, string>): { path: string; cleanup(): void } {
  const dir = tempDir('midge-circles-');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir.path, name)), { recursive: true });
    writeFileSync(join(dir.path, name), text);
  }
  return dir;
}

function checkFixture(files: Record<string, string>): { status: number | null; out: string } {
  const dir = fixture(files);
  try {
    return check(dir.path);
  } finally {
    dir.cleanup();
  }
}

describe('import circles (issue 17)', () => {
  it('src/ has none, type-only imports included', () => {
    const r = check();
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /no import circles in src \(\d+ files/);
  });

  it('a circle of `import type` lines fails the check and is named', () => {
    const r = checkFixture({
      'a.ts': "import type { B } from './b.js';\nexport interface A { b: B }\n",
      'b.ts': "import type { A } from './a.js';\nexport interface B { a: A }\n",
    });
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /circle 1: a\.ts > b\.ts/);
  });

  it('a circle closed by `export type` or an `import()` type fails too', () => {
    const reexport = checkFixture({
      'a.ts': "export type { B } from './b.js';\nexport interface A { n: number }\n",
      'b.ts': "import type { A } from './a.js';\nexport interface B { a: A }\n",
    });
    assert.equal(reexport.status, 1, reexport.out);
    const importType = checkFixture({
      'a.ts': "export type B2 = import('./b.js').B;\nexport interface A { n: number }\n",
      'b.ts': "import type { A } from './a.js';\nexport interface B { a: A }\n",
    });
    assert.equal(importType.status, 1, importType.out);
  });

  it('the same files without the back edge pass', () => {
    const r = checkFixture({
      'a.ts': "import type { B } from './b.js';\nexport interface A { b: B }\n",
      'b.ts': 'export interface B { n: number }\n',
    });
    assert.equal(r.status, 0, r.out);
  });

  it('an import that cannot be resolved fails (it could hide a circle)', () => {
    const r = checkFixture({ 'a.ts': "import type { B } from './missing.js';\nexport interface A { b: B }\n" });
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /not resolved: .*missing/);
  });
});

describe('layers (issue 17)', () => {
  const B = 'export interface B { n: number }\n';

  it('config importing the bridge runtime, even for a type, fails and is named', () => {
    const r = checkFixture({ 'config/a.ts': "import type { B } from '../bridge/b.js';\nexport type A = B;\n", 'bridge/b.ts': B });
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /layer: config\/a\.ts imports bridge\/b\.ts \(config may import only base, schema words, clouds, serial parsers\)/);
  });

  it('the adapters and the bridge do not import each other; a cloud imports no config but the schema words', () => {
    const sideways = checkFixture({ 'adapters/a.ts': "import type { B } from '../bridge/b.js';\nexport type A = B;\n", 'bridge/b.ts': B });
    assert.equal(sideways.status, 1, sideways.out);
    assert.match(sideways.out, /layer: adapters\/a\.ts imports bridge\/b\.ts \(adapters may not import top, bridge, broker\)/);
    const cloud = checkFixture({ 'clouds/a.ts': "import type { B } from '../config/types.js';\nexport type A = B;\n", 'config/types.ts': B });
    assert.equal(cloud.status, 1, cloud.out);
    assert.match(cloud.out, /layer: clouds\/a\.ts imports config\/types\.ts/);
  });

  it('the same imports downward pass', () => {
    const r = checkFixture({
      'bridge/b.ts': "import type { A } from '../config/a.js';\nimport type { W } from '../config/schema-spec.js';\nexport type B = A | W;\n",
      'config/a.ts': "import type { W } from '../clouds/w.js';\nexport type A = W;\n",
      'clouds/w.ts': "import type { S } from '../config/schema-spec.js';\nexport type W = S;\n",
      'config/schema-spec.ts': 'export interface S { n: number }\nexport type W = S;\n',
    });
    assert.equal(r.status, 0, r.out);
  });
});
