/** docs/configuration.md is generated from the schema and must be current. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderConfigReference } from '../../src/config/reference.js';
import { schemaKeyPaths } from '../../src/config/schema.js';

const file = new URL('../../../docs/configuration.md', import.meta.url);

test('docs/configuration.md matches the schema (run `npm run docs:config` after changing it)', () => {
  assert.equal(readFileSync(file, 'utf8'), renderConfigReference());
});

test('the reference names every schema key', () => {
  const text = renderConfigReference();
  const missing = schemaKeyPaths().filter((path) => !text.includes(`\`${path}\``));
  assert.deepEqual(missing, []);
});
