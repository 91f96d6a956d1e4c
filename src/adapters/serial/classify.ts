/**
 * Decides whether a frame is text worth parsing or line noise. Garbage is
 * invalid UTF-8 (what an ESP8266's 74880-baud ROM banner looks like when
 * read at 115200) or text with more than `maxNonPrintable` (default 20%)
 * control characters. Pure.
 */

export type Classified = { kind: 'text'; text: string } | { kind: 'garbage'; reason: 'invalid_utf8' | 'non_printable' };

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** C0 controls except tab, DEL and C1 controls. */
function isNonPrintable(code: number): boolean {
  return (code < 0x20 && code !== 0x09) || (code >= 0x7f && code <= 0x9f);
}

export function classifyFrame(frame: Buffer, maxNonPrintable = 0.2): Classified {
  let text: string;
  try {
    text = decoder.decode(frame);
  } catch {
    return { kind: 'garbage', reason: 'invalid_utf8' };
  }
  let bad = 0;
  let total = 0;
  for (const ch of text) {
    total++;
    if (isNonPrintable(ch.codePointAt(0)!)) bad++;
  }
  if (total > 0 && bad / total > maxNonPrintable) return { kind: 'garbage', reason: 'non_printable' };
  // a few stray NULs or controls (common right after a reset) do not belong in the text
  return { kind: 'text', text: bad > 0 ? stripControls(text) : text };
}

function stripControls(text: string): string {
  let out = '';
  for (const ch of text) if (!isNonPrintable(ch.codePointAt(0)!)) out += ch;
  return out.trim();
}
