import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/repo-root.js';
import * as midge from '../../src/index.js';

const ROOT = repoRoot();

describe('package entry point', () => {
  it('package.json main is the compiled src/index.ts, inside the packed files', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string; files: string[] };
    const source = pkg.main.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts');
    assert.ok(existsSync(join(ROOT, source)), `${pkg.main} is built from ${source}`);
    assert.ok(pkg.files.some((f) => pkg.main.startsWith(f)), `${pkg.main} is in package.json files`);
  });

  it('types and exports give importers the compiled entry point and its declarations; bin stays', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      main: string; types: string; bin: Record<string, string>; exports: Record<string, { types: string; import: string } | string>;
    };
    assert.equal(pkg.types, pkg.main.replace(/\.js$/, '.d.ts'));
    assert.deepEqual(pkg.exports['.'], { types: `./${pkg.types}`, import: `./${pkg.main}` });
    assert.equal(pkg.bin['midge'], 'dist/cli.js');
    const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: { declaration: boolean } };
    assert.equal(tsconfig.compilerOptions.declaration, true, 'the package build writes the .d.ts files');
  });

  it('exports startGateway and what building a configuration needs', () => {
    assert.equal(typeof midge.startGateway, 'function');
    assert.equal(typeof midge.validateConfig, 'function');
    assert.equal(midge.defaultConfig().listeners[0]!.port, 1883);
    assert.equal(midge.ERR.CONFIG, 'GW_ERR_CONFIG');
  });
});
