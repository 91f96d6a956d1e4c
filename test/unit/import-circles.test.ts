/**
 * The import-circle check (scripts/check-circles.mjs, `npm run
 * check:circles`, run by .ci/run before the tests): src/ has none, and the
 * check does fail on a circle made only of type imports, of type
 * re-exports or of `import()` types, and on an import it cannot resolve.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir.path, name), text);
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
