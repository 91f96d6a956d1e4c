#!/usr/bin/env node
// Writes docs/configuration.md from the schema (run after `npm run build`).
import { writeFileSync } from 'node:fs';
import { renderConfigReference } from '../dist/config/reference.js';
const target = new URL('../docs/configuration.md', import.meta.url);
writeFileSync(target, renderConfigReference());
console.log(`wrote ${target.pathname}`);
