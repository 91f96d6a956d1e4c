/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4),
 * for tests: throws on any line that is not a valid HELP, TYPE, blank or
 * sample line, on a sample before its family's TYPE, on a family declared
 * twice and on a repeated series. Returns every sample by series key
 * (`name{a="x",b="y"}` with labels sorted).
 */
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<string, string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['_sum', '_count'] };

export interface Exposition {
  samples: Map<string, number>;
  types: Map<string, string>;
  help: Map<string, string>;
}

export function parseExposition(text: string): Exposition {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  text.slice(0, -1).split('\n').forEach((line, i) => {
    const where = `line ${i + 1}: ${JSON.stringify(line)}`;
    if (line === '') return;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name, ${where}`);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`bad type, ${where}`);
        if (types.has(name)) throw new Error(`TYPE given twice, ${where}`);
        types.set(name, rest);
      } else {
        if (help.has(name)) throw new Error(`HELP given twice, ${where}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) throw new Error(`bad escape in HELP, ${where}`);
        help.set(name, rest);
      }
      return;
    }
    if (line.startsWith('#')) return; // a comment
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/.exec(line);
    if (!m) throw new Error(`not a sample, ${where}`);
    const [, name, , labelText, valueText] = m as unknown as [string, string, string | undefined, string | undefined, string];
    const family = familyOf(name, types);
    if (!family) throw new Error(`sample before its TYPE, ${where}`);
    const labels = labelText ? parseLabels(labelText, where) : [];
    if (!/^([+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)|[+-]?Inf|NaN)$/i.test(valueText)) throw new Error(`bad value, ${where}`);
    const key = `${name}{${labels.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
    if (samples.has(key)) throw new Error(`series repeated, ${where}`);
    // Go's ParseFloat (what Prometheus uses) takes NaN and Inf in any case; prom-client writes `Nan`
    samples.set(key, /nan/i.test(valueText) ? NaN : /inf/i.test(valueText) ? (valueText.startsWith('-') ? -Infinity : Infinity) : Number(valueText));
  });
  return { samples, types, help };
}

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  for (const [family, type] of types) {
    if ((SUFFIXES[type] ?? []).some((s) => name === `${family}${s}`)) return family;
  }
  return undefined;
}

function parseLabels(text: string, where: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const re = /\s*([^=\s]+)="((?:[^"\\\n]|\\[\\"n])*)"\s*(,|$)/y;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw new Error(`bad labels at ${pos}, ${where}`);
    if (!LABEL.test(m[1]!)) throw new Error(`bad label name ${m[1]}, ${where}`);
    if (out.some(([k]) => k === m[1])) throw new Error(`label ${m[1]} repeated, ${where}`);
    out.push([m[1]!, m[2]!]);
    pos = re.lastIndex;
  }
  return out;
}

/** The value of one series; `labels` in any order. Throws when absent. */
export function sample(e: Exposition, name: string, labels: Record<string, string> = {}): number {
  const key = `${name}{${Object.keys(labels).sort().map((k) => `${k}="${labels[k]}"`).join(',')}}`;
  const v = e.samples.get(key);
  if (v === undefined) throw new Error(`no sample ${key}; have: ${[...e.samples.keys()].filter((k) => k.startsWith(name)).join(' ')}`);
  return v;
}
