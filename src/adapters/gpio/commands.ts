/**
 * Parses `<prefix>/gpio/<name>/set` payloads: ON/OFF/1/0/true/false/TOGGLE
 * (any case), the pin's own payload_on/payload_off, or JSON
 * `{"state":"ON","pulse_ms":500}`. Pure.
 */
export type OutputAction = 'on' | 'off' | 'toggle';
export type ParsedCommand = { action: OutputAction; pulseMs?: number } | { error: string };

const WORDS: Record<string, OutputAction> = {
  on: 'on', off: 'off', '1': 'on', '0': 'off', true: 'on', false: 'off', toggle: 'toggle',
};

const MAX_PULSE_MS = 3600000;

export function parseCommand(payload: string, payloads: { on: string; off: string }): ParsedCommand {
  const text = payload.trim();
  if (text === payloads.on) return { action: 'on' };
  if (text === payloads.off) return { action: 'off' };
  const word = Object.hasOwn(WORDS, text.toLowerCase()) ? WORDS[text.toLowerCase()] : undefined;
  if (word) return { action: word };
  if (text.startsWith('{')) return parseJson(text, payloads);
  return { error: `unknown command '${text.slice(0, 40)}' (accepted: ON, OFF, 1, 0, true, false, TOGGLE, or {"state":"ON","pulse_ms":500})` };
}

function parseJson(text: string, payloads: { on: string; off: string }): ParsedCommand {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { error: 'invalid JSON command' };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { error: 'a JSON command must be an object' };
  const { state, pulse_ms: pulse } = data as { state?: unknown; pulse_ms?: unknown };
  const inner = typeof state === 'string' || typeof state === 'number' || typeof state === 'boolean' ? parseCommand(String(state), payloads) : { error: 'a JSON command needs "state"' };
  if ('error' in inner) return inner;
  if (pulse === undefined) return inner;
  if (typeof pulse !== 'number' || !Number.isInteger(pulse) || pulse < 0 || pulse > MAX_PULSE_MS) {
    return { error: `pulse_ms must be an integer 0..${MAX_PULSE_MS}` };
  }
  return { action: inner.action, pulseMs: pulse };
}
