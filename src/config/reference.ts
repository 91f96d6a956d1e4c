/**
 * Renders the configuration reference (docs/configuration.md) from the one
 * schema, so the documentation cannot drift from what is validated.
 * `npm run docs:config` writes it; a unit test fails when it is stale.
 */
import { configSchema, describeExpected, sectionFields } from './schema.js';
import type { Field, Fields, ListSpec, SectionSpec } from './schema-spec.js';

function formatDefault(field: Field): string {
  const value = field.default;
  if (value === undefined) return '(unset)';
  if (Array.isArray(value)) return value.length === 0 ? '`[]`' : `\`${value.map(String).join(', ')}\``;
  if (typeof value === 'string') return value === '' ? '""' : `\`${value}\``;
  return `\`${String(value)}\``;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function row(key: string, field: Field): string {
  const unit = field.type === 'integer' && field.unit ? ` (${field.unit})` : '';
  return `| \`${key}\` | ${cell(describeExpected(field))}${unit} | ${formatDefault(field)} | ${cell(field.description)} |`;
}

export function renderConfigReference(): string {
  const out: string[] = [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/schema.ts by `npm run docs:config`; do not edit by hand. -->',
    '',
    'Midge reads one YAML file (`midge -c FILE`; `midge check-config FILE` validates it).',
    'Every key is optional and takes the default shown; unknown keys are errors.',
    'A commented example with every key is in [midge.example.yaml](../midge.example.yaml);',
    'mosquitto.conf options and their YAML equivalents are in [mosquitto-migration.md](mosquitto-migration.md).',
    '',
  ];
  for (const [name, spec] of Object.entries(configSchema) as Array<[string, SectionSpec | ListSpec]>) {
    out.push(`## \`${name}\``, '', spec.description, '');
    const { prefix, fields } = sectionFields(name, spec);
    if (spec.kind === 'list') out.push(spec.minItems > 0 ? `A list of at least ${spec.minItems}; each entry has:` : 'A list, empty by default; each entry has:', '');
    table(out, prefix, fields);
  }
  return out.join('\n');
}

/** One table of fields, then a sub-section per nested list. */
function table(out: string[], prefix: string, fields: Fields): void {
  out.push('| key | accepts | default | meaning |', '|---|---|---|---|');
  for (const [key, field] of Object.entries(fields)) out.push(row(`${prefix}${key}`, field));
  out.push('');
  for (const [key, field] of Object.entries(fields)) {
    if (field.type !== 'list') continue;
    out.push(`### \`${prefix}${key}[]\``, '', `Each entry of \`${prefix}${key}\` has:`, '');
    table(out, `${prefix}${key}[].`, field.item);
  }
}
